"""The L2 book kernel against its oracle: a plain-Python book (a dict per side, sorted on every query)
that follows the contract of ``book.pyi`` literally, on random delta streams.

The streams are built to reach every path of the kernel: a 64-tick window (levels far from the best go
to the ordered map, the window recentres when the best leaves it or empties), prices that jump by a
million ticks, snapshot runs cut at random batch boundaries, sequence numbers with gaps, and malformed
rows. Results must be identical, not close: the kernel sums in the order the reference does.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from cryptoscalp_speedups.book import BOOK_DELTA_DTYPE, NO_ASK, NO_BID, L2Book
from hypothesis import given, settings
from hypothesis import strategies as st

SNAPSHOT, LAST = 1, 2
Row = tuple[int, int, int, int, int, int, float]  # side, flags, first_seq, last_seq, prev_seq, price, qty


class ReferenceBook:
    def __init__(self) -> None:
        self.sides: dict[int, dict[int, float]] = {1: {}, -1: {}}
        self.in_snapshot = False
        self.cleared: set[int] = set()
        self.before: dict[int, dict[int, float]] = {}
        self.last_update_id = -1
        self.after_snapshot = False
        self.gaps = self.crossed_count = self.rejected = self.snapshots = 0

    # -- updates -------------------------------------------------------------------------------------
    def apply_row(self, side: int, price: int, qty: float, flags: int) -> float:
        if side not in (1, -1) or price <= 0 or not (math.isfinite(qty) and qty >= 0):
            self.rejected += 1
            if flags & LAST or not flags & SNAPSHOT:
                self.in_snapshot = False
            return 0.0
        if flags & SNAPSHOT:
            if not self.in_snapshot:
                self.in_snapshot, self.cleared = True, set()
                self.snapshots += 1
            if side not in self.cleared:
                self.cleared.add(side)
                self.before[side], self.sides[side] = self.sides[side], {}
            prev = self.before[side].get(price, 0.0)
            if flags & LAST:
                self.in_snapshot = False
        else:
            self.in_snapshot = False
            prev = self.sides[side].get(price, 0.0)
        if qty > 0:
            self.sides[side][price] = qty
        else:
            self.sides[side].pop(price, None)
        return prev

    def apply_delta(self, row: Row) -> None:
        side, flags, first, last, prev, price, qty = row
        valid = side in (1, -1) and price > 0 and math.isfinite(qty) and qty >= 0
        if valid and last >= 0:
            if flags & SNAPSHOT:
                self.last_update_id, self.after_snapshot = last, True
            elif last != self.last_update_id:
                known = self.last_update_id
                if known >= 0 and not ((prev >= 0 and prev == known)
                                       or (self.after_snapshot and first <= known + 1 and last >= known)
                                       or (prev < 0 and first == known + 1)):
                    self.gaps += 1
                self.last_update_id, self.after_snapshot = last, False
        self.apply_row(side, price, qty, flags)
        if valid and flags & LAST and self.crossed():
            self.crossed_count += 1

    # -- queries -------------------------------------------------------------------------------------
    def levels(self, side: int) -> list[tuple[int, float]]:
        return sorted(self.sides[side].items(), reverse=side > 0)

    def best(self, side: int) -> int | None:
        levels = self.levels(side)
        return levels[0][0] if levels else None

    def best_qty(self, side: int) -> float:
        levels = self.levels(side)
        return levels[0][1] if levels else 0.0

    def imbalance(self, n: int) -> float:
        sb = sa = 0.0
        for _, q in self.levels(1)[:n]:
            sb += q
        for _, q in self.levels(-1)[:n]:
            sa += q
        return (sb - sa) / (sb + sa) if sb + sa > 0 else math.nan

    def microprice(self) -> float:
        bb, ba = self.best(1), self.best(-1)
        if bb is None or ba is None:
            return math.nan
        bq, aq = self.best_qty(1), self.best_qty(-1)
        return (bb * aq + ba * bq) / (bq + aq)

    def vwap(self, side: int, qty: float) -> tuple[float, float]:
        rem, notional, filled = qty, 0.0, 0.0
        for price, q in self.levels(side):
            if rem <= 0:
                break
            take = q if q < rem else rem
            notional += price * take
            filled += take
            rem -= take
        return (notional / filled if filled > 0 else math.nan), rem

    def crossed(self) -> bool:
        bb, ba = self.best(1), self.best(-1)
        return bb is not None and ba is not None and bb >= ba


def same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def assert_same_book(book: Any, ref: ReferenceBook, probes: list[int] | None = None) -> None:
    """Every query of the kernel against the reference (exact: both sum in the same order)."""
    bb, ba = ref.best(1), ref.best(-1)
    assert book.best_bid() == (NO_BID if bb is None else bb)
    assert book.best_ask() == (NO_ASK if ba is None else ba)
    assert book.best_bid_qty() == ref.best_qty(1) and book.best_ask_qty() == ref.best_qty(-1)
    for side in (1, -1):
        levels = ref.levels(side)
        prices, qtys = book.depth(side)
        assert list(zip(prices.tolist(), qtys.tolist(), strict=True)) == levels
        assert book.n_levels(side) == len(levels)
        for n in (0, 1, 3, 5):
            p, q = book.depth(side, n)
            assert list(zip(p.tolist(), q.tolist(), strict=True)) == levels[:n]
        for price in probes or []:
            assert book.qty_at(side, price) == ref.sides[side].get(price, 0.0)
            p, _ = book.depth_through(side, price)
            assert p.tolist() == [k for k, _ in levels if (k >= price if side > 0 else k <= price)]
        for qty in (0.5, 3.0, 1e9):
            got, want = book.vwap(side, qty), ref.vwap(side, qty)
            assert same_float(got[0], want[0]) and got[1] == want[1]
    for n in (1, 2, 5):
        assert same_float(book.imbalance(n), ref.imbalance(n))
    assert same_float(book.microprice(), ref.microprice())
    assert book.crossed() == ref.crossed()
    assert (book.gaps, book.crossed_count, book.rejected, book.snapshots) == \
        (ref.gaps, ref.crossed_count, ref.rejected, ref.snapshots)
    assert book.last_update_id == ref.last_update_id


# -- random streams ---------------------------------------------------------------------------------------
PRICE = st.one_of(st.integers(1, 40), st.integers(90, 400), st.integers(10**6, 10**6 + 50))
QTY = st.sampled_from([0.0, 0.0, 0.25, 1.0, 2.5, 7.0, 1e-8])
FLAGS = st.sampled_from([0, 0, 0, LAST, LAST, SNAPSHOT, SNAPSHOT, SNAPSHOT | LAST])
BAD = st.sampled_from([(0, 10, 1.0), (1, 0, 1.0), (-1, -5, 1.0), (1, 10, math.nan), (-1, 10, -1.0),
                       (1, 10, math.inf)])


@st.composite
def streams(draw: Any) -> list[Row]:
    """Messages of 1..4 rows sharing sequence ids; mostly chained (prev = last id), sometimes not."""
    rows: list[Row] = []
    seq = draw(st.integers(-1, 5))
    for _ in range(draw(st.integers(0, 25))):
        n = draw(st.integers(1, 4))
        jump = draw(st.sampled_from([0, 0, 0, 0, 2, -3]))
        first, last = seq + 1 + jump, seq + n + jump
        prev = draw(st.sampled_from([seq, seq, seq, -1, seq + 7]))
        if draw(st.integers(0, 9)) == 0:
            first = last = prev = -1  # a venue without sequence ids
        for _ in range(n):
            if draw(st.integers(0, 19)) == 0:
                side, price, qty = draw(BAD)
            else:
                side, price, qty = draw(st.sampled_from([1, -1])), draw(PRICE), draw(QTY)
            rows.append((side, draw(FLAGS), first, last, prev, price, qty))
        seq = max(seq, last)
    return rows


def as_rows(stream: list[Row]) -> np.ndarray:
    out = np.zeros(len(stream), dtype=BOOK_DELTA_DTYPE)
    for i, (side, flags, first, last, prev, price, qty) in enumerate(stream):
        out[i] = (i, i, 0, side, flags, first, last, prev, price, qty)
    return out


PROBES = [1, 5, 20, 39, 95, 200, 10**6 + 3]


@settings(max_examples=250, deadline=None)
@given(stream=streams(), cuts=st.lists(st.integers(0, 100), max_size=5), window=st.sampled_from([64, 128, 16384]))
def test_batches_of_rows_give_the_reference_book(stream: list[Row], cuts: list[int], window: int) -> None:
    book, ref = L2Book(window), ReferenceBook()
    rows = as_rows(stream)
    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    for lo, hi in itertools.pairwise(bounds):
        book.apply_deltas(rows[lo:hi])
        for row in stream[lo:hi]:
            ref.apply_delta(row)
        assert_same_book(book, ref, PROBES)


@settings(max_examples=150, deadline=None)
@given(stream=streams())
def test_top_of_book_after_every_row(stream: list[Row]) -> None:
    book, ref = L2Book(64), ReferenceBook()
    top = book.apply_deltas_top(as_rows(stream), levels=3)
    for i, row in enumerate(stream):
        ref.apply_delta(row)
        bb, ba = ref.best(1), ref.best(-1)
        assert top["best_bid"][i] == (NO_BID if bb is None else bb)
        assert top["best_ask"][i] == (NO_ASK if ba is None else ba)
        assert top["bid_qty"][i] == ref.best_qty(1) and top["ask_qty"][i] == ref.best_qty(-1)
        assert same_float(float(top["imbalance"][i]), ref.imbalance(3))
    assert_same_book(book, ref, PROBES)


@settings(max_examples=150, deadline=None)
@given(stream=streams())
def test_row_api_returns_the_quantity_before_and_columns_agree(stream: list[Row]) -> None:
    by_row, by_columns, ref = L2Book(64), L2Book(64), ReferenceBook()
    for side, flags, _, _, _, price, qty in stream:
        assert by_row.apply_row(side, price, qty, flags) == ref.apply_row(side, price, qty, flags)
    rows = as_rows(stream)
    by_columns.apply_columns(rows["side"], rows["price_ticks"], rows["qty"], rows["flags"])
    for book in (by_row, by_columns):
        for side in (1, -1):
            prices, qtys = book.depth(side)
            assert list(zip(prices.tolist(), qtys.tolist(), strict=True)) == ref.levels(side)
        assert book.rejected == ref.rejected and book.snapshots == ref.snapshots


def test_contract_edges() -> None:
    book = L2Book()
    assert (book.best_bid(), book.best_ask()) == (NO_BID, NO_ASK) == (-(2**63), 2**63 - 1)
    assert math.isnan(book.imbalance(5)) and math.isnan(book.microprice()) and not book.crossed()
    assert math.isnan(book.vwap(1, 1.0)[0]) and book.vwap(1, 1.0)[1] == 1.0
    for bad in ((0, 10, 1.0), (1, 0, 1.0), (1, 10, -1.0), (1, 10, math.nan)):
        try:
            book.apply(*bad)
        except ValueError:
            continue
        raise AssertionError(f"apply{bad} was accepted")
    for call in (lambda: book.depth(2), lambda: book.imbalance(0), lambda: book.vwap(1, 0.0),
                 lambda: L2Book(10), lambda: book.checksum_string("-0.1", 2)):
        try:
            call()
        except ValueError:
            continue
        raise AssertionError("accepted a bad argument")
    try:
        book.apply_deltas(np.zeros(2, dtype=[("side", "i1")]))
    except TypeError:
        pass
    else:
        raise AssertionError("accepted rows of another dtype")


def test_the_dtype_copy_is_the_core_dtype() -> None:
    from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE as CORE
    from cryptoscalp_core.domain.events import BookFlag, Side

    assert CORE == BOOK_DELTA_DTYPE
    assert (int(BookFlag.SNAPSHOT), int(BookFlag.LAST), int(Side.BUY), int(Side.SELL)) == (SNAPSHOT, LAST, 1, -1)
