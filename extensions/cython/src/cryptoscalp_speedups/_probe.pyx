# cython: language_level=3
"""Smallest kernel: proves the build compiled and links against numpy."""

cimport numpy as cnp
import numpy as np

cnp.import_array()


def ema(const double[::1] x, double alpha):
    """Exponential moving average seeded with the first value (the pandas ``adjust=False`` form)."""
    cdef Py_ssize_t i, n = x.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    cdef double acc
    if n == 0:
        return out
    acc = x[0]
    for i in range(n):
        acc += alpha * (x[i] - acc)
        o[i] = acc
    return out
