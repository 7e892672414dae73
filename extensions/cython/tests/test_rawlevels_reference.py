"""The raw-frame level scanner against a plain-Python reference.

The reference is the definition written out: a small recursive-descent reader of the canonical JSON
subset the scanner accepts (strings without escapes in printable ASCII, numbers without exponent of at
most 24 characters, nesting at most ``MAX_DEPTH`` deep), the exact value of the decimal divided by the
tick for a price (a positive integer, else the reason it is refused) and ``float(text)`` for a size.
On any input (generated level arrays in many decimal formats, truncated, mutated or random bytes) the
kernel must accept exactly what the reference accepts and read the same values; whatever it accepts must
also be valid JSON with the same strings, and its rows must equal ``levels.levels_to_rows`` on the
decoded lists.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from cryptoscalp_speedups.book import L2Book
from cryptoscalp_speedups.decimaltext import read
from cryptoscalp_speedups.levels import MAX_TICKS, LevelError, TickScale, levels_to_rows
from cryptoscalp_speedups.rawlevels import MAX_DEPTH, levels_rows, read_number, scan_level_array, skip_json
from hypothesis import given, settings
from hypothesis import strategies as st

EXACT = decimal.Context(prec=400, Emax=10**7, Emin=-(10**7), traps=[InvalidOperation])
TICKS = ["0.1", "0.01", "0.0001", "1", "5", "0.5", "0.025", "10", "1E-7"]
WS = " \t\n\r"


# -- the reference ---------------------------------------------------------------------------------------
class NotCanonicalError(Exception):
    pass


class Reader:
    """The canonical subset, character by character."""

    def __init__(self, text: str) -> None:
        self.s, self.i = text, 0

    def ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i] in WS:
            self.i += 1

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, c: str) -> None:
        self.ws()
        if self.peek() != c:
            raise NotCanonicalError
        self.i += 1

    def string(self) -> str:
        self.ws()
        if self.peek() != '"':
            raise NotCanonicalError
        end = self.s.find('"', self.i + 1)
        body = self.s[self.i + 1:end] if end >= 0 else "\\"
        if any(c == "\\" or not " " <= c <= "\x7f" for c in body):
            raise NotCanonicalError
        self.i = end + 1
        return body

    def value(self, depth: int) -> None:
        self.ws()
        c = self.peek()
        if depth > MAX_DEPTH or not c:
            raise NotCanonicalError
        if c == '"':
            self.string()
        elif c == "-" or c.isdigit():
            self.number()
        elif c in "tfn":
            word = next((w for w in ("true", "false", "null") if self.s.startswith(w, self.i)), None)
            if word is None:
                raise NotCanonicalError
            self.i += len(word)
        elif c in "[{":
            self.container(c, depth)
        else:
            raise NotCanonicalError

    def number(self) -> None:
        start = self.i
        if self.peek() == "-":
            self.i += 1
        digits = self._digits()
        if not digits or (len(digits) > 1 and digits[0] == "0"):
            raise NotCanonicalError
        if self.peek() == ".":
            self.i += 1
            if not self._digits():
                raise NotCanonicalError
        if self.peek() in ("e", "E") or self.i - start > 24:
            raise NotCanonicalError

    def _digits(self) -> str:
        start = self.i
        while self.peek() and self.peek() in "0123456789":
            self.i += 1
        return self.s[start:self.i]

    def container(self, opening: str, depth: int) -> None:
        closing = "]" if opening == "[" else "}"
        self.i += 1
        self.ws()
        if self.peek() == closing:
            self.i += 1
            return
        while True:
            if opening == "{":
                self.string()
                self.expect(":")
            self.value(depth + 1)
            self.ws()
            if self.peek() == ",":
                self.i += 1
            elif self.peek() == closing:
                self.i += 1
                return
            else:
                raise NotCanonicalError

    def levels(self, exact_pairs: bool) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        self.expect("[")
        self.ws()
        if self.peek() == "]":
            self.i += 1
            return out
        while True:
            self.expect("[")
            price = self.string()
            self.expect(",")
            size = self.string()
            self.ws()
            while self.peek() == ",":
                if exact_pairs:
                    raise NotCanonicalError
                self.i += 1
                self.value(2)
                self.ws()
            self.expect("]")
            out.append((price, size))
            self.ws()
            if self.peek() == ",":
                self.i += 1
            else:
                self.expect("]")
                return out


DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")


def _parts(text: str) -> tuple[bool, str, int] | str:
    """``(negative, digits, exponent)`` of a decimal (value = digits * 10**exponent), or ``"syntax"`` /
    ``"non_finite"``."""
    body = text[1:] if text[:1] in "+-" else text
    if body.lower() in ("nan", "inf", "infinity"):
        return "non_finite"
    m = DECIMAL.fullmatch(text)
    if m is None or not (m.group(2) or m.group(3)):
        return "syntax"
    frac = m.group(3) or ""
    return m.group(1) == "-", m.group(2) + frac, int(m.group(4) or 0) - len(frac)


def ref_ticks(text: str, tick: str) -> int | str:
    parts = _parts(text)
    if parts == "non_finite":
        return "non_finite_price"
    if isinstance(parts, str):
        return "bad_price"
    negative, digits, exponent = parts
    significant = digits.strip("0")
    if len(significant) > 18:
        return "bad_price"  # the readers take at most 18 significant digits
    if not significant or negative:
        return "non_positive_price"
    exponent += len(digits.lstrip("0")) - len(significant)  # trailing zeros
    if exponent > 400:
        return "bad_price"  # far above any tick count
    if exponent < -400:
        return "off_grid_price"  # far below any tick
    with decimal.localcontext(EXACT):
        ratio = Decimal(int(significant)).scaleb(exponent) / Decimal(tick)
        if ratio != ratio.to_integral_value():
            return "off_grid_price"
        return int(ratio) if ratio <= MAX_TICKS else "bad_price"


def ref_qty(text: str) -> float | str:
    parts = _parts(text)
    if parts == "non_finite":
        return "non_finite_qty"
    if isinstance(parts, str):
        return "bad_qty"
    value = float(text)  # Python's own reading, huge or tiny exponents included
    if not math.isfinite(value):
        return "non_finite_qty"
    return "negative_qty" if value < 0 else abs(value)


def reference(raw: str, tick: str, exact_pairs: bool) -> list[tuple[str, str]] | None:
    reader = Reader(raw)
    try:
        texts = reader.levels(exact_pairs)
        reader.ws()
    except NotCanonicalError:
        return None
    return texts if reader.i == len(raw) else None


def first_refusal(texts: list[tuple[str, str]], tick: str) -> tuple[str, int] | None:
    for i, (price, size) in enumerate(texts):
        for got in (ref_ticks(price, tick), ref_qty(size)):
            if isinstance(got, str):
                return got, i
    return None


# -- generated input --------------------------------------------------------------------------------------
plain = st.builds(lambda w, f, z: f"{w}.{f}{'0' * z}" if f else str(w), st.integers(0, 10**12),
                  st.sampled_from(["", "0", "1", "5", "25", "05", "123", "0001", "99999999", "1234567890123"]),
                  st.integers(0, 4))
long_digits = st.integers(1, 40).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)).map(
    lambda d: d[:5] + "." + d[5:] if len(d) > 5 else d)  # exponent-free strings with many digits
odd = st.one_of(st.sampled_from(["", ".", "-", "+1", "-0", "-0.1", "1e3", "1E-2", "2.5e", "1..2", "nan", "NaN",
                                 "-inf", "Infinity", "0x10", " 1", "1 ", "1_0", "0.0", "000", "1e999", "1e-999",
                                 "99999999999999999999", "0." + "0" * 30 + "1", "1" + "0" * 25, "5.", ".5",
                                 "12345.678901234567890", "123456789012345678", "1234567890123456789"]),
                st.text(alphabet="0123456789.-+eE", max_size=12))
decimal_text = st.one_of(plain, plain, long_digits, odd)
extra = st.one_of(st.just('"0"'), st.just('"4"'), st.just("3"), st.just("-1.25"), st.just("null"),
                  st.just("[1,[\"a\"],{}]"), st.just('{"k": [true, false]}'))


@st.composite
def level_arrays(draw: st.DrawFn, exact_pairs: bool) -> str:
    def sep() -> str:
        return draw(st.sampled_from(["", "", "", " ", "\n  ", "\t"]))

    levels = []
    for _ in range(draw(st.integers(0, 6))):
        items = [json.dumps(draw(decimal_text)), json.dumps(draw(decimal_text))]
        if not exact_pairs:
            items += draw(st.lists(extra, max_size=2))
        levels.append("[" + sep() + (sep() + "," + sep()).join(items) + sep() + "]")
    return sep() + "[" + sep() + ("," + sep()).join(levels) + sep() + "]" + sep()


def mutate(text: str, how: int, at: int, junk: str) -> str:
    at = at % (len(text) + 1)
    if how == 0:
        return text[:at]  # truncated
    if how == 1:
        return text[:at] + junk + text[at:]
    return text[:at] + junk + text[at + 1:]


junk = st.sampled_from(["\\", '\\"', "\\u0031", "é", "\x01", "1e5", "]", "[", ",", '"', "x", " ", "{}", "01"])


def check(raw: str, tick: str, exact_pairs: bool, side: int) -> None:
    texts = reference(raw, tick, exact_pairs)
    for frame in (raw, raw.encode("utf-8")):
        buf = scan_level_array(frame, TickScale(tick), side, exact_pairs)
        if texts is None:
            assert buf is None, raw
            continue
        assert buf is not None, raw
        assert buf.texts() == texts and len(buf) == len(texts) and buf.side == side
        assert [tuple(level[:2]) for level in json.loads(raw)] == texts  # canonical text is JSON
        refusal = first_refusal(texts, tick)
        assert buf.refusal == refusal
        upto = len(texts) if refusal is None else refusal[1]
        assert buf.ticks()[:upto] == [ref_ticks(p, tick) for p, _ in texts[:upto]]
        assert buf.quantities()[:upto] == [ref_qty(q) for _, q in texts[:upto]]


@settings(max_examples=400, deadline=None)
@given(st.booleans().flatmap(lambda e: st.tuples(st.just(e), level_arrays(e))), st.sampled_from(TICKS),
       st.sampled_from([1, -1]))
def test_generated_level_arrays_match_the_reference(arr: tuple[bool, str], tick: str, side: int) -> None:
    exact_pairs, raw = arr
    check(raw, tick, exact_pairs, side)


@settings(max_examples=400, deadline=None)
@given(st.booleans().flatmap(lambda e: st.tuples(st.just(e), level_arrays(e))), st.integers(0, 2),
       st.integers(0, 10**6), junk, st.sampled_from(TICKS))
def test_malformed_level_arrays_match_the_reference(arr: tuple[bool, str], how: int, at: int, bad: str,
                                                    tick: str) -> None:
    exact_pairs, raw = arr
    check(mutate(raw, how, at, bad), tick, exact_pairs, 1)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='[]{}",:.-+0123456789eEtrunlfas \\\n', max_size=40), st.booleans())
def test_random_text_never_raises_and_matches_the_reference(raw: str, exact_pairs: bool) -> None:
    check(raw, "0.1", exact_pairs, 1)
    reader = Reader(raw)
    try:
        reader.value(0)
        want = reader.i
    except NotCanonicalError:
        want = -1
    assert skip_json(raw) == want


@settings(max_examples=300, deadline=None)
@given(decimal_text, st.sampled_from(TICKS))
def test_decimal_reader_matches_the_reference(text: str, tick: str) -> None:
    _, digits, exponent = Decimal(tick).normalize().as_tuple()
    mantissa = int("".join(map(str, digits)))
    assert read(text.encode(), mantissa, int(exponent)) == (ref_ticks(text, tick), ref_qty(text))


@settings(max_examples=300, deadline=None)
@given(decimal_text)
def test_plain_numbers_read_as_python_floats(text: str) -> None:
    plain = all(c in "0123456789." for c in text) and text.count(".") <= 1 and 0 < sum(c.isdigit() for c in text) <= 18
    assert read_number(json.dumps(text)) == (float(text) if plain else None)
    assert read_number(json.dumps(text) + ",", 0) == read_number(json.dumps(text))


@settings(max_examples=200, deadline=None)
@given(level_arrays(True), level_arrays(True), st.sampled_from(TICKS), st.integers(0, 3), st.booleans())
def test_rows_equal_levels_to_rows(bids: str, asks: str, tick: str, flags: int, with_book: bool) -> None:
    scale = TickScale(tick)
    b, a = scan_level_array(bids, scale, 1, True), scan_level_array(asks, scale, -1, True)
    assert b is not None and a is not None
    book, ref_book = (L2Book(), L2Book()) if with_book else (None, None)
    try:
        want: Any = levels_to_rows(json.loads(bids), json.loads(asks), scale, 7, 8, 3, flags & 1, flags, 5, 6, 4,
                                   ref_book).tobytes()
    except LevelError as bad:
        want = bad.args
    try:
        got: Any = levels_rows(b, a, 7, 8, 3, flags & 1, flags, 5, 6, 4, book).tobytes()
    except LevelError as bad:
        got = bad.args
    assert got == want
    if book is not None and ref_book is not None:
        for side in (1, -1):
            assert book.depth(side)[0].tolist() == ref_book.depth(side)[0].tolist()
            assert book.depth(side)[1].tolist() == ref_book.depth(side)[1].tolist()


def test_examples() -> None:
    scale = TickScale("0.1")
    buf = scan_level_array(b' [["65000.10", "0.50", "0", "3"], ["65000.2","1e3"]] ', scale)
    assert buf is not None and buf.ticks() == [650001, 650002] and buf.quantities() == [0.5, 1000.0]
    assert buf.texts() == [("65000.10", "0.50"), ("65000.2", "1e3")] and buf.refusal is None
    assert scan_level_array(b'[["65000.1","1","0"]]', scale, exact_pairs=True) is None
    assert scan_level_array(b'[["6500\\u0030","1"]]', scale) is None  # an escape: not canonical
    bad = scan_level_array(b'[["1","1"],["65000.15","1"],["NaN","-1"]]', scale, -1)
    assert bad is not None and bad.refusal == ("off_grid_price", 1)
    empty = scan_level_array(b"[]", scale)
    assert empty is not None
    with pytest.raises(LevelError) as caught:
        levels_rows(empty, bad, 0, 0, 0, 0, 2, 0, 0, 0)
    assert caught.value.args == ("off_grid_price", -1, 1, "'65000.15'")
