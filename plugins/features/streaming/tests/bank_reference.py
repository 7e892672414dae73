"""The numpy reference of the compiled bar bank (the previous implementation, kept as the tests' oracle).

TA families run through the indicator classes (:mod:`.ta`), one call per indicator per batch of bars.
Everything else is a rolling window over *derived bar columns* (log return, signed volume, Parkinson
term…): prefix sums over the carried tail plus the new bars, so a batch of bars costs a few numpy calls
whatever its size, and any split of the bars gives the same values up to rounding. A non-finite derived
value (the log return of the first bar, Amihud's ratio on a bar without volume) is left out of the window:
sums skip it and means divide by the number of finite values, NaN when there is none.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import ta_reference
from cryptoscalp_features_streaming.catalogue import FeatureSpec

F64 = npt.NDArray[np.float64]

#: Bar row layout of ``cryptoscalp_speedups.micro.bars.BarBuilder`` (fixed fields, then the sums).
FIELDS = ("open", "high", "low", "close", "volume", "buy_volume", "dollar_volume", "trades", "events", "duration_s")
_LN2 = math.log(2.0)


def sum_names(ofi_levels: list[int]) -> list[str]:
    """The additive bar columns after the fixed fields, in builder order."""
    return ["q_spread", "q_count", "q_ofi", *(f"b_ofi_{n}" for n in ofi_levels)]


class ReferenceBarBank:
    def __init__(self, specs: list[FeatureSpec], ofi_levels: list[int]) -> None:
        self.specs = specs
        self.width = len(specs)
        self._field = {name: j for j, name in enumerate([*FIELDS, *sum_names(ofi_levels)])}
        self._ta: dict[tuple[Any, ...], Any] = {}
        for s in specs:
            r = s.recipe[1] if s.recipe[0] in ("bb_pctb", "bb_width") else s.recipe
            if r[0] == "ta" and r[:4] not in self._ta:
                self._ta[r[:4]] = getattr(ta_reference, r[1])(**dict(r[2]))
        # Derived columns: name -> column of the rolling matrix.
        names = ["close", "logret", "volume", "dollar", "signed", "absimb", "trades", "quotes", "duration",
                 "parkinson", "gk", "rs", "amihud", "kx", "kxy", "kxx", *sum_names(ofi_levels)]
        self._col = {n: j for j, n in enumerate(names)}
        windows = [1]
        for s in specs:
            r = s.recipe
            if r[0] in ("ratio", "sum", "mean", "sqrtmean", "std"):
                windows.append(r[-1])
            elif r[0] in ("zscore", "beta", "vwap_dev"):
                windows.append(r[1])
            elif r[0] == "ret":
                windows.append(r[1] + 1)
        self.keep = max(windows)
        self.inf_outputs = 0
        self.reset()

    def reset(self) -> None:
        for ind in self._ta.values():
            ind.reset()
        self._tail = np.empty((0, len(self._col)))
        self._prev_close = math.nan

    def _derived(self, bars: F64) -> F64:
        f = self._field
        o, h, lo, c = (bars[:, f[k]] for k in ("open", "high", "low", "close"))
        vol, buy, dollar = bars[:, f["volume"]], bars[:, f["buy_volume"]], bars[:, f["dollar_volume"]]
        prev = np.concatenate(([self._prev_close], c[:-1]))
        self._prev_close = float(c[-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            logret = np.log(c / prev)
            hl, co = np.log(h / lo), np.log(c / o)
            signed = 2.0 * buy - vol
            kx = np.where(np.isfinite(logret), signed, np.nan)
            cols = {
                "close": c, "logret": logret, "volume": vol, "dollar": dollar, "signed": signed,
                "absimb": np.abs(signed), "trades": bars[:, f["trades"]],
                "quotes": bars[:, f["events"]] - bars[:, f["trades"]], "duration": bars[:, f["duration_s"]],
                "parkinson": hl * hl / (4.0 * _LN2), "gk": 0.5 * hl * hl - (2.0 * _LN2 - 1.0) * co * co,
                "rs": np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o),
                "amihud": np.where(dollar > 0, np.abs(logret) / dollar * 1e6, np.nan),
                "kx": kx, "kxy": kx * logret, "kxx": kx * kx,
            }
        out = np.empty((len(bars), len(self._col)))
        for name, j in self._col.items():
            out[:, j] = cols[name] if name in cols else bars[:, f[name]]
        return out

    def compute(self, bars: F64) -> F64:
        """Feature rows (``len(bars)`` x :attr:`width`) for consecutive closed bars; advances the state."""
        m = len(bars)
        out = np.empty((m, self.width))
        if m == 0:
            return out
        ta_out = {key: np.asarray(ind.run(*(np.ascontiguousarray(bars[:, self._field[i]]) for i in key[3])),
                                  dtype=np.float64).reshape(m, len(ind.outputs)) for key, ind in self._ta.items()}
        ext = np.concatenate((self._tail, self._derived(bars)))
        T = len(ext) - m
        valid = np.isfinite(ext)
        x0 = np.where(valid, ext, 0.0)
        ci = self._col["close"]
        ref = ext[0, ci]
        x0[:, ci] -= ref  # sums of deviations from a recent close keep the z-score's variance exact
        cs = np.zeros((len(ext) + 1, ext.shape[1]))
        np.cumsum(x0, axis=0, out=cs[1:])
        cn = np.zeros_like(cs)
        np.cumsum(valid, axis=0, out=cn[1:])
        cs2 = np.zeros_like(cs)
        np.cumsum(x0 * x0, axis=0, out=cs2[1:])
        hi = T + np.arange(1, m + 1)

        def wsum(table: F64, col: str, w: int) -> F64:
            lo = hi - w
            ok = lo >= 0
            res = np.full(m, np.nan)
            j = self._col[col]
            res[ok] = table[hi[ok], j] - table[lo[ok], j]
            return res

        close = bars[:, self._field["close"]]
        with np.errstate(divide="ignore", invalid="ignore"):
            for k, s in enumerate(self.specs):
                r = s.recipe
                kind = r[0]
                if kind == "ta":
                    v = ta_out[r[:4]][:, r[4]]
                elif kind in ("bb_pctb", "bb_width"):
                    bb = ta_out[r[1][:4]]
                    width = bb[:, 0] - bb[:, 2]
                    v = (close - bb[:, 2]) / width if kind == "bb_pctb" else width / bb[:, 1]
                elif kind == "ratio":
                    v = wsum(cs, r[1], r[3]) / wsum(cs, r[2], r[3])
                elif kind == "sum":
                    v = wsum(cs, r[1], r[2])
                elif kind in ("mean", "sqrtmean"):
                    n = wsum(cn, r[1], r[2])
                    v = np.where(n > 0, wsum(cs, r[1], r[2]) / n, np.nan)
                    if kind == "sqrtmean":
                        v = np.sqrt(np.maximum(v, 0.0))
                elif kind == "std":
                    n, s1, s2 = wsum(cn, r[1], r[2]), wsum(cs, r[1], r[2]), wsum(cs2, r[1], r[2])
                    v = np.where(n > 1, np.sqrt(np.maximum(s2 - s1 * s1 / n, 0.0) / (n - 1)), np.nan)
                elif kind == "zscore":
                    # two-pass per window: exact, so a flat window is flat (NaN), not rounding noise
                    w = r[1]
                    v = np.full(m, np.nan)
                    for i in range(m):
                        if hi[i] >= w:
                            win = ext[hi[i] - w:hi[i], ci]
                            sd = float(win.std())
                            if sd > 1e-10 * abs(close[i]):
                                v[i] = (close[i] - win.mean()) / sd
                elif kind == "vwap_dev":
                    v = (close / (wsum(cs, "dollar", r[1]) / wsum(cs, "volume", r[1])) - 1.0) * 1e4
                elif kind == "beta":
                    w = r[1]
                    n = wsum(cn, "kx", w)
                    sx, sy, sxy, sxx = (wsum(cs, c, w) for c in ("kx", "logret", "kxy", "kxx"))
                    var = sxx - sx * sx / n
                    v = np.where((n >= w) & (var > 0), (sxy - sx * sy / n) / var, np.nan)
                elif kind == "ret":
                    h = r[1]
                    lag = np.full(m, np.nan)
                    idx = hi - 1 - h
                    ok = idx >= 0
                    lag[ok] = ext[idx[ok], ci]
                    v = np.log(close / lag) if r[2] else close / lag - 1.0
                else:  # pragma: no cover - the catalogue only builds the recipes above
                    raise ValueError(f"unknown recipe {r!r}")
                out[:, k] = v
        bad = np.isinf(out)
        if bad.any():
            self.inf_outputs += int(bad.sum())
            out[bad] = np.nan
        self._tail = ext[max(0, len(ext) - self.keep):].copy()
        return out
