"""The compiled speed-ups (analyzers.native); everything else about the package is in setup.cfg.

Each extension is optional: without a C compiler the install goes on and the Python references run."""

from setuptools import Extension, setup

EXTENSIONS: list[Extension] = []

setup(ext_modules=EXTENSIONS)
