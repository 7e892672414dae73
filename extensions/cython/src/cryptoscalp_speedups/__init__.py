"""Compiled kernels for cryptoscalp. Each module has a plain Python/numpy reference in the tests."""

__version__ = "0.1.0"
