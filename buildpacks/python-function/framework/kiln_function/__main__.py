"""``python -m kiln_function``: serves the function the image was built for."""

from kiln_function.server import main

main()
