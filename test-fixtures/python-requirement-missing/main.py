"""kiln's python-requirement-missing fixture: its requirement exists on no index."""


def hello(request):
    return "Hello"
