"""The prediction stream: the last ``seq_len`` rows a model was asked about, raw and standardised.

A single-row predict must not rebuild its window from scratch (concatenate, standardise ``seq_len`` rows,
copy them into a tensor): that costs more than a small network. The rows live in a ring of ``2 * seq_len``
slots where row ``i`` is written at slots ``i mod L`` and ``i mod L + L``, so the window ending at the
newest row is always the contiguous slice ``[pos, pos + L)`` of fixed arrays. A runner can therefore bind
each of the ``L`` possible windows once (a tensor view, an ONNX Runtime binding) and reuse it for ever.
Slots never written hold zeros: the padding of a young stream (zero is the column mean after
standardisation), and they sort before every real row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]


class RowStream:
    def __init__(self, seq_len: int, n_features: int) -> None:
        self.seq_len = seq_len
        self.raw: F64 = np.zeros((2 * seq_len, n_features))
        self.std: F32 = np.zeros((2 * seq_len, n_features), np.float32)
        self.pos = 0  # slot of the next row, in 0..seq_len-1
        self.count = 0  # rows held, at most seq_len

    def push(self, raw: F64, std: F32) -> int:
        """Append one row (``raw`` and ``std`` of shape ``(n_features,)``); returns the start of the window
        that ends with it: ``std[start:start + seq_len]``."""
        L, p = self.seq_len, self.pos
        self.raw[p] = raw
        self.raw[p + L] = raw
        self.std[p] = std
        self.std[p + L] = std
        self.pos = (p + 1) % L
        self.count = min(self.count + 1, L)
        return p + 1

    def context(self, rows: int) -> F64:
        """The last ``min(rows, held)`` raw rows, oldest first (a copy); ``rows`` < ``seq_len``."""
        n = min(rows, self.count)
        end = self.pos + self.seq_len
        return self.raw[end - n:end].copy()

    def load(self, raw: F64, std: F32) -> None:
        """Forget everything, then hold the last ``seq_len - 1`` of these rows (oldest first)."""
        keep = self.seq_len - 1
        first = max(len(raw) - keep, 0) if keep else len(raw)
        raw, std = raw[first:], std[first:]
        self.raw.fill(0.0)
        self.std.fill(0.0)
        n, L = len(raw), self.seq_len
        self.raw[:n], self.raw[L:L + n] = raw, raw
        self.std[:n], self.std[L:L + n] = std, std
        self.pos, self.count = n % L, n
