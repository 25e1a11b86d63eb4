"""kiln's python-index fixture: its one requirement exists only on the index the test serves."""

import kiln_index_probe


def hello(request):
    return f"Installed from {kiln_index_probe.WHERE}\n"
