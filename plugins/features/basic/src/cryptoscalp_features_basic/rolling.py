"""Vectorised streaming kernels: EMA through ``lfilter`` and rolling sums through prefix-sum differences.

Every kernel takes the new values of one instrument (already cleaned of bad inputs) plus the state carried
from earlier batches and returns one value per new element, so a batch is one numpy call per feature and
never a Python loop per row. Splitting a stream into batches anywhere gives the same values as one batch,
up to floating-point rounding of the prefix sums (which start afresh at every call, so their rounding
error is bounded by the batch, not by the length of the stream).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter  # type: ignore[import-untyped]

F64 = npt.NDArray[np.float64]

_EMPTY: F64 = np.empty(0, dtype=np.float64)


def ema(x: F64, span: int, prev: float) -> F64:
    """EMA with ``alpha = 2 / (span + 1)`` continuing from ``prev`` (NaN: no value yet).

    Convention: the value before the first input is the first input itself, so the first output equals
    ``x[0]`` (pandas ``ewm(span, adjust=False)``). The warm-up NaNs are the caller's business. ``lfilter``
    runs the recurrence ``y[i] = alpha * x[i] + (1 - alpha) * y[i-1]`` in C; its state ``zi`` is the
    carried term ``(1 - alpha) * y[-1]``.
    """
    alpha = 2.0 / (span + 1.0)
    decay = 1.0 - alpha
    seed = float(x[0]) if np.isnan(prev) else prev
    y, _ = lfilter([alpha], [1.0, -decay], x, zi=[decay * seed])
    return np.asarray(y, dtype=np.float64)


@dataclass(slots=True)
class Tail:
    """The last ``keep`` values of one series and how many values it has seen in all.

    :meth:`extend` returns the new values with the tail in front (``ext``), which is what windows that
    reach back before the batch read from.
    """

    keep: int
    values: F64 = field(default_factory=lambda: _EMPTY)
    seen: int = 0

    def extend(self, x: F64) -> tuple[F64, int, int]:
        """``(ext, T, seen)``: ``ext = tail + x``, ``T`` = tail length, ``seen`` = count before ``x``."""
        T, seen = len(self.values), self.seen
        ext = np.concatenate((self.values, x)) if T else x
        # Copy: the tail must not keep the caller's (possibly huge) batch alive.
        self.values = ext[len(ext) - min(self.keep, len(ext)):].copy()
        self.seen += len(x)
        return ext, T, seen


def prefix_sums(ext: F64, ref: float = 0.0) -> F64:
    """``cs[k] = sum(ext[:k] - ref)``. Subtracting a reference level (a recent price) keeps the running
    sum small, so differences of it lose few digits to cancellation."""
    cs = np.empty(len(ext) + 1, dtype=np.float64)
    cs[0] = 0.0
    np.cumsum(ext - ref if ref else ext, out=cs[1:])
    return cs


def window_sums(cs: F64, T: int, seen: int, window: int, ref: float = 0.0) -> F64:
    """Sum of the last ``window`` values as of each new element; NaN until ``window`` values were seen.

    ``cs`` comes from :func:`prefix_sums` over ``ext`` (tail of length ``T`` >= ``window - 1`` when
    available, then the ``n`` new values); new element ``i`` sits at ``ext[T + i]``.
    """
    n = len(cs) - 1 - T
    out = np.full(n, np.nan)
    start = max(0, window - 1 - seen)  # first new element with a full window behind it
    if start < n:
        lo = T + start + 1
        out[start:] = cs[lo:T + n + 1] - cs[lo - window:T + n + 1 - window]
        if ref:
            out[start:] += window * ref
    return out


def lagged(ext: F64, T: int, seen: int, lag: int) -> F64:
    """The value ``lag`` elements before each new element (NaN where the series is not that long)."""
    n = len(ext) - T
    out = np.full(n, np.nan)
    start = max(0, lag - seen)
    if start < n:
        out[start:] = ext[T + start - lag:T + n - lag]
    return out
