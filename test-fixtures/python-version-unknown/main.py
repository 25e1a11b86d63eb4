"""kiln's python-version-unknown fixture: .python-version asks for a Python kiln does not offer."""


def hello(request):
    return "Hello"
