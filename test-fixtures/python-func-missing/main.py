"""kiln's python-func-missing fixture: FUNC_NAME=hello names a function this module lacks."""


def goodbye(request):
    return "Goodbye"


async def farewell(request, polite=True):
    return "Farewell"
