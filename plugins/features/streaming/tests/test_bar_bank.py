"""The compiled bar bank against its numpy + pure-Python-indicator reference, over any chunking."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from cryptoscalp_features_streaming import StreamingFeaturesConfig, build_catalogue
from cryptoscalp_features_streaming.bank import FIELDS, BarBank, sum_names
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from bank_reference import ReferenceBarBank

CFG = StreamingFeaturesConfig(clocks=["tick50"], ma_windows=[3, 8], osc_windows=[5], band_windows=[6],
                              windows=[2, 7], return_horizons=[1, 4], ofi_levels=[1, 3])
SPECS = [s for s in build_catalogue(CFG) if s.clock == "tick50"]
LEVELS = [1, 3]


def atol(name: str, scale: float) -> float:
    # bps of a price from a ratio of prefix sums: the reference's own rounding is ~1e-10 relative = 1e-6 bps
    return max(1e-8 * max(scale, 1.0), 1e-5 if "vwap_dev" in name else 0.0)


def random_bars(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    width = len(FIELDS) + len(sum_names(LEVELS))
    bars = np.zeros((n, width))
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.002, n)))
    o = np.concatenate(([close[0]], close[:-1]))
    hi = np.maximum(o, close) * (1 + rng.exponential(0.001, n))
    lo = np.minimum(o, close) * (1 - rng.exponential(0.001, n))
    vol = rng.exponential(5.0, n) * (rng.random(n) > 0.1)  # some bars without trades
    bars[:, 0], bars[:, 1], bars[:, 2], bars[:, 3] = o, hi, lo, close
    bars[:, 4], bars[:, 5], bars[:, 6] = vol, vol * rng.random(n), vol * close
    bars[:, 7] = np.where(vol > 0, rng.integers(1, 20, n), 0)
    bars[:, 8] = bars[:, 7] + rng.integers(0, 30, n)
    bars[:, 9] = rng.exponential(1.0, n)
    bars[:, 10:] = rng.normal(0, 3, (n, width - 10))
    flat = vol == 0  # an empty bar carries the previous close
    bars[flat, 0] = bars[flat, 1] = bars[flat, 2] = bars[flat, 3] = o[flat]
    return bars


BARS = random_bars(300, 1)
REF = ReferenceBarBank(SPECS, LEVELS).compute(BARS)


def test_every_recipe_kind_is_exercised_and_warm() -> None:
    kinds = {s.recipe[0] for s in SPECS}
    assert {"ta", "bb_pctb", "bb_width", "ratio", "sum", "mean", "sqrtmean", "std", "zscore", "vwap_dev",
            "beta", "ret"} <= kinds
    assert np.isfinite(REF[-1]).mean() > 0.95


@settings(max_examples=15, deadline=None)
@given(cuts=st.lists(st.integers(1, 60), min_size=1, max_size=5))
def test_compiled_bank_equals_the_reference_for_any_chunking(cuts: list[int]) -> None:
    bank = BarBank(SPECS, LEVELS)
    parts, pos, k = [], 0, 0
    while pos < len(BARS):
        step = cuts[k % len(cuts)]
        parts.append(bank.compute(BARS[pos:pos + step]))
        pos += step
        k += 1
    got = np.concatenate(parts)
    scale = np.nanmax(np.abs(REF), axis=0)
    for j, s in enumerate(SPECS):
        np.testing.assert_allclose(got[:, j], REF[:, j], rtol=1e-6, atol=atol(s.name, scale[j]),
                                   equal_nan=True, err_msg=s.name)


def test_long_runs_do_not_drift() -> None:
    bars = random_bars(5000, 2)
    got = BarBank(SPECS, LEVELS).compute(bars)
    ref = ReferenceBarBank(SPECS, LEVELS).compute(bars)
    tail = slice(4900, 5000)
    scale = np.nanmax(np.abs(ref[tail]), axis=0)
    for j, s in enumerate(SPECS):
        np.testing.assert_allclose(got[tail, j], ref[tail, j], rtol=1e-6, atol=atol(s.name, scale[j]),
                                   equal_nan=True, err_msg=s.name)
