"""kiln's python-import-error fixture: its module imports a package no requirement installs."""

import kiln_module_nobody_installed


def hello(request):
    return kiln_module_nobody_installed.greeting()
