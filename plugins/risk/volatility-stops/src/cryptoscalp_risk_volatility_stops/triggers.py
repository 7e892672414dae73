"""Where, in a run of prices, a position's stop first triggers (vectorised over the run).

For a long position (``sign = +1``) with entry price ``e`` and best price so far ``b``:

* stop-loss at ``e - sl``, take-profit at ``e + tp``, trailing stop at ``running_best - trail`` where
  ``running_best`` is the maximum of ``b`` and every price up to and including the current one;
* the first price that reaches a level triggers it; on the same price the stop-loss wins over the
  trailing stop, which wins over the take-profit (the conservative reading).

A short position mirrors it (prices negated). ``nan`` distances disable a rule.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

ORDER = ("stop_loss", "trailing_stop", "take_profit")


def first_trigger(prices: npt.NDArray[np.float64], sign: int, entry: float, best: float, sl: float, tp: float,
                  trail: float) -> tuple[int, str, float]:
    """(index of the first triggering price or -1, its rule or "", best price after the run)."""
    p = prices * sign
    e, b = entry * sign, best * sign
    run_best = np.maximum.accumulate(np.maximum(p, b)) if len(p) else p
    new_best = float(run_best[-1]) * sign if len(p) else best
    hits: list[npt.NDArray[np.bool_] | None] = [
        p <= e - sl if not math.isnan(sl) else None,
        p <= run_best - trail if not math.isnan(trail) else None,
        p >= e + tp if not math.isnan(tp) else None,
    ]
    first, rule = len(p), ""
    for name, hit in zip(ORDER, hits, strict=True):
        if hit is None:
            continue
        idx = np.flatnonzero(hit)
        if len(idx) and idx[0] < first:
            first, rule = int(idx[0]), name
    return (first, rule, new_best) if rule else (-1, "", new_best)
