# cython: language_level=3
"""Streaming indicator base: chunked ``run``, one-row ``update``, ``reset`` and the bad-input policy.

A subclass implements ``_step`` (one row of finite inputs to its outputs, NaN while warming up) and
``_clear`` (forget everything). Hot indicators also override ``_run_block`` with a loop the C
compiler can inline; the generic one below calls ``step_checked`` per row.
"""

cimport numpy as cnp
from libc.math cimport NAN, isfinite

import numpy as np

cnp.import_array()


cdef class Indicator:
    """Base of every streaming indicator; see the package docstring for the contract."""

    cdef object _setup(self, tuple inputs, tuple outputs, Py_ssize_t warmup):
        if len(inputs) > MAX_IO or len(outputs) > MAX_IO:
            raise ValueError(f"at most {MAX_IO} inputs and outputs")
        self.inputs = inputs
        self.outputs = outputs
        self.warmup = warmup
        self.n_in = len(inputs)
        self.n_out = len(outputs)
        self._bad = 0

    cdef Py_ssize_t _bad_total(self):
        return self._bad

    @property
    def bad_inputs(self) -> int:
        """Rows skipped because an input was NaN, infinite or otherwise invalid (since the last reset)."""
        return self._bad_total()

    cdef void _clear(self) noexcept nogil:
        pass

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        pass

    cdef void step_checked(self, const double* x, double* y) noexcept nogil:
        cdef Py_ssize_t j
        for j in range(self.n_in):
            if not isfinite(x[j]):
                self._bad += 1
                for j in range(self.n_out):
                    y[j] = NAN
                return
        self._step(x, y)

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef double x[MAX_IO]
        cdef Py_ssize_t i, j
        for i in range(n):
            for j in range(self.n_in):
                x[j] = cols[j][i]
            self.step_checked(x, out + i * stride)

    def run(self, *arrays):
        """Process one chunk: arrays in the order of ``inputs``, all the same length.

        Returns float64 of shape ``(n,)`` (one output) or ``(n, len(outputs))``; state carries over.
        """
        cdef const double* cols[MAX_IO]
        cdef Py_ssize_t j, n
        if len(arrays) != self.n_in:
            raise TypeError(f"{type(self).__name__}.run expects {self.n_in} arrays {self.inputs}, "
                            f"got {len(arrays)}")
        held = [np.ascontiguousarray(a, dtype=np.float64) for a in arrays]
        n = held[0].shape[0] if held else 0
        for j in range(self.n_in):
            if held[j].ndim != 1 or held[j].shape[0] != n:
                raise ValueError(f"input {self.inputs[j]!r}: expected a 1-D array of length {n}, "
                                 f"got shape {held[j].shape}")
            cols[j] = <const double*>cnp.PyArray_DATA(held[j])
        shape: tuple = (n,)
        if self.n_out > 1:
            shape = (n, self.n_out)
        out = np.empty(shape, dtype=np.float64)
        cdef double* o = <double*>cnp.PyArray_DATA(out)
        with nogil:
            self._run_block(cols, n, o, self.n_out)
        return out

    def update(self, *values):
        """Feed one row (scalars in the order of ``inputs``); returns a float, or a tuple for k outputs."""
        cdef double x[MAX_IO]
        cdef double y[MAX_IO]
        cdef Py_ssize_t j
        if len(values) != self.n_in:
            raise TypeError(f"{type(self).__name__}.update expects {self.n_in} values {self.inputs}, "
                            f"got {len(values)}")
        for j in range(self.n_in):
            x[j] = values[j]
        self.step_checked(x, y)
        if self.n_out == 1:
            return y[0]
        return tuple([y[j] for j in range(self.n_out)])

    def reset(self):
        """Forget all state, as if freshly constructed (``bad_inputs`` back to 0)."""
        self._bad = 0
        self._clear()

    def __repr__(self):
        return f"{type(self).__name__}(inputs={self.inputs}, outputs={self.outputs}, warmup={self.warmup})"
