"""Compiles every ``.pyx`` under ``src/cryptoscalp_speedups`` into an extension of the same dotted name.

Adding a kernel is adding a ``.pyx`` (and its ``.pyi`` stub): nothing here needs editing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

SRC = Path(__file__).parent / "src"


def extensions() -> list[Extension]:
    found = []
    for pyx in sorted(SRC.rglob("*.pyx")):
        rel = pyx.relative_to(SRC).with_suffix("")
        found.append(Extension(".".join(rel.parts), [str(pyx.relative_to(Path(__file__).parent))],
                               include_dirs=[np.get_include()],
                               define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                               extra_compile_args=["-O3"]))
    return found


setup(ext_modules=cythonize(extensions(), language_level=3,
                            compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True,
                                                 "initializedcheck": False}))
