"""kiln's python-syntax-error fixture: a function that does not parse (line 5)."""


def hello(request)
    return "Hello"
