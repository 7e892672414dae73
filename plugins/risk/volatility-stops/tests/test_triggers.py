"""The vectorised trigger scan agrees with a row-by-row reference."""

from __future__ import annotations

import math

import numpy as np
from cryptoscalp_risk_volatility_stops.triggers import first_trigger
from hypothesis import given, settings
from hypothesis import strategies as st


def reference(prices: list[float], sign: int, entry: float, best: float, sl: float, tp: float,
              trail: float) -> tuple[int, str, float]:
    for i, p in enumerate(prices):
        best = max(best, p) if sign > 0 else min(best, p)
        if not math.isnan(sl) and (p <= entry - sl if sign > 0 else p >= entry + sl):
            return i, "stop_loss", _best(prices, sign, best, i)
        if not math.isnan(trail) and (p <= best - trail if sign > 0 else p >= best + trail):
            return i, "trailing_stop", _best(prices, sign, best, i)
        if not math.isnan(tp) and (p >= entry + tp if sign > 0 else p <= entry - tp):
            return i, "take_profit", _best(prices, sign, best, i)
    return -1, "", best


def _best(prices: list[float], sign: int, best: float, i: int) -> float:
    rest = prices[i + 1:]
    if not rest:
        return best
    return max(best, *rest) if sign > 0 else min(best, *rest)


distance = st.one_of(st.just(math.nan), st.integers(1, 40).map(float))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(50, 150).map(float), min_size=1, max_size=40), st.sampled_from([1, -1]),
       st.integers(80, 120).map(float), distance, distance, distance)
def test_matches_reference(prices: list[float], sign: int, entry: float, sl: float, tp: float, trail: float) -> None:
    got = first_trigger(np.asarray(prices), sign, entry, entry, sl, tp, trail)
    assert got == reference(prices, sign, entry, entry, sl, tp, trail)
