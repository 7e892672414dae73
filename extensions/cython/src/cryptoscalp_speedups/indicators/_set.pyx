# cython: language_level=3
"""IndicatorSet: several indicators updated together in one C call per row (or per chunk)."""

cimport numpy as cnp
from cpython.ref cimport PyObject
from libc.stdlib cimport free, malloc

import numpy as np

from ._base cimport MAX_IO, Indicator

cnp.import_array()


cdef class IndicatorSet(Indicator):
    """A fixed group of named indicators sharing input columns; itself an ``Indicator``.

    ``members`` maps a name to an indicator, or to ``(indicator, input_names)`` to bind its inputs to
    other columns (e.g. ``{"vol_mean": (RollingMean(20), ("volume",))}``). ``inputs`` is the union of
    the members' inputs in order of first use unless given; ``outputs`` are ``name`` for a one-output
    member and ``name.output`` otherwise, in member order. ``warmup`` is the largest member warmup.

    ``update`` writes into one preallocated float64 array and returns it (the same object every
    call, overwritten by the next update: copy it to keep it). ``run`` runs each member over the
    whole chunk column by column. Each member applies its own bad-input policy to its own inputs;
    ``bad_inputs`` is the total of the members' counters.
    """
    cdef readonly tuple names
    cdef list _held
    cdef Py_ssize_t n_members
    cdef PyObject** _objs
    cdef Py_ssize_t* _in_map
    cdef Py_ssize_t* _in_off
    cdef Py_ssize_t* _out_off
    cdef object _values
    cdef double* _vbuf

    def __init__(self, members, inputs=None):
        items = list(members.items()) if hasattr(members, "items") else list(members)
        if not items:
            raise ValueError("an IndicatorSet needs at least one member")
        names, held, bindings, outs = [], [], [], []
        for name, spec in items:
            ind, bind = (spec if isinstance(spec, tuple) else (spec, None))
            if not isinstance(ind, Indicator):
                raise TypeError(f"member {name!r} is not an Indicator: {ind!r}")
            bind = tuple(bind) if bind is not None else ind.inputs
            if len(bind) != len(ind.inputs):
                raise ValueError(f"member {name!r} needs {len(ind.inputs)} inputs {ind.inputs}, bound to {bind}")
            if name in names:
                raise ValueError(f"duplicate member name {name!r}")
            names.append(name)
            held.append(ind)
            bindings.append(bind)
            outs.extend([name] if len(ind.outputs) == 1 else [f"{name}.{out_name}" for out_name in ind.outputs])
        if inputs is None:
            inputs = tuple(dict.fromkeys(col for bind in bindings for col in bind))
        inputs = tuple(inputs)
        missing = {col for bind in bindings for col in bind} - set(inputs)
        if missing:
            raise ValueError(f"inputs {sorted(missing)} used by members are not in {inputs}")
        self.names = tuple(names)
        self._held = held
        self.n_members = len(held)
        n_map = sum(len(b) for b in bindings)
        self._objs = <PyObject**>malloc(self.n_members * sizeof(PyObject*))
        self._in_map = <Py_ssize_t*>malloc(max(n_map, 1) * sizeof(Py_ssize_t))
        self._in_off = <Py_ssize_t*>malloc((self.n_members + 1) * sizeof(Py_ssize_t))
        self._out_off = <Py_ssize_t*>malloc((self.n_members + 1) * sizeof(Py_ssize_t))
        if not (self._objs and self._in_map and self._in_off and self._out_off):
            raise MemoryError()
        cdef Py_ssize_t m, k = 0, o = 0
        for m in range(self.n_members):
            self._objs[m] = <PyObject*>held[m]
            self._in_off[m] = k
            self._out_off[m] = o
            for col in bindings[m]:
                self._in_map[k] = inputs.index(col)
                k += 1
            o += len(held[m].outputs)
        self._in_off[self.n_members] = k
        self._out_off[self.n_members] = o
        self._setup(inputs, tuple(outs), max(ind.warmup for ind in held))
        self._values = np.full(len(outs), np.nan)
        self._vbuf = <double*>cnp.PyArray_DATA(self._values)

    def __dealloc__(self):
        free(self._objs)
        free(self._in_map)
        free(self._in_off)
        free(self._out_off)

    @property
    def members(self) -> dict:
        return dict(zip(self.names, self._held))

    @property
    def values(self):
        """The output buffer ``update`` writes into (the latest row)."""
        return self._values

    cdef Py_ssize_t _bad_total(self):
        cdef Py_ssize_t m, total = 0
        for m in range(self.n_members):
            total += (<Indicator>self._objs[m])._bad
        return total

    cdef void _clear(self) noexcept nogil:
        cdef Py_ssize_t m
        for m in range(self.n_members):
            (<Indicator>self._objs[m])._bad = 0
            (<Indicator>self._objs[m])._clear()

    cdef void _step(self, const double* x, double* y) noexcept nogil:
        cdef double xm[MAX_IO]
        cdef Py_ssize_t m, j, k0
        for m in range(self.n_members):
            k0 = self._in_off[m]
            for j in range(self._in_off[m + 1] - k0):
                xm[j] = x[self._in_map[k0 + j]]
            (<Indicator>self._objs[m]).step_checked(xm, y + self._out_off[m])

    cdef void step_checked(self, const double* x, double* y) noexcept nogil:
        self._step(x, y)  # members check their own inputs

    cdef void _run_block(self, const double** cols, Py_ssize_t n, double* out,
                         Py_ssize_t stride) noexcept nogil:
        cdef const double* mcols[MAX_IO]
        cdef Py_ssize_t m, j, k0
        for m in range(self.n_members):
            k0 = self._in_off[m]
            for j in range(self._in_off[m + 1] - k0):
                mcols[j] = cols[self._in_map[k0 + j]]
            (<Indicator>self._objs[m])._run_block(mcols, n, out + self._out_off[m], stride)

    def update(self, *values):
        """Feed one row (scalars in the order of ``inputs``); returns the shared output buffer."""
        cdef double x[MAX_IO]
        cdef Py_ssize_t j
        if len(values) != self.n_in:
            raise TypeError(f"IndicatorSet.update expects {self.n_in} values {self.inputs}, got {len(values)}")
        for j in range(self.n_in):
            x[j] = values[j]
        self._step(x, self._vbuf)
        return self._values
