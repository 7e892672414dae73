"""Summary figures against plain reference computations."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.orders import Fill, OrderSide
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.engine.results import max_drawdown, realised_per_fill, sharpe
from cryptoscalp_core.engine.signals import decision_points, target_lots, to_target_fraction
from cryptoscalp_core.ports.model import SignalKind

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=200)
@given(st.lists(finite, min_size=1, max_size=60))
def test_max_drawdown_matches_pairwise_reference(values: list[float]) -> None:
    equity = np.asarray(values) + 2e6  # keep peaks positive
    worst = max(max(equity[: j + 1]) - equity[j] for j in range(len(equity)))
    dd, _ = max_drawdown(equity)
    assert math.isclose(dd, worst, rel_tol=1e-12, abs_tol=1e-9)


def test_sharpe_reference() -> None:
    pnl = np.array([0.0, 1.0, 3.0, 2.0, 5.0])
    changes = [1.0, 2.0, -1.0, 3.0]
    mean = sum(changes) / 4
    sd = math.sqrt(sum((c - mean) ** 2 for c in changes) / 3)
    year_ms = 365 * 24 * 3600 * 1000
    assert math.isclose(sharpe(pnl, 1000), mean / sd * math.sqrt(year_ms / 1000))
    assert sharpe(np.array([1.0, 1.0, 1.0]), 1000) == 0.0


def fill(side: OrderSide, price: str, qty: str, fee: str = "0") -> Fill:
    return Fill(client_order_id="c", instrument_id="x:Y", side=side, price=Decimal(price), qty=Decimal(qty),
                fee=Decimal(fee), trade_id="t")


def test_realised_per_fill_counts_closing_fills_net_of_their_fee() -> None:
    fills = [fill(OrderSide.BUY, "100", "2"), fill(OrderSide.SELL, "103", "1", "0.5"),
             fill(OrderSide.SELL, "99", "3", "0.1"),  # closes 1 at a loss, opens 2 short
             fill(OrderSide.BUY, "98", "2")]           # closes the short at a gain
    out = realised_per_fill(fills, {"x:Y": Decimal(1)})
    assert out == [Decimal("2.5"), Decimal("-1.1"), Decimal("2")]


def test_probabilities_become_up_minus_down_and_nan_is_flat() -> None:
    probs = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [np.nan, 0.5, 0.5]])
    out = to_target_fraction(probs, SignalKind.PROBABILITIES)
    np.testing.assert_allclose(out, [0.3, -0.5, 0.0])
    assert target_lots(np.array([0.99, -0.99, 0.5]), 10).tolist() == [9, -9, 5]


@given(st.lists(st.integers(-3, 3), max_size=50), st.integers(-3, 3))
def test_decision_points_are_exactly_the_changes(lots: list[int], start: int) -> None:
    prev = np.array([start], dtype=np.int64)
    arr = np.asarray(lots, dtype=np.int64)
    points = decision_points(np.zeros(len(arr), dtype=np.uint16), arr, prev, 1)
    expected, last = [], start
    for i, value in enumerate(lots):
        if value != last:
            expected.append(i)
            last = value
    assert points.tolist() == expected
    assert int(prev[0]) == last


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["x:Y", "x:Z"]), st.sampled_from([OrderSide.BUY, OrderSide.SELL]),
                          st.sampled_from(["99.9", "100", "100.10", "101.3", "7"]),
                          st.sampled_from(["0.001", "0.010", "0.03", "1", "2.50"]),
                          st.sampled_from(["0", "0E-7", "0.0125", "0.3"])), max_size=60))
def test_realised_per_fill_follows_position_arithmetic(fills: list[tuple[str, OrderSide, str, str, str]]) -> None:
    """The lean replay gives, value and exponent, what the domain's positions realise fill by fill."""
    multipliers = {"x:Y": Decimal(1), "x:Z": Decimal("0.1")}
    made = [Fill(client_order_id="c", instrument_id=inst, side=side, price=Decimal(price), qty=Decimal(qty),
                 fee=Decimal(fee), trade_id="t") for inst, side, price, qty, fee in fills]
    books = {key: Position(key, mult) for key, mult in multipliers.items()}
    expected = []
    for f in made:
        was = books[f.instrument_id].qty
        realised = books[f.instrument_id].apply_fill(f)
        if was != 0 and (f.side.sign > 0) != (was > 0):
            expected.append(realised - f.fee)
    got = realised_per_fill(made, multipliers)
    assert [str(x) for x in got] == [str(x) for x in expected]
