"""The compiled book path (``cryptoscalp_speedups.textbook``) and the pure-Python path give the same rows,
book, checksum verdicts and drops on the same pushes, good and bad. Skipped only where the compiled
kernels are absent."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from cryptoscalp_exchange_okx.book_sync import BookState, BookSync
from cryptoscalp_exchange_okx.decode import PushDecoder
from cryptoscalp_exchange_okx.kernels import TEXTBOOK
from cryptoscalp_exchange_okx.prices import TickParser
from cryptoscalp_exchange_okx.testing import synthetic_tape
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.ports.market_feed import FeedStats

pytestmark = pytest.mark.skipif(TEXTBOOK is None, reason="cryptoscalp-speedups is not installed")
SYMBOL = "BTC-USDT-SWAP"


def _run(compiled: bool, pushes: list[dict[str, Any]]) -> tuple[list[Any], dict[str, int], Any]:
    stats = FeedStats()
    sync = BookSync(SYMBOL, 0, TickParser(Decimal("0.1")), stats, compiled=compiled)
    decoder = PushDecoder({SYMBOL: 0}, {SYMBOL: sync}, stats, "books")
    out = []
    for push in pushes:
        batch = decoder.decode(copy.deepcopy(push), 5)
        out.append(None if batch is None else (batch.kind, batch.rows.dtype, batch.rows.tobytes()))  # NaN-safe
    # A book that lost sync is only waiting for the next snapshot (the Python path may have applied part
    # of the bad message, the compiled path applies none of it): compared only while it is live.
    book = None
    if sync.state is BookState.LIVE:
        book = (sync.book.depth(True), sync.book.depth(False), sync.book.checksum(), len(sync.book))
    return out, dict(stats.dropped), (book, stats.gaps, stats.resyncs, sync.checksums, sync.state)


TAPE = synthetic_tape(120, seed=3, depth=60, checksum=True)
BAD = [["100.05", "1", "0", "1"], ["-1", "1", "0", "1"], ["100.1", "-3", "0", "1"], ["x", "1", "0", "1"],
       ["100.1", "nan", "0", "1"], ["100.1"]]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(TAPE) - 1), st.sampled_from(BAD), st.booleans()), max_size=4),
       st.lists(st.integers(0, len(TAPE) - 1), max_size=3))
def test_compiled_and_python_paths_agree(faults: list[tuple[int, list[str], bool]], flips: list[int]) -> None:
    pushes = copy.deepcopy(TAPE)
    for at, level, bid in faults:  # a bad level in a book push
        data = pushes[at]["data"][0]
        if "bids" in data:
            data["bids" if bid else "asks"].append(level)
    for at in flips:  # a wrong checksum
        data = pushes[at]["data"][0]
        if data.get("checksum"):
            data["checksum"] ^= 1
    assert _run(True, pushes) == _run(False, pushes)
