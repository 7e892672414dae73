"""Positions: signed quantity, average-cost realised PnL, fees, turnover, funding, unrealised PnL.

The reference below is written with :class:`fractions.Fraction` and tracks the *cost basis* of the open
quantity (not an average price) so it shares no arithmetic with the code. A second, method-free check
uses the accounting identity: realised + unrealised PnL = multiplier * (qty * mark - sum of signed
quantity * price over all fills), which holds for any cost-basis method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptoscalp_core.domain import DomainError, Fill, InvalidPriceError, InvalidQuantityError, OrderSide, Position

INSTRUMENT = "okx:BTC-USDT-SWAP"


def fill(side: OrderSide, qty: Decimal | str, price: Decimal | str, fee: Decimal | str = "0",
         instrument: str = INSTRUMENT) -> Fill:
    return Fill(client_order_id="c1", instrument_id=instrument, side=side, price=Decimal(price),
                qty=Decimal(qty), fee=Decimal(fee))


def sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


@dataclass
class RefPosition:
    """Average-cost position kept as (signed qty, total cost of the open qty) in exact rationals."""

    mult: Fraction
    qty: Fraction = Fraction(0)
    cost: Fraction = Fraction(0)  # sum of entry price * |qty| still open
    realised: Fraction = Fraction(0)
    fees: Fraction = Fraction(0)
    turnover: Fraction = Fraction(0)
    cash: Fraction = Fraction(0)  # sum of signed qty * price, for the accounting identity
    history: list[Fraction] = field(default_factory=list)

    def apply(self, signed: Fraction, price: Fraction, fee: Fraction) -> Fraction:
        self.fees += fee
        self.turnover += abs(signed) * price * self.mult
        self.cash += signed * price
        realised = Fraction(0)
        remaining = signed
        if self.qty and sign(self.qty) != sign(signed):
            closing = min(abs(signed), abs(self.qty))
            released_cost = self.cost * closing / abs(self.qty)  # the closed share of the cost basis
            realised = sign(self.qty) * (price * closing - released_cost) * self.mult
            self.cost -= released_cost
            self.qty += sign(signed) * closing
            remaining = signed - sign(signed) * closing
        if remaining:
            self.qty += remaining
            self.cost += abs(remaining) * price
        self.realised += realised
        return realised

    @property
    def avg(self) -> Fraction:
        return self.cost / abs(self.qty) if self.qty else Fraction(0)


# Actions are resolved against the reference's current quantity, so sequences reliably contain full
# closes and flips and not only random adds.
actions = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell", "close", "flip", "reduce"]),
        st.integers(min_value=1, max_value=5000),  # lots of 0.001
        st.integers(min_value=1, max_value=10**6),  # price in ticks of 0.1
        st.integers(min_value=-500, max_value=2000),  # fee in 1e-4 quote units (negative = rebate)
    ),
    min_size=1,
    max_size=40,
)


@given(steps=actions, mult=st.sampled_from(["1", "0.01", "0.001", "10"]),
       mark_ticks=st.integers(min_value=1, max_value=10**6))
def test_position_matches_reference(steps: list[tuple[str, int, int, int]], mult: str, mark_ticks: int) -> None:
    pos = Position(INSTRUMENT, Decimal(mult))
    ref = RefPosition(Fraction(mult))
    lot = Fraction(1, 1000)
    for kind, lots, price_ticks, fee_units in steps:
        size = lots * lot
        if kind == "close":
            if not ref.qty:
                continue
            signed = -ref.qty
        elif kind == "flip":
            signed = -ref.qty - sign(ref.qty or Fraction(1)) * size
        elif kind == "reduce":
            if abs(ref.qty) <= lot:
                continue
            signed = -sign(ref.qty) * min(size, abs(ref.qty) - lot)
        else:
            signed = size if kind == "buy" else -size
        price, fee = Fraction(price_ticks, 10), Fraction(fee_units, 10**4)
        side = OrderSide.BUY if signed > 0 else OrderSide.SELL
        d_qty = Decimal(abs(signed).numerator) / abs(signed).denominator  # exact: denominators are 10^k
        got = pos.apply_fill(fill(side, d_qty, Decimal(price_ticks) / 10, Decimal(fee_units) / 10**4))
        want = ref.apply(signed, price, fee)

        # The average entry price is rounded to 28 digits per re-average, so PnL may differ from the
        # exact value by far less than this tolerance; quantity, fees and turnover are exact.
        tol = Fraction(1, 10**15) * (ref.turnover + 1)
        assert abs(Fraction(got) - want) <= tol
        assert Fraction(pos.qty) == ref.qty
        assert pos.is_flat == (ref.qty == 0)
        assert abs(Fraction(pos.realised_pnl) - ref.realised) <= tol
        assert abs(Fraction(pos.avg_entry_price) - ref.avg) <= Fraction(1, 10**20) * (ref.avg + 1)
        assert Fraction(pos.fees) == ref.fees
        assert Fraction(pos.turnover) == ref.turnover
        assert abs(Fraction(pos.net_realised) - (ref.realised - ref.fees)) <= tol

        # Method-free identity: realised + unrealised equals the mark-to-market of all cash flows.
        mark = Fraction(mark_ticks, 10)
        unrealised = pos.unrealised_pnl(Decimal(mark_ticks) / 10)
        identity = ref.mult * (ref.qty * mark - ref.cash)
        assert abs(Fraction(pos.realised_pnl) + Fraction(unrealised) - identity) <= tol


def test_flip_opens_remainder_at_fill_price() -> None:
    pos = Position(INSTRUMENT)
    pos.apply_fill(fill(OrderSide.BUY, "2", "100"))
    realised = pos.apply_fill(fill(OrderSide.SELL, "5", "110"))
    assert realised == Decimal(20)  # (110 - 100) * 2 closed
    assert pos.qty == Decimal(-3)
    assert pos.avg_entry_price == Decimal(110)  # not a blend of the old entry and the fill
    assert pos.unrealised_pnl(Decimal(100)) == Decimal(30)  # short 3 from 110, marked at 100


def test_short_round_trip_and_fees() -> None:
    pos = Position(INSTRUMENT)
    pos.apply_fill(fill(OrderSide.SELL, "1", "200", fee="0.08"))
    pos.apply_fill(fill(OrderSide.SELL, "1", "210", fee="-0.02"))  # maker rebate
    assert (pos.qty, pos.avg_entry_price) == (Decimal(-2), Decimal(205))
    assert pos.apply_fill(fill(OrderSide.BUY, "2", "195", fee="0.08")) == Decimal(20)
    assert pos.is_flat and pos.avg_entry_price == 0
    assert pos.fees == Decimal("0.14")
    assert pos.net_realised == Decimal("19.86")
    assert pos.turnover == Decimal(200 + 210 + 390)


def test_unrealised_pnl_with_multiplier() -> None:
    pos = Position(INSTRUMENT, Decimal("0.01"))  # OKX ctVal: one contract is 0.01 BTC
    pos.apply_fill(fill(OrderSide.BUY, "3", "30000"))
    assert pos.unrealised_pnl(Decimal(31000)) == Decimal(30)  # 1000 * 3 * 0.01
    assert pos.unrealised_pnl(31000.0) == Decimal(30)  # a float mark from a mark batch
    assert pos.total_pnl(Decimal(29000)) == Decimal(-30)
    short = Position(INSTRUMENT, Decimal("0.01"))
    short.apply_fill(fill(OrderSide.SELL, "3", "30000"))
    assert short.unrealised_pnl(Decimal(31000)) == Decimal(-30)
    assert Position(INSTRUMENT).unrealised_pnl(Decimal(5)) == 0


@pytest.mark.parametrize(("side", "rate", "received"), [
    (OrderSide.BUY, "0.0001", "-0.02"),   # positive rate: long pays
    (OrderSide.SELL, "0.0001", "0.02"),   # ... and short receives
    (OrderSide.BUY, "-0.0003", "0.06"),   # negative rate: long receives
    (OrderSide.SELL, "-0.0003", "-0.06"),
])
def test_funding_sign_convention(side: OrderSide, rate: str, received: str) -> None:
    pos = Position(INSTRUMENT, Decimal(10))
    pos.apply_fill(fill(side, "2", "90"))
    # Funding is on the notional at the *mark* (2 contracts * 10 multiplier * mark 10 = 200), not at the
    # entry price 90 (which would give 180).
    assert pos.apply_funding(Decimal(rate), Decimal(10)) == Decimal(received)
    assert pos.funding == Decimal(received)
    assert pos.net_realised == Decimal(received)


def test_funding_amounts_by_hand() -> None:
    pos = Position(INSTRUMENT)
    pos.apply_fill(fill(OrderSide.BUY, "2", "100"))
    assert pos.apply_funding(Decimal("0.0001"), Decimal(100)) == Decimal("-0.02")
    # Floats straight from a MARK_DTYPE row work too.
    assert pos.apply_funding(np.float64(0.0001), np.float64(100.0)) == Decimal("-0.02")
    assert pos.funding == Decimal("-0.04")
    assert Position(INSTRUMENT).apply_funding(Decimal("0.01"), Decimal(100)) == 0
    with pytest.raises(InvalidPriceError):
        pos.apply_funding(float("nan"), 100.0)
    with pytest.raises(InvalidPriceError):
        pos.apply_funding(Decimal("0.0001"), Decimal(0))
    assert pos.funding == Decimal("-0.04")


@pytest.mark.parametrize(("bad", "error"), [
    (fill(OrderSide.BUY, "1", "100", instrument="binance-usdm:BTCUSDT"), DomainError),
    (fill(OrderSide.BUY, "0", "100"), InvalidQuantityError),
    (fill(OrderSide.BUY, "-1", "100"), InvalidQuantityError),
    (fill(OrderSide.BUY, "NaN", "100"), InvalidQuantityError),
    (fill(OrderSide.BUY, "1", "0"), InvalidPriceError),
    (fill(OrderSide.BUY, "1", "Infinity"), InvalidPriceError),
    (fill(OrderSide.BUY, "1", "100", fee="NaN"), InvalidPriceError),
])
def test_bad_fills_leave_position_unchanged(bad: Fill, error: type[Exception]) -> None:
    pos = Position(INSTRUMENT)
    pos.apply_fill(fill(OrderSide.BUY, "1", "100", fee="0.1"))
    before = repr(pos), pos.turnover
    with pytest.raises(error):
        pos.apply_fill(bad)
    assert (repr(pos), pos.turnover) == before


def test_string_side_is_not_taken_for_a_sell() -> None:
    pos = Position(INSTRUMENT)
    pos.apply_fill(Fill(client_order_id="c", instrument_id=INSTRUMENT, side="buy",  # type: ignore[arg-type]
                        price=Decimal(100), qty=Decimal(1), fee=Decimal(0)))
    assert pos.qty == Decimal(1)


def test_exact_under_a_low_precision_context() -> None:
    pos = Position(INSTRUMENT)
    with localcontext() as ctx:
        ctx.prec = 6
        pos.apply_fill(fill(OrderSide.BUY, "1.23456789", "65432.1"))
        pos.apply_fill(fill(OrderSide.SELL, "1.23456789", "65433.1"))
    assert pos.realised_pnl == Decimal("1.23456789")
    assert pos.turnover == Decimal("1.23456789") * Decimal("130865.2")


def test_multiplier_validated() -> None:
    with pytest.raises(ValueError):
        Position(INSTRUMENT, Decimal(0))
    assert Position(INSTRUMENT, 0.01).multiplier == Decimal("0.01")
