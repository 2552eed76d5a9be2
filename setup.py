"""The compiled speed-ups (analyzers.native); everything else about the package is in setup.cfg.

Each extension is optional: without a C compiler the install goes on and the Python references run."""

from setuptools import Extension, setup

# Warnings are errors of ours to fix, not noise: each extension is built with them all shown.
WARNINGS = ["-Wall", "-Wextra"]

EXTENSIONS: list[Extension] = [
    Extension(
        "indexer.storage._pooling",
        ["indexer/storage/_pooling.c"],
        extra_compile_args=WARNINGS,
        optional=True,
    ),
]

setup(ext_modules=EXTENSIONS)
