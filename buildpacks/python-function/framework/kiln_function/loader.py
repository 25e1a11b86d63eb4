"""Finds the function to serve: imports its module from its file, the file's directory first on
``sys.path`` so that the function's own modules import as they do when it runs locally."""

import importlib
import os
import sys


def load_module(source_file):
    directory, file_name = os.path.split(os.path.abspath(source_file))
    sys.path.insert(0, directory)
    return importlib.import_module(os.path.splitext(file_name)[0])


def function_of(module, target):
    """The module's attribute ``target`` if it is callable, else None."""
    function = getattr(module, target, None)
    return function if callable(function) else None
