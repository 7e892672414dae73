"""Decimals round-trip exactly: same value, same sign, same exponent, on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from cryptoscalp_core.domain.orders import Fill, OrderRequest, OrderSide, accept, fill
from cryptoscalp_core.domain.positions import Position
from cryptoscalp_core.storage import SqlStore

MakeRequest = Callable[..., OrderRequest]
MakeFill = Callable[..., Fill]

# up to 18 significant digits, 0 to 12 digits after the point, either sign (trailing zeros kept)
decimals = st.builds(
    lambda digits, scale, negative: Decimal((int(negative), tuple(int(c) for c in str(digits)), -scale)),
    st.integers(min_value=0, max_value=10**18 - 1), st.integers(min_value=0, max_value=12), st.booleans(),
)


def _same(a: Decimal, b: Decimal) -> bool:
    return a.as_tuple() == b.as_tuple()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=decimals, qty=decimals, fee=decimals)
def test_fill_decimals_round_trip(store: SqlStore, run_id: str, price: Decimal, qty: Decimal,
                                  fee: Decimal) -> None:
    cid = uuid.uuid4().hex[:20]
    store.record_fill(run_id, Fill(client_order_id=cid, instrument_id="x:Y", side=OrderSide.BUY,
                                   price=price, qty=qty, fee=fee, trade_id="t"))
    [loaded] = store.fills(run_id, cid)
    assert (loaded.price, loaded.qty, loaded.fee) == (price, qty, fee)
    assert _same(loaded.price, price)
    assert _same(loaded.qty, qty)
    assert _same(loaded.fee, fee)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(multiplier=decimals.filter(lambda d: d > 0), values=st.lists(decimals, min_size=6, max_size=6))
def test_position_decimals_round_trip(store: SqlStore, run_id: str, multiplier: Decimal,
                                      values: list[Decimal]) -> None:
    names = ("qty", "avg_entry_price", "realised_pnl", "fees", "funding", "turnover")
    position = Position(f"x:{uuid.uuid4().hex[:12]}", multiplier=multiplier)
    assert _same(position.multiplier, multiplier)
    for name, value in zip(names, values, strict=True):
        setattr(position, name, value)
    store.save_positions(run_id, [position], ts_ns=1)
    [loaded] = [p for p in store.positions(run_id) if p.instrument_id == position.instrument_id]
    assert _same(loaded.multiplier, multiplier)
    for name, value in zip(names, values, strict=True):
        assert _same(getattr(loaded, name), value), name


def test_full_precision_average_price_survives(store: SqlStore, run_id: str, limit_buy: MakeRequest,
                                               fill_of: MakeFill) -> None:
    # A division result carries 28 significant digits: a fixed-scale NUMERIC column would round it.
    request = limit_buy("cs1", qty="0.003", price="100")
    order = accept(store.journal_intent(run_id, request), "V", ts=1)
    for i, price in enumerate(("100", "100", "99.99")):
        order = fill(order, fill_of(request, f"t{i}", qty="0.001", price=price))
    assert order.avg_fill_price == Decimal("299.99") / 3
    assert len(order.avg_fill_price.as_tuple().digits) > 18
    store.record_order(run_id, order)
    stored = store.get_order("cs1")
    assert stored is not None
    assert _same(stored.avg_fill_price, Decimal("299.99") / 3)
    assert _same(stored.filled_notional, Decimal("0.29999"))


def test_decimals_are_stored_as_exact_text(store: SqlStore, run_id: str, limit_buy: MakeRequest) -> None:
    store.journal_intent(run_id, limit_buy("cs1", qty="0.0100", price="0.000000012345"))
    with store.engine.connect() as connection:
        qty, price = connection.execute(
            text("SELECT qty, price FROM orders WHERE client_order_id = 'cs1'")).one()
    assert (qty, price) == ("0.0100", "1.2345E-8")


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimals_are_refused(store: SqlStore, run_id: str, bad: Decimal) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        store.record_fill(run_id, Fill(client_order_id="cs", instrument_id="x:Y", side=OrderSide.BUY,
                                       price=bad, qty=Decimal(1), fee=Decimal(0), trade_id="t"))
    assert store.fills(run_id) == []


def test_float_decimals_are_refused(store: SqlStore, run_id: str) -> None:
    with pytest.raises(TypeError, match="expected a Decimal"):
        store.record_fill(run_id, Fill(client_order_id="cs", instrument_id="x:Y", side=OrderSide.BUY,
                                       price=0.1, qty=Decimal(1), fee=Decimal(0), trade_id="t"))  # type: ignore[arg-type]
    assert store.fills(run_id) == []
