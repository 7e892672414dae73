"""ShadowBook, StreamCursor and bar gap filling against plain-Python references."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import BOOK_DELTA_DTYPE, TRADE_DTYPE, BookFlag, EventKind, Side
from cryptoscalp_core.marketdata.bars import BAR_DTYPE, fill_bar_gaps
from cryptoscalp_core.marketdata.dedupe import StreamCursor
from cryptoscalp_core.marketdata.shadow_book import ShadowBook

level = st.tuples(st.sampled_from([int(Side.BUY), int(Side.SELL)]), st.integers(1, 20),
                  st.sampled_from([0.0, 0.5, 1.0, 2.5]))
message = st.tuples(st.booleans(), st.lists(level, min_size=1, max_size=6))


def rows_of(messages: list[tuple[bool, list[tuple[int, int, float]]]]) -> np.ndarray:
    out = []
    for seq, (snap, levels) in enumerate(messages):
        rows = np.zeros(len(levels), dtype=BOOK_DELTA_DTYPE)
        for j, (side, price, qty) in enumerate(levels):
            rows[j]["side"], rows[j]["price_ticks"], rows[j]["qty"] = side, price, qty
        rows["last_seq"] = seq
        rows["flags"] = int(BookFlag.SNAPSHOT) if snap else 0
        rows["flags"][-1] |= int(BookFlag.LAST)
        out.append(rows)
    return np.concatenate(out)


def reference_book(messages: list[tuple[bool, list[tuple[int, int, float]]]]) -> dict[tuple[int, int], float]:
    book: dict[tuple[int, int], float] = {}
    for snap, levels in messages:
        if snap:
            book.clear()
        for side, price, qty in levels:
            if qty == 0:
                book.pop((side, price), None)
            else:
                book[(side, price)] = qty
    return book


@settings(max_examples=80, deadline=None)
@given(st.lists(message, min_size=1, max_size=12), st.integers(1, 5))
def test_shadow_book_matches_dict_book(messages: list[tuple[bool, list[tuple[int, int, float]]]],
                                       cut: int) -> None:
    rows = rows_of(messages)
    book = ShadowBook()
    for part in np.array_split(rows, min(cut, len(rows))):  # batch boundaries anywhere
        book.apply(part)
    got = {(int(Side.BUY), int(p)): float(q) for p, q in zip(book.bids.prices, book.bids.qty, strict=True)}
    got.update({(int(Side.SELL), int(p)): float(q) for p, q in zip(book.asks.prices, book.asks.qty, strict=True)})
    assert got == reference_book(messages)
    snap = book.snapshot(3, 99)
    assert len(snap) == len(got)
    if len(snap):
        assert (snap["flags"] & BookFlag.SNAPSHOT).all() and snap["flags"][-1] & BookFlag.LAST
        rebuilt = reference_book([(True, [(int(r["side"]), int(r["price_ticks"]), float(r["qty"])) for r in snap])])
        assert rebuilt == got


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 40)), max_size=15), min_size=1, max_size=6))
def test_sequence_cursor_passes_each_id_above_the_mark_once(batches: list[list[tuple[int, int]]]) -> None:
    cursor = StreamCursor(2, "sequence")
    mark = {0: -1, 1: -1}
    for batch in batches:
        rows = np.zeros(len(batch), dtype=TRADE_DTYPE)
        rows["instrument"] = [i for i, _ in batch]
        rows["trade_id"] = [t for _, t in batch]
        keep = cursor.fresh(EventKind.TRADE, rows)
        expected = [t > mark[i] for i, t in batch]  # against the mark before the batch
        assert keep.tolist() == expected
        for i, t in batch:
            mark[i] = max(mark[i], t)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=20), st.sampled_from(["flat", "linear"]))
def test_bar_gaps_filled_as_documented(gaps: list[int], method: str) -> None:
    d = 60
    opens = np.cumsum([0] + [g + 1 for g in gaps[:-1]]) * d
    bars = np.zeros(len(opens), dtype=BAR_DTYPE)
    bars["ts_open"] = opens
    bars["open"] = 100 + np.arange(len(opens))
    bars["close"] = bars["open"] + 0.5
    bars["high"], bars["low"], bars["volume"] = bars["close"] + 1, bars["open"] - 1, 3.0
    out, made = fill_bar_gaps(bars, d, method)  # type: ignore[arg-type]
    assert (np.diff(out["ts_open"]) == d).all() and out["ts_open"][0] == 0
    assert (out[~made] == bars).all()  # real bars untouched
    # reference, bar by bar
    prev = None
    for k in range(len(out)):
        if not made[k]:
            prev = k
            continue
        assert prev is not None and out["volume"][k] == 0
        assert out["open"][k] == out["close"][k - 1]
        assert out["low"][k] <= min(out["open"][k], out["close"][k]) <= out["high"][k]
        if method == "flat":
            assert out["close"][k] == out["close"][prev]
        else:
            nxt = k + int(np.argmax(~made[k:]))
            frac = (k - prev) / (nxt - prev)
            expect = out["close"][prev] + (out["open"][nxt] - out["close"][prev]) * frac
            assert abs(out["close"][k] - expect) < 1e-9
