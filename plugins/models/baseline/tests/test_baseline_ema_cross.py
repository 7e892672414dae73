"""``ema-cross`` against a hand-derived sequence and a plain-Python reference, streamed in pieces."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydantic
import pytest
from cryptoscalp_model_baseline.config import EmaCrossConfig
from cryptoscalp_model_baseline.ema_cross import EmaCrossModel
from cryptoscalp_model_baseline.plugin import make_ema_cross
from hypothesis import given, settings
from hypothesis import strategies as st


@dataclass
class Names:
    """Stands in for the feature engine: the factory only reads ``names``."""

    names: tuple[str, ...]


NAMES = Names(("mid", "trade_ema_20", "trade_ema_100"))
NAN = math.nan


def model(allow_short: bool = False) -> EmaCrossModel:
    m = make_ema_cross(EmaCrossConfig(allow_short=allow_short), features=NAMES)
    m.fit(np.zeros((1, 3)), np.zeros(1))
    return m


def rows(fast: list[float], slow: list[float]) -> np.ndarray:
    return np.column_stack([np.full(len(fast), 100.0), fast, slow])


# fast - slow per row, and why the target is what it is (long-only / with shorts):
#   0: +1   no earlier row, so no crossing seen: wait flat            ->  0 /  0
#   1: +2   still above, still no crossing                            ->  0 /  0
#   2: -1   + to -: crossing below                                    ->  0 / -1
#   3:  0   tie: on neither side, regime held                         ->  0 / -1
#   4: +1   last non-zero sign was - (row 2): crossing above          ->  1 /  1
#   5: NaN  fast not warmed up: flat for this row, state untouched    ->  0 /  0
#   6: +3   last non-zero sign still + (row 4): no crossing, regime +  ->  1 /  1
#   7:  0   tie, held                                                 ->  1 /  1
#   8: +1   "+, 0, +" is not a crossing                               ->  1 /  1
#   9: -2   crossing below                                            ->  0 / -1
HAND_D = [1.0, 2.0, -1.0, 0.0, 1.0, NAN, 3.0, 0.0, 1.0, -2.0]
HAND_LONG = [0, 0, 0, 0, 1, 0, 1, 1, 1, 0]
HAND_SHORT = [0, 0, -1, -1, 1, 0, 1, 1, 1, -1]


@pytest.mark.parametrize(("allow_short", "expected"), [(False, HAND_LONG), (True, HAND_SHORT)])
def test_hand_derived_sequence(allow_short: bool, expected: list[int]) -> None:
    slow = [50.0] * len(HAND_D)
    X = rows([50.0 + d for d in HAND_D], slow)
    np.testing.assert_array_equal(model(allow_short).predict(X), np.array(expected, dtype=float))


@pytest.mark.parametrize("cut", range(1, len(HAND_D)))
def test_crossing_spans_predict_calls(cut: int) -> None:
    """A crossing between the last row of one call and the first of the next is seen."""
    X = rows([50.0 + d for d in HAND_D], [50.0] * len(HAND_D))
    m = model(True)
    np.testing.assert_array_equal(np.concatenate([m.predict(X[:cut]), m.predict(X[cut:])]), HAND_SHORT)


def reference(d: list[float], allow_short: bool) -> list[float]:
    """The rule row by row, as a person would state it."""
    out, regime, last_side = [], 0.0, 0
    for value in d:
        if not math.isfinite(value):
            out.append(0.0)
            continue
        side = 1 if value > 0 else -1 if value < 0 else 0
        if side != 0:
            if last_side == -1 and side == 1:
                regime = 1.0
            elif last_side == 1 and side == -1:
                regime = -1.0 if allow_short else 0.0
            last_side = side
        out.append(regime)
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, NAN]), min_size=1, max_size=60),
       st.lists(st.integers(0, 60), max_size=6), st.booleans())
def test_matches_reference_in_any_pieces(d: list[float], cuts: list[int], allow_short: bool) -> None:
    X = rows([100.0 + v for v in d], [100.0] * len(d))
    m = model(allow_short)
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(d)), len(d)]
    streamed = np.concatenate([m.predict(X[a:b]) for a, b in itertools.pairwise(bounds)])
    np.testing.assert_array_equal(streamed, reference(d, allow_short))


def test_random_walk_against_reference() -> None:
    rng = np.random.default_rng(3)
    price = 100 + np.cumsum(rng.normal(size=2_000))
    fast = price + rng.normal(scale=0.5, size=2_000)
    slow = np.convolve(price, np.ones(20) / 20, mode="same")
    fast[:30] = np.nan
    out = model().predict(rows(list(fast), list(slow)))
    assert set(np.unique(out)) == {0.0, 1.0}
    np.testing.assert_array_equal(out, reference([float(v) for v in fast - slow], False))


def test_save_load_continues_the_stream(tmp_path: Path) -> None:
    X = rows([50.0 + d for d in HAND_D], [50.0] * len(HAND_D))
    m = model(True)
    m.predict(X[:4])
    m.save(tmp_path / "m")
    loaded = EmaCrossModel.load(tmp_path / "m")
    assert loaded.config == m.config and loaded.columns == m.columns
    np.testing.assert_array_equal(loaded.predict(X[4:]), HAND_SHORT[4:])


def test_fit_learns_nothing_and_reset_forgets_the_regime() -> None:
    X = rows([50.0 + d for d in HAND_D], [50.0] * len(HAND_D))
    m = model()
    m.predict(X[:5])  # now long
    m.fit(X, np.ones(len(X)))  # no-op apart from readiness
    assert m.predict(X[6:7])[0] == 1.0
    m.reset()
    assert m.predict(X[6:7])[0] == 0.0  # a fresh stream waits for a crossing again


def test_rule_predicts_without_fit_and_waits_for_a_crossing() -> None:
    m = make_ema_cross(EmaCrossConfig(), features=NAMES)
    # fast above slow from the start is no crossing: the rule stays flat until one happens
    X = np.array([[101.0, 100.0, 0.0], [102.0, 100.0, 0.0]])
    assert m.predict(X).tolist() == [0.0, 0.0]


def test_factory_names_the_missing_feature() -> None:
    with pytest.raises(ValueError, match="trade_ema_100"):
        make_ema_cross(EmaCrossConfig(), features=Names(("trade_ema_20",)))


def test_same_fast_and_slow_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        EmaCrossConfig(fast="trade_ema_20", slow="trade_ema_20")
