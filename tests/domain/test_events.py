"""Event dtypes, ``kind_of`` and the vectorised ``valid_rows`` check against a row-by-row loop."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain import BOOK_DELTA_DTYPE, MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE, EventKind
from cryptoscalp_core.domain.events import DTYPES, empty, kind_of, valid_rows

ALL = {EventKind.TRADE: TRADE_DTYPE, EventKind.BOOK_DELTA: BOOK_DELTA_DTYPE,
       EventKind.QUOTE: QUOTE_DTYPE, EventKind.MARK: MARK_DTYPE}


# -- dtypes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_dtype_has_int64_ns_timestamps(kind: EventKind) -> None:
    dtype = DTYPES[kind]
    assert dtype is ALL[kind]
    assert dtype.names is not None
    assert dtype.names[:2] == ("ts_event", "ts_recv")
    for name in ("ts_event", "ts_recv"):
        assert dtype.fields is not None
        assert dtype.fields[name][0] == np.dtype("<i8")
    assert dtype.fields["instrument"][0] == np.dtype("<u2")


def test_book_prices_are_integer_ticks() -> None:
    assert BOOK_DELTA_DTYPE.fields is not None
    assert BOOK_DELTA_DTYPE.fields["price_ticks"][0] == np.dtype("<i8")
    for name in ("first_seq", "last_seq", "prev_seq"):
        assert BOOK_DELTA_DTYPE.fields[name][0] == np.dtype("<i8")


@pytest.mark.parametrize("kind", list(EventKind))
def test_kind_of(kind: EventKind) -> None:
    assert kind_of(empty(kind, 3)) is kind
    assert kind_of(np.zeros(0, dtype=ALL[kind])) is kind
    assert len(empty(kind, 5)) == 5


@pytest.mark.parametrize(
    "batch",
    [
        np.zeros(3),
        np.zeros(3, dtype=[("ts_event", "<i8"), ("ts_recv", "<i8")]),
        # Same fields as a trade, big-endian: not the canonical layout, so not a cryptoscalp batch.
        np.zeros(2, dtype=TRADE_DTYPE.newbyteorder(">")),
        # Same fields, padded (aligned) layout.
        np.zeros(2, dtype=np.dtype(TRADE_DTYPE.descr, align=True)),
    ],
    ids=["float", "partial", "big-endian", "aligned"],
)
def test_kind_of_refuses_foreign_dtypes(batch: npt.NDArray[Any]) -> None:
    with pytest.raises(TypeError):
        kind_of(batch)
    with pytest.raises(TypeError):
        valid_rows(batch)


# -- valid_rows against a loop --------------------------------------------------------------------------

PRICES = {EventKind.TRADE: ["price"], EventKind.QUOTE: ["bid_price", "ask_price"],
          EventKind.MARK: ["mark_price"], EventKind.BOOK_DELTA: []}
QTYS = {EventKind.TRADE: ["qty"], EventKind.QUOTE: ["bid_qty", "ask_qty"],
        EventKind.MARK: [], EventKind.BOOK_DELTA: ["qty"]}


def reference(batch: npt.NDArray[Any], kind: EventKind, prev: int | None) -> tuple[list[bool], dict[str, int]]:
    """The documented rules, one row at a time in plain Python."""
    keep: list[bool] = []
    dropped: dict[str, int] = {}
    last = prev
    for row in batch:
        reason = None
        for col in PRICES[kind]:
            v = float(row[col])
            if not math.isfinite(v):
                reason = "non_finite_price"
            elif v <= 0:
                reason = "non_positive_price"
            if reason:
                break
        if reason is None and kind is EventKind.BOOK_DELTA and int(row["price_ticks"]) <= 0:
            reason = "non_positive_price"
        if reason is None:
            for col in QTYS[kind]:
                v = float(row[col])
                if not math.isfinite(v):
                    reason = "non_finite_qty"
                elif v < 0:
                    reason = "negative_qty"
                if reason:
                    break
        if reason is None and kind is EventKind.TRADE and float(row["qty"]) == 0:
            reason = "non_positive_qty"
        if reason is None and kind in (EventKind.TRADE, EventKind.BOOK_DELTA) and int(row["side"]) not in (1, -1):
            reason = "bad_side"
        if reason is None:
            ts = int(row["ts_recv"])
            if last is not None and ts < last:
                reason = "ts_recv_backwards"
            else:
                last = ts
        keep.append(reason is None)
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
    return keep, dropped


# Mostly sane values with a good share of every kind of garbage.
floats = st.one_of(
    st.floats(min_value=1e-8, max_value=1e7),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, -1e-300, 5e-324]),
)


@st.composite
def batches(draw: st.DrawFn) -> tuple[EventKind, npt.NDArray[Any], int | None]:
    kind = draw(st.sampled_from(list(EventKind)))
    n = draw(st.integers(min_value=0, max_value=40))
    batch = empty(kind, n)
    for name in batch.dtype.names or ():
        if name in ("ts_event", "instrument"):
            continue
        if name == "ts_recv":
            # A narrow range so ties, small and large steps back all happen; occasionally a spike.
            col = [draw(st.one_of(st.integers(0, 30), st.just(2**62))) for _ in range(n)]
        elif name == "side":
            col = [draw(st.sampled_from([1, -1, 1, -1, 0, 2, -128])) for _ in range(n)]
        elif name in ("price_ticks",):
            col = [draw(st.sampled_from([1, 50_000, 0, -3])) for _ in range(n)]
        elif batch.dtype[name] == np.dtype("<f8"):
            col = [draw(floats) for _ in range(n)]
        else:
            continue
        batch[name] = col
    prev = draw(st.one_of(st.none(), st.integers(0, 30)))
    return kind, batch, prev


@given(batches())
def test_valid_rows_matches_row_loop(case: tuple[EventKind, npt.NDArray[Any], int | None]) -> None:
    kind, batch, prev = case
    snapshot = batch.copy()
    check = valid_rows(batch, prev_ts_recv=prev)
    keep, dropped = reference(batch, kind, prev)
    assert check.mask.tolist() == keep
    assert check.dropped == dropped
    assert check.total_dropped == keep.count(False)
    assert batch.tobytes() == snapshot.tobytes()  # the check never edits the batch
    if prev is None:
        assert valid_rows(batch).mask.tolist() == keep  # the default means "no previous batch"


def test_corrupt_row_does_not_poison_later_rows() -> None:
    # Row 1 has a garbage receive time far in the future *and* a NaN price; it is dropped for the price,
    # so rows 2..3 must not be reported as going backwards relative to it.
    batch = empty(EventKind.TRADE, 4)
    batch["side"] = 1
    batch["qty"] = 1.0
    batch["price"] = [100.0, np.nan, 100.0, 100.0]
    batch["ts_recv"] = [10, 2**62, 11, 12]
    check = valid_rows(batch)
    assert check.mask.tolist() == [True, False, True, True]
    assert check.dropped == {"non_finite_price": 1}


def test_single_row_batches_are_checked_against_the_previous_batch() -> None:
    # A live feed yields one-row batches: the ordering rule must still see them.
    row = empty(EventKind.MARK, 1)
    row["mark_price"] = 100.0
    row["ts_recv"] = 5
    assert valid_rows(row, prev_ts_recv=5).mask.tolist() == [True]  # equal is in order
    check = valid_rows(row, prev_ts_recv=6)
    assert check.mask.tolist() == [False]
    assert check.dropped == {"ts_recv_backwards": 1}


def test_zero_sizes() -> None:
    # A zero-size book delta deletes a level (valid); a zero-size trade is garbage.
    book = empty(EventKind.BOOK_DELTA, 1)
    book["side"], book["price_ticks"], book["qty"] = -1, 100, 0.0
    assert valid_rows(book).mask.tolist() == [True]
    trade = empty(EventKind.TRADE, 1)
    trade["side"], trade["price"], trade["qty"] = -1, 100.0, 0.0
    assert valid_rows(trade).dropped == {"non_positive_qty": 1}


def test_empty_batch() -> None:
    check = valid_rows(empty(EventKind.QUOTE, 0), prev_ts_recv=10)
    assert check.mask.shape == (0,)
    assert check.dropped == {}


@st.composite
def clean_batches(draw: st.DrawFn) -> tuple[EventKind, npt.NDArray[Any], int | None]:
    """Valid batches (sorted times, sane values) with at most one corrupted cell: the all-valid fast path
    must agree with the row loop on both sides of every rule's edge."""
    kind = draw(st.sampled_from(list(EventKind)))
    n = draw(st.integers(min_value=1, max_value=30))
    batch = empty(kind, n)
    batch["ts_recv"] = np.sort(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)))
    for name in batch.dtype.names or ():
        if name == "side":
            batch[name] = draw(st.lists(st.sampled_from([1, -1]), min_size=n, max_size=n))
        elif name == "price_ticks":
            batch[name] = draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n))
        elif batch.dtype[name] == np.dtype("<f8"):
            batch[name] = draw(st.lists(st.floats(min_value=5e-324, max_value=1e300), min_size=n, max_size=n))
    if draw(st.booleans()):
        checked = ("ts_recv", "side", "price_ticks", "price", "qty", "bid_price", "ask_price", "bid_qty", "ask_qty",
                   "mark_price")
        name = draw(st.sampled_from([f for f in batch.dtype.names or () if f in checked]))
        row = draw(st.integers(0, n - 1))
        if name == "ts_recv":
            batch[name][row] = draw(st.integers(-1, 51))
        elif name in ("side", "price_ticks"):
            batch[name][row] = draw(st.sampled_from([0, 2, -1, -3]))
        elif batch.dtype[name] == np.dtype("<f8"):
            batch[name][row] = draw(st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -5e-324, 1e308]))
    prev = draw(st.one_of(st.none(), st.integers(-1, 10)))
    return kind, batch, prev


@settings(max_examples=400)
@given(clean_batches())
def test_valid_rows_fast_path_matches_row_loop(case: tuple[EventKind, npt.NDArray[Any], int | None]) -> None:
    kind, batch, prev = case
    check = valid_rows(batch, prev_ts_recv=prev)
    keep, dropped = reference(batch, kind, prev)
    assert check.mask.tolist() == keep
    assert check.dropped == dropped
