"""Instrument grid: exact tick/lot conversions, explicit rounding, validation, notional and fees.

Every expectation is computed with :class:`fractions.Fraction` (exact rationals) or written out by hand,
never taken from the code under test.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptoscalp_core.domain import (
    Instrument,
    InvalidPriceError,
    InvalidQuantityError,
    MinNotionalError,
    OffGridError,
    Rounding,
    parse_instrument_id,
)

# -- strategies -----------------------------------------------------------------------------------------

# Venue grids are m * 10^e with m in {1, 2, 5, 25} (0.1, 0.5, 0.25, 10, 5E+1 ...). Building them from a
# string with an explicit exponent also produces the awkward spellings ``1E+1`` and ``5E-8``.
grid_steps = st.builds(
    lambda m, e: Decimal(f"{m}E{e}"),
    st.sampled_from([1, 2, 5, 25]),
    st.integers(min_value=-9, max_value=2),
)


def decimals_any(min_exp: int = -14, max_exp: int = 8) -> st.SearchStrategy[Decimal]:
    """Positive Decimals with up to 40 significant digits (more than the default 28-digit context)."""
    return st.builds(
        lambda digits, e: Decimal(f"{digits}E{e}"),
        st.integers(min_value=1, max_value=10**40),
        st.integers(min_value=min_exp, max_value=max_exp),
    )


def make(tick: Decimal = Decimal("0.1"), lot: Decimal = Decimal("0.001"), **kw: object) -> Instrument:
    return Instrument(venue="binance-usdm", symbol="BTCUSDT", tick_size=tick, lot_size=lot, **kw)  # type: ignore[arg-type]


def ref_round(q: Fraction, mode: Rounding) -> int:
    """Reference rounding of an exact rational: floor, ceiling, or nearest with ties to even."""
    if mode is Rounding.DOWN:
        return math.floor(q)
    if mode is Rounding.UP:
        return math.ceil(q)
    lo = math.floor(q)
    frac = q - lo
    if frac > Fraction(1, 2) or (frac == Fraction(1, 2) and lo % 2 == 1):
        return lo + 1
    return lo


def has_no_positive_exponent(d: Decimal) -> bool:
    exp = d.as_tuple().exponent
    assert isinstance(exp, int)
    return exp <= 0


# -- exact conversions ----------------------------------------------------------------------------------


@given(m=st.sampled_from([1, 2, 5, 25]), e=st.integers(min_value=-9, max_value=2),
       n=st.integers(min_value=1, max_value=10**15))
def test_ticks_round_trip_is_exact(m: int, e: int, n: int) -> None:
    tick = Decimal(f"{m}E{e}")
    inst = make(tick=tick)
    price = inst.ticks_to_price(n)
    assert Fraction(price) == Fraction(m) * Fraction(10) ** e * n
    assert inst.price_to_ticks(price) == n
    # Wire form: never '1E+2' for a whole number of units.
    assert has_no_positive_exponent(price)
    # The same price spelled differently converts to the same count: scientific with a trailing zero,
    # and plain text with trailing decimal zeros.
    assert inst.price_to_ticks(Decimal(f"{n * m * 10}E{e - 1}")) == n
    plain = format(price, "f")
    assert inst.price_to_ticks(plain + ("000" if "." in plain else ".000")) == n


@given(lot=grid_steps, n=st.integers(min_value=1, max_value=10**15))
def test_lots_round_trip_is_exact(lot: Decimal, n: int) -> None:
    inst = make(lot=lot)
    qty = inst.lots_to_qty(n)
    assert Fraction(qty) == Fraction(lot) * n
    assert inst.qty_to_lots(qty) == n
    assert has_no_positive_exponent(qty)


@given(tick=grid_steps, value=decimals_any())
@example(tick=Decimal("0.5"), value=Decimal("1E+1"))
@example(tick=Decimal("1E+1"), value=Decimal("3E+1"))
@example(tick=Decimal("1E+1"), value=Decimal("25"))
@example(tick=Decimal("1E-10"), value=Decimal("1E+30"))  # 10^40 ticks: past the 28-digit context
def test_price_to_ticks_raises_exactly_when_off_grid(tick: Decimal, value: Decimal) -> None:
    inst = make(tick=tick)
    q = Fraction(value) / Fraction(tick)
    if q.denominator == 1:
        assert inst.price_to_ticks(value) == q.numerator
    else:
        with pytest.raises(OffGridError):
            inst.price_to_ticks(value)


@given(lot=grid_steps, value=decimals_any())
def test_qty_to_lots_raises_exactly_when_off_grid(lot: Decimal, value: Decimal) -> None:
    inst = make(lot=lot)
    q = Fraction(value) / Fraction(lot)
    if q.denominator == 1:
        assert inst.qty_to_lots(value) == q.numerator
    else:
        with pytest.raises(OffGridError):
            inst.qty_to_lots(value)


def test_exponent_spellings() -> None:
    # Decimal('1E+1') is ten; a tick of 1E+1 is a ten-unit grid. Neither may confuse the grid check.
    half = make(tick=Decimal("0.5"))
    assert half.price_to_ticks(Decimal("1E+1")) == 20
    ten = make(tick=Decimal("1E+1"))
    assert ten.price_to_ticks("30") == 3
    assert ten.price_to_ticks(Decimal("3.0E+1")) == 3
    with pytest.raises(OffGridError):
        ten.price_to_ticks("25")
    assert str(ten.ticks_to_price(3)) == "30"
    assert str(ten.round_price("25", Rounding.DOWN)) == "20"
    # 0.1 * 1000 = 100: a plain '100', not '1E+2' (the form a venue REST API would refuse).
    assert str(make(tick=Decimal("0.10000000")).ticks_to_price(1000)) == "100"
    assert str(half.round_price(Decimal("1E+1"))) == "10"


def test_conversions_ignore_the_thread_decimal_context() -> None:
    inst = make(tick=Decimal("0.01"), lot=Decimal("0.00000001"))
    with localcontext() as ctx:
        ctx.prec = 5  # a caller's context must not make grid math round
        assert inst.ticks_to_price(123456789) == Decimal("1234567.89")
        assert inst.price_to_ticks("1234567.89") == 123456789
        assert inst.round_price("1234567.894", Rounding.UP) == Decimal("1234567.90")
        assert inst.lots_to_qty(123456789012) == Decimal("1234.56789012")


def test_numpy_scalars_are_accepted() -> None:
    inst = make(tick=Decimal("0.1"), lot=Decimal("1"))
    # repr(np.float64(0.1)) is 'np.float64(0.1)' under numpy 2: the conversion must not go through it.
    assert inst.price_to_ticks(np.float64(0.1)) == 1
    assert inst.price_to_ticks(np.float64(12345.6)) == 123456
    assert inst.qty_to_lots(np.int64(7)) == 7
    assert inst.ticks_to_price(np.int64(15)) == Decimal("1.5")


# -- rounding -------------------------------------------------------------------------------------------


@given(tick=grid_steps, value=decimals_any(), mode=st.sampled_from(list(Rounding)))
@example(tick=Decimal("1"), value=Decimal("1.00000000000000000000000000000001"), mode=Rounding.UP)
@example(tick=Decimal("0.5"), value=Decimal("0.25"), mode=Rounding.NEAREST)  # tie -> even (0 ticks)
@example(tick=Decimal("0.5"), value=Decimal("0.75"), mode=Rounding.NEAREST)  # tie -> even (2 ticks)
def test_round_price_matches_fraction_reference(tick: Decimal, value: Decimal, mode: Rounding) -> None:
    inst = make(tick=tick)
    ticks = ref_round(Fraction(value) / Fraction(tick), mode)
    if ticks <= 0:
        with pytest.raises(InvalidPriceError):
            inst.round_price(value, mode)
        return
    result = inst.round_price(value, mode)
    assert Fraction(result) == Fraction(tick) * ticks
    assert has_no_positive_exponent(result)
    # Mode given by its string value works the same.
    assert inst.round_price(value, mode.value) == result


@given(lot=grid_steps, value=decimals_any(), mode=st.sampled_from(list(Rounding)))
@example(lot=Decimal("1"), value=Decimal("1.00000000000000000000000000000001"), mode=Rounding.UP)
@example(lot=Decimal("0.001"), value=Decimal("12345678901234567890123456.0004999"), mode=Rounding.NEAREST)
def test_round_qty_matches_fraction_reference(lot: Decimal, value: Decimal, mode: Rounding) -> None:
    inst = make(lot=lot)
    lots = ref_round(Fraction(value) / Fraction(lot), mode)
    result = inst.round_qty(value, mode)
    assert Fraction(result) == Fraction(lot) * lots  # may be 0: "nothing to trade" is a valid answer


def test_round_defaults() -> None:
    inst = make(tick=Decimal("0.5"), lot=Decimal("0.1"))
    assert inst.round_price("10.74") == Decimal("10.5")  # NEAREST by default
    assert inst.round_price("10.76") == Decimal("11")
    assert inst.round_qty("0.19") == Decimal("0.1")  # DOWN by default: never size above the intent
    assert inst.round_qty("0.09") == 0


# -- floats ---------------------------------------------------------------------------------------------


def test_float_inputs_use_shortest_repr() -> None:
    inst = make(tick=Decimal("0.1"), lot=Decimal("0.1"))
    assert inst.price_to_ticks(0.1) == 1
    assert inst.qty_to_lots(0.3) == 3
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point: documented as off grid, not repaired.
    with pytest.raises(OffGridError):
        inst.price_to_ticks(0.1 + 0.2)
    with pytest.raises(OffGridError):
        inst.qty_to_lots(0.1 + 0.2)
    assert inst.round_price(0.1 + 0.2) == Decimal("0.3")
    assert inst.round_qty(0.1 + 0.2) == Decimal("0.3")


# -- invalid values -------------------------------------------------------------------------------------

BAD_NUMBERS: list[object] = [
    float("nan"), float("inf"), float("-inf"), np.float64("nan"), np.inf,
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
    "nan", "inf", "-Infinity", "abc", "", "1.2.3", True, False,
]
NON_POSITIVE: list[object] = [0, 0.0, -0.0, Decimal("-0"), Decimal("0E-8"), -1, -0.5, "-0.1", Decimal("-1E+1")]


@pytest.mark.parametrize("value", BAD_NUMBERS + NON_POSITIVE, ids=repr)
def test_bad_prices_raise_invalid_price(value: object) -> None:
    inst = make()
    for call in (inst.check_price, inst.price_to_ticks, inst.round_price):
        with pytest.raises(InvalidPriceError):
            call(value)  # type: ignore[operator]


@pytest.mark.parametrize("value", BAD_NUMBERS + NON_POSITIVE, ids=repr)
def test_bad_quantities_raise_invalid_quantity(value: object) -> None:
    inst = make()
    for call in (inst.check_qty, inst.qty_to_lots, inst.round_qty):
        with pytest.raises(InvalidQuantityError):
            call(value)  # type: ignore[operator]


def test_non_numbers_raise_type_error() -> None:
    inst = make()
    with pytest.raises(TypeError):
        inst.check_price(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        inst.ticks_to_price(True)


def test_absurd_exponents_are_refused_not_computed() -> None:
    inst = make()
    with pytest.raises(InvalidPriceError):
        inst.price_to_ticks(Decimal("1E+999999999"))
    with pytest.raises(InvalidQuantityError):
        inst.qty_to_lots(Decimal("1E-999999999"))


@pytest.mark.parametrize(
    "kw",
    [
        {"tick": Decimal(0)},
        {"tick": Decimal("-0.1")},
        {"lot": Decimal(0)},
        {"contract_multiplier": Decimal(0)},
        {"min_notional": Decimal(-1)},
        {"min_qty": Decimal("-0.001")},
        {"tick": Decimal("NaN")},
    ],
    ids=repr,
)
def test_bad_instrument_fields(kw: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make(**kw)  # type: ignore[arg-type]


def test_bad_venue() -> None:
    with pytest.raises(ValueError):
        Instrument(venue="a:b", symbol="X", tick_size=Decimal(1), lot_size=Decimal(1))
    with pytest.raises(ValueError):
        Instrument(venue="a", symbol="", tick_size=Decimal(1), lot_size=Decimal(1))


def test_fields_given_as_str_or_float_become_decimals() -> None:
    inst = make(tick="0.1", lot=0.001, taker_fee=0.0005)  # type: ignore[arg-type]
    assert inst.tick_size == Decimal("0.1")
    assert inst.lot_size == Decimal("0.001")
    assert inst.taker_fee == Decimal("0.0005")


# -- notional, minimums, fees ---------------------------------------------------------------------------


@given(
    price_ticks=st.integers(min_value=1, max_value=10**7),
    lots=st.integers(min_value=1, max_value=10**6),
    mult=st.sampled_from([Decimal(1), Decimal("0.01"), Decimal("0.001"), Decimal(10), Decimal("1E+2")]),
    min_notional=st.sampled_from([Decimal(0), Decimal(5), Decimal("100"), Decimal("1E+3")]),
)
def test_min_notional_with_multiplier(price_ticks: int, lots: int, mult: Decimal, min_notional: Decimal) -> None:
    tick, lot = Decimal("0.1"), Decimal("1")
    inst = make(tick=tick, lot=lot, contract_multiplier=mult, min_notional=min_notional)
    price, qty = Fraction(tick) * price_ticks, Fraction(lot) * lots
    notional = price * qty * Fraction(mult)
    p_in, q_in = Decimal(price.numerator) / price.denominator, Decimal(lots)
    assert Fraction(inst.notional(p_in, q_in)) == notional
    if notional < Fraction(min_notional):
        with pytest.raises(MinNotionalError):
            inst.validate_order(p_in, q_in)
    else:
        p, q = inst.validate_order(p_in, q_in)
        assert (Fraction(p), Fraction(q)) == (price, qty)


def test_min_notional_okx_contract() -> None:
    # OKX BTC-USDT-SWAP: ctVal 0.01 BTC. One contract at 30 000 is worth 300 USDT, at 100 only 1 USDT.
    inst = make(tick=Decimal("0.1"), lot=Decimal("1"), contract_multiplier=Decimal("0.01"),
                min_notional=Decimal(5))
    assert inst.validate_order("30000", "1") == (Decimal(30000), Decimal(1))
    with pytest.raises(MinNotionalError):
        inst.validate_order("100", "1")
    assert inst.validate_order("500", "1") == (Decimal(500), Decimal(1))  # exactly at the minimum passes


def test_validate_order_checks_grid_and_min_qty() -> None:
    inst = make(tick=Decimal("0.1"), lot=Decimal("0.001"), min_qty=Decimal("0.002"))
    with pytest.raises(OffGridError):
        inst.validate_order("100.05", "0.002")
    with pytest.raises(OffGridError):
        inst.validate_order("100.1", "0.0025")
    with pytest.raises(InvalidQuantityError):
        inst.validate_order("100.1", "0.001")
    assert inst.validate_order("100.10", "0.0020") == (Decimal("100.1"), Decimal("0.002"))


@given(
    price_ticks=st.integers(min_value=1, max_value=10**7),
    lots=st.integers(min_value=1, max_value=10**6),
    maker=st.booleans(),
)
def test_fee_sign_and_value(price_ticks: int, lots: int, maker: bool) -> None:
    # Maker rebate (negative rate) must give a negative fee, taker a positive one, on a multiplier.
    inst = make(tick=Decimal("0.5"), lot=Decimal("0.01"), contract_multiplier=Decimal("0.1"),
                maker_fee=Decimal("-0.00005"), taker_fee=Decimal("0.0004"))
    price, qty = Fraction(1, 2) * price_ticks, Fraction(1, 100) * lots
    rate = Fraction(-5, 100000) if maker else Fraction(4, 10000)
    fee = inst.fee(inst.ticks_to_price(price_ticks), inst.lots_to_qty(lots), maker=maker)
    assert Fraction(fee) == price * qty * Fraction(1, 10) * rate
    assert (fee < 0) == maker


def test_fee_refuses_signed_quantity() -> None:
    # A sell passed as a negative size would otherwise turn a paid fee into a rebate.
    inst = make(taker_fee=Decimal("0.0004"))
    with pytest.raises(InvalidQuantityError):
        inst.fee("100", "-1", maker=False)
    with pytest.raises(InvalidPriceError):
        inst.fee("nan", "1", maker=False)


def test_parse_instrument_id() -> None:
    assert parse_instrument_id("binance-usdm:BTCUSDT") == ("binance-usdm", "BTCUSDT")
    assert parse_instrument_id("okx:BTC-USDT-SWAP") == ("okx", "BTC-USDT-SWAP")
    for bad in ("BTCUSDT", ":BTC", "okx:", ""):
        with pytest.raises(ValueError, match="venue:SYMBOL"):
            parse_instrument_id(bad)
    assert make().id == "binance-usdm:BTCUSDT"
