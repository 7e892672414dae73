"""The level parser against a plain-Python reference built on ``decimal.Decimal``.

The reference is the obvious definition: a price is ``Decimal(text) / tick``, which must be a positive
integer (else the level is refused and the reason says why); a quantity is ``float(text)``, which must
be finite and not negative. The kernel must agree on every input, including text it has to refuse.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pytest
from cryptoscalp_speedups.book import L2Book
from cryptoscalp_speedups.levels import (
    BOOK_DELTA_DTYPE,
    MAX_TICKS,
    LevelError,
    TickScale,
    apply_rows,
    levels_to_rows,
    parse_levels,
)
from hypothesis import given, settings
from hypothesis import strategies as st

TICKS = ["0.1", "0.01", "0.0001", "1", "5", "0.5", "0.025", "10", "1E-7"]


# Wide enough that no reference computation on the generated text rounds or overflows.
EXACT = decimal.Context(prec=400, Emax=10**7, Emin=-(10**7), traps=[InvalidOperation])


def ref_ticks(text: Any, tick: str) -> int | str:
    """Ticks of a price, or the reason it is refused."""
    with decimal.localcontext(EXACT):
        return _ref_ticks(text, tick)


def _ref_ticks(text: Any, tick: str) -> int | str:
    if isinstance(text, float):
        if not math.isfinite(text):
            return "non_finite_price"
        text = repr(text)
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str):
        return "bad_price"
    body = text[1:] if text[:1] in "+-" else text
    if body.lower() in ("nan", "inf", "infinity"):
        return "non_finite_price"
    if not body or not all((c.isdigit() and c.isascii()) or c in ".eE+-" for c in body) or " " in text:
        return "bad_price"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return "bad_price"
    if not value.is_finite() or (value and len(value.normalize().as_tuple().digits) > 18):
        return "bad_price"  # the kernel reads at most 18 significant digits
    if value <= 0:
        return "non_positive_price"
    ratio = value / Decimal(tick)
    if ratio != ratio.to_integral_value():
        return "off_grid_price"
    if ratio > MAX_TICKS:
        return "bad_price"
    return int(ratio)


def ref_qty(text: Any) -> float | str:
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if isinstance(text, str):
        body = text[1:] if text[:1] in "+-" else text
        if body.lower() in ("nan", "inf", "infinity"):
            return "non_finite_qty"
        try:
            Decimal(text)
            value = float(text)
        except (InvalidOperation, ValueError):
            return "bad_qty"
        if "_" in text or text != text.strip() or not text.isascii() or body.lower().startswith(("n", "i", "s")):
            return "bad_qty"
    elif isinstance(text, float):
        value = text
    else:
        return "bad_qty"
    if not math.isfinite(value):
        return "non_finite_qty"
    return "negative_qty" if value < 0 else abs(value)


def kernel_ticks(text: Any, tick: str) -> int | str:
    try:
        return TickScale(tick).ticks(text)
    except LevelError as bad:
        return str(bad.reason)


decimal_text = st.builds(
    lambda whole, frac, zeros: f"{whole}.{frac}{'0' * zeros}" if frac else f"{whole}",
    st.integers(0, 10**9), st.sampled_from(["", "0", "1", "5", "25", "05", "123", "0001", "99999999"]),
    st.integers(0, 3))
weird_text = st.one_of(
    st.sampled_from(["", ".", "-", "+1", "-0", "-0.1", "1e3", "1E-2", "2.5e", "1..2", "nan", "NaN", "-inf",
                     "Infinity", "0x10", " 1", "1 ", "1_0", "١٢", "0.0", "000", "1e999", "1e-999",
                     "99999999999999999999", "0." + "0" * 30 + "1", "1" + "0" * 25, "12345.678901234567890",
                     "123456789012345678", "1234567890123456789", "0.000000000000000000000"]),
    st.text(alphabet="0123456789.-+eE", max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.one_of(decimal_text, weird_text), st.sampled_from(TICKS))
def test_prices_match_the_decimal_reference(text: str, tick: str) -> None:
    assert kernel_ticks(text, tick) == ref_ticks(text, tick)
    assert kernel_ticks(text.encode(), tick) == ref_ticks(text, tick)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(1, 10**7).map(lambda i: i / 100)),
       st.sampled_from(TICKS))
def test_float_prices_are_read_as_their_shortest_decimal(value: float, tick: str) -> None:
    assert kernel_ticks(value, tick) == ref_ticks(value, tick)


def qty_of(text: Any) -> float | str:
    try:
        return float(parse_levels([["1", text]], TickScale("1"))[1][0])
    except LevelError as bad:
        return str(bad.reason)


@settings(max_examples=300, deadline=None)
@given(st.one_of(decimal_text, weird_text, st.floats(), st.decimals(allow_nan=False).map(str)))
def test_quantities_match_python_float(text: Any) -> None:
    assert qty_of(text) == ref_qty(text)


def test_examples_named_in_the_contract() -> None:
    scale = TickScale("0.1")
    assert scale.ticks("65000.10") == 650001 and scale.ticks(b"65000.1") == 650001
    assert kernel_ticks("65000.15", "0.1") == "off_grid_price"
    assert kernel_ticks("0", "0.1") == "non_positive_price" and kernel_ticks("abc", "0.1") == "bad_price"
    assert TickScale("1E-7").ticks("0.0000123") == 123
    with pytest.raises(ValueError):
        TickScale("0")
    with pytest.raises(ValueError):
        TickScale("nan")


level_text = st.tuples(st.integers(1, 10**6).map(lambda t: f"{Decimal(t) * Decimal('0.01'):f}"),
                       st.sampled_from(["0", "0.001", "1.5", "12", "0.00012300"]))


@settings(max_examples=100, deadline=None)
@given(st.lists(level_text, max_size=8), st.lists(level_text, max_size=8), st.integers(0, 3), st.booleans())
def test_rows_and_book_match_the_reference(bids: list[tuple[str, str]], asks: list[tuple[str, str]],
                                           flags: int, as_lists: bool) -> None:
    sides = [[list(lv) for lv in bids], [list(lv) for lv in asks]] if as_lists else [bids, asks]
    book, ref = L2Book(), L2Book()
    rows = levels_to_rows(sides[0], sides[1], TickScale("0.01"), 7, 8, 3, flags & 1, flags, 5, 6, 4, book)
    assert rows.dtype == BOOK_DELTA_DTYPE and len(rows) == len(bids) + len(asks)
    expect = [(1, ref_ticks(p, "0.01"), float(q)) for p, q in bids] + \
             [(-1, ref_ticks(p, "0.01"), float(q)) for p, q in asks]
    assert list(zip(rows["side"].tolist(), rows["price_ticks"].tolist(), rows["qty"].tolist(),
                    strict=True)) == expect
    if len(rows):
        assert (rows["ts_event"] == 7).all() and (rows["ts_recv"] == 8).all() and (rows["instrument"] == 3).all()
        assert (rows["first_seq"] == 5).all() and (rows["last_seq"] == 6).all() and (rows["prev_seq"] == 4).all()
        assert rows["flags"][:-1].tolist() == [flags & 1] * (len(rows) - 1) and rows["flags"][-1] == flags
        reference = np.array([(7, 8, 3, s, flags & 1, 5, 6, 4, t, q) for s, t, q in expect], BOOK_DELTA_DTYPE)
        reference["flags"][-1] = flags
        ref.apply_deltas(reference)
    for side in (1, -1):
        got, want = book.depth(side), ref.depth(side)
        assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
    assert (book.gaps, book.snapshots, book.last_update_id) == (ref.gaps, ref.snapshots, ref.last_update_id)


@pytest.mark.parametrize(("bad", "reason"), [
    (["1.005", "1"], "off_grid_price"), (["-1", "1"], "non_positive_price"), (["NaN", "1"], "non_finite_price"),
    (["x", "1"], "bad_price"), (["1", "-2"], "negative_qty"), (["1", "nan"], "non_finite_qty"),
    (["1", "lots"], "bad_qty"), (["1"], "bad_level"), ("1,1", "bad_level"), ([None, "1"], "bad_price"),
    ([1, "1"], "bad_price"), (["1", None], "bad_qty"),
])
def test_a_bad_level_is_reported_and_nothing_is_applied(bad: Any, reason: str) -> None:
    book = L2Book()
    levels_to_rows([["1.00", "1"]], [["1.01", "1"]], TickScale("0.01"), 0, 0, 0, 1, 3, 1, 1, -1, book)
    with pytest.raises(LevelError) as caught:
        levels_to_rows([["0.99", "5"]], [["1.02", "1"], bad], TickScale("0.01"), 0, 0, 0, 0, 2, 2, 2, 1, book)
    assert caught.value.reason == reason and caught.value.args[1:3] == (-1, 1)
    assert book.depth(1)[0].tolist() == [100] and book.depth(-1)[0].tolist() == [101]


def test_not_a_list_of_levels_is_a_level_error() -> None:
    for levels in (None, "[]", {"a": 1}, 5):
        with pytest.raises(LevelError, match="bad_level"):
            levels_to_rows(levels, [], TickScale("1"), 0, 0, 0, 0, 2, 0, 0, 0)


def test_apply_rows_equals_apply_deltas() -> None:
    rows = levels_to_rows([["3", "1"], ["2", "2"]], [["4", "1"]], TickScale("1"), 0, 0, 0, 1, 3, 9, 9, -1)
    more = levels_to_rows([["3", "0"]], [["5", "2"]], TickScale("1"), 0, 0, 0, 0, 2, 10, 10, 9)
    a, b = L2Book(), L2Book()
    for r in (rows, more):
        apply_rows(a, r)
        b.apply_deltas(r)
    assert a.depth(1)[0].tolist() == b.depth(1)[0].tolist() == [2]
    assert a.depth(-1)[0].tolist() == b.depth(-1)[0].tolist() == [4, 5]
    with pytest.raises(TypeError):
        apply_rows(a, np.zeros(2, np.int64))
