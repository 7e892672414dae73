"""The compiled level path (``cryptoscalp_speedups.levels``) and the numpy path give the same batches,
drops and book on the same frames, good and bad. (A message with several bad levels may be dropped for a
different one of its faults: the kernel names the first bad level, numpy the first rule broken.) Skipped
only where the compiled kernels are absent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from cryptoscalp_exchange_binance import StreamParser
from cryptoscalp_exchange_binance.drops import DropLog
from cryptoscalp_exchange_binance.kernels import KERNEL
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.market_feed import FeedStats

pytestmark = pytest.mark.skipif(KERNEL is None, reason="cryptoscalp-speedups is not installed")

BTC = Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"))
price = st.one_of(st.integers(1, 2000).map(lambda t: f"{Decimal(t) / 10:f}"),
                  st.sampled_from(["100.05", "-1.0", "0", "nan", "abc"]))
qty = st.sampled_from(["0", "0.000", "1.5", "0.001", "12", "-1", "inf"])
levels = st.lists(st.tuples(price, qty).map(list), max_size=5)


def _diff(u: int, bids: list[Any], asks: list[Any]) -> bytes:
    data = {"e": "depthUpdate", "E": u, "T": u, "s": "BTCUSDT", "U": u, "u": u, "pu": u - 1, "b": bids, "a": asks}
    return orjson.dumps({"stream": "btcusdt@depth", "data": data})


def _run(compiled: bool, snapshot: bytes, diffs: list[bytes]) -> tuple[list[Any], dict[str, int], Any]:
    stats = FeedStats()
    parser = StreamParser([(0, BTC)], stats, DropLog(stats), lambda i: None, compiled=compiled)
    out = [b.rows.tolist() for b in parser.on_frame(diffs[0], 7)]
    out += [b.rows.tolist() for b in parser.on_snapshot(0, snapshot, 8)]
    for i, frame in enumerate(diffs[1:]):
        out += [b.rows.tolist() for b in parser.on_frame(frame, 9 + i)]
    book = parser.by_index[0].sync.book
    return out, dict(stats.dropped), (book.depth(1, 1000), book.depth(-1, 1000), stats.gaps)


@settings(max_examples=60, deadline=None)
@given(levels, levels, st.lists(st.tuples(levels, levels), min_size=1, max_size=8))
def test_compiled_and_numpy_paths_agree(snap_b: list[Any], snap_a: list[Any],
                                        diffs: list[tuple[list[Any], list[Any]]]) -> None:
    snapshot = orjson.dumps({"lastUpdateId": 10, "E": 5, "T": 5, "bids": snap_b, "asks": snap_a})
    frames = [_diff(10 + i, b, a) for i, (b, a) in enumerate(diffs)]
    rows, drops, book = _run(True, snapshot, frames)
    want_rows, want_drops, want_book = _run(False, snapshot, frames)
    assert rows == want_rows and book == want_book
    assert sum(drops.values()) == sum(want_drops.values())
    bad = [b + a for b, a in [(snap_b, snap_a), *diffs] if any(not _fine(lv) for lv in b + a)]
    if all(sum(not _fine(lv) for lv in levels) <= 1 for levels in bad):
        assert drops == want_drops  # one fault per message: the same reason too


def _fine(level: list[str]) -> bool:
    price, qty = level
    return "." in price and not price.endswith("5") and not price.startswith("-") and qty not in ("-1", "inf")
