"""Bar features of one instrument on one clock: closed bars in, one row of features per bar out.

The whole bank runs in one compiled call per batch of closed bars
(``cryptoscalp_speedups.micro.barbank.BarFeatureBank``): this module only translates the catalogue's
recipes into the kernel's tables: the indicators with the bar fields they read, the rolling windows
over *derived bar columns* (log return, signed volume, Parkinson term...) and one op per feature. A
non-finite derived value (the log return of the first bar, Amihud's ratio on a bar without volume) is
left out of its window: sums skip it and means divide by the number of finite values, NaN when there is
none.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from cryptoscalp_speedups.micro.barbank import DERIVED, OPS, BarFeatureBank

from cryptoscalp_features_streaming import ta
from cryptoscalp_features_streaming.catalogue import FeatureSpec
from cryptoscalp_features_streaming.ta import F64

#: Bar row layout of ``cryptoscalp_speedups.micro.bars.BarBuilder`` (fixed fields, then the sums).
FIELDS = ("open", "high", "low", "close", "volume", "buy_volume", "dollar_volume", "trades", "events", "duration_s")


def sum_names(ofi_levels: list[int]) -> list[str]:
    """The additive bar columns after the fixed fields, in builder order."""
    return ["q_spread", "q_count", "q_ofi", *(f"b_ofi_{n}" for n in ofi_levels)]


class BarBank:
    def __init__(self, specs: list[FeatureSpec], ofi_levels: list[int]) -> None:
        self.specs = specs
        self.width = len(specs)
        sums = sum_names(ofi_levels)
        field = {name: j for j, name in enumerate([*FIELDS, *sums])}
        col = {n: j for j, n in enumerate([*DERIVED, *sums])}
        slots: dict[tuple[Any, ...], int] = {}
        members: list[tuple[Any, tuple[int, ...]]] = []
        n_slots = 0
        self.backends: dict[str, str] = {}
        windows: dict[tuple[int, int, int], int] = {}

        def acc(name: str, w: int, centred: int = 0) -> int:
            return windows.setdefault((col[name], w, centred), len(windows))

        ops: list[tuple[int, int, int, int]] = []
        for s in specs:
            r = s.recipe
            kind = r[0]
            t = r[1] if kind in ("bb_pctb", "bb_width") else r
            if t[0] == "ta" and t[:4] not in slots:
                ind = ta.make(t[1], **dict(t[2]))
                slots[t[:4]] = n_slots
                n_slots += len(ind.outputs)
                members.append((ind, tuple(field[i] for i in t[3])))
                self.backends[t[1]] = "compiled"
            if kind == "ta":
                op = (OPS["ta"], slots[r[:4]] + r[4], 0, 0)
            elif kind in ("bb_pctb", "bb_width"):
                op = (OPS[kind], slots[t[:4]], 0, 0)
            elif kind == "ratio":
                op = (OPS["ratio"], acc(r[1], r[3]), acc(r[2], r[3]), 0)
            elif kind in ("sum", "mean", "sqrtmean", "std"):
                op = (OPS[kind], acc(r[1], r[2]), 0, 0)
            elif kind == "zscore":
                op = (OPS["zscore"], acc("close", r[1], 1), 0, 0)
            elif kind == "vwap_dev":
                op = (OPS["vwap_dev"], acc("dollar", r[1]), acc("volume", r[1]), 0)
            elif kind == "beta":
                # four consecutive accumulators, in the kernel's order: kx, kxy, logret, kxx
                first = len(windows)
                for name in ("kx", "kxy", "logret", "kxx"):
                    windows[(col[name], r[1], 10 + first)] = len(windows)  # private to this op
                op = (OPS["beta"], first, 0, 0)
            elif kind == "ret":
                op = (OPS["ret"], r[1], int(r[2]), 0)
            else:  # pragma: no cover - the catalogue only builds the recipes above
                raise ValueError(f"unknown recipe {r!r}")
            ops.append(op)
        table = np.array([(c, w, 1 if centred == 1 else 0) for (c, w, centred) in windows], dtype=np.int64)
        self._kernel = BarFeatureBank(members, np.array(ops, dtype=np.int64).reshape(-1, 4),
                                      table.reshape(-1, 3), len(sums))

    @property
    def inf_outputs(self) -> int:
        return int(self._kernel.inf_outputs)

    def reset(self) -> None:
        self._kernel.reset()

    def compute(self, bars: F64) -> F64:
        """Feature rows (``len(bars)`` x :attr:`width`) for consecutive closed bars; advances the state."""
        return self._kernel.compute(np.ascontiguousarray(bars, dtype=np.float64))
