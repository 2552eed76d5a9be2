"""The compiled speed-ups (analyzers.native); everything else about the package is in setup.cfg.

Each extension is optional: without a C compiler the install goes on and the Python references run."""

from setuptools import Extension, setup

# Warnings on, as errors nowhere: a compiler that warns differently must not fail the install.
_C_FLAGS = ["-O2", "-Wall", "-Wextra"]

EXTENSIONS: list[Extension] = [
    Extension("analyzers._scan", ["analyzers/_scan.c"], extra_compile_args=_C_FLAGS, optional=True),
    Extension(
        "indexer.storage._pooling", ["indexer/storage/_pooling.c"], extra_compile_args=_C_FLAGS, optional=True
    ),
]

setup(ext_modules=EXTENSIONS)
