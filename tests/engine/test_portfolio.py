"""The strategy's price memory: the last price per instrument in a batch, for one or several instruments."""

from __future__ import annotations

import numpy as np

from cryptoscalp_core.domain.events import QUOTE_DTYPE, TRADE_DTYPE, EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.engine.portfolio import Portfolio
from cryptoscalp_core.ports.market_feed import EventBatch


def instruments(n: int) -> list[Instrument]:
    return [Instrument(venue="t", symbol=f"S{i}", tick_size="0.1", lot_size="0.001") for i in range(n)]


def test_last_trade_per_instrument() -> None:
    rows = np.zeros(6, dtype=TRADE_DTYPE)
    rows["instrument"] = [0, 1, 0, 2, 1, 0]
    rows["price"] = [10, 20, 11, 30, 21, 12]
    book = Portfolio(instruments(3))
    book.observe(EventBatch(EventKind.TRADE, rows), end=4)
    assert book.last_price.tolist() == [11, 20, 30]
    book.observe(EventBatch(EventKind.TRADE, rows))
    assert book.last_price.tolist() == [12, 21, 30]


def test_single_instrument_quotes_and_mid() -> None:
    rows = np.zeros(3, dtype=QUOTE_DTYPE)
    rows["bid_price"], rows["ask_price"] = [9, 10, 11], [10, 11, 13]
    book = Portfolio(instruments(1))
    assert np.isnan(book.mid(0))
    book.observe(EventBatch(EventKind.QUOTE, rows))
    assert (book.best_bid[0], book.best_ask[0], book.mid(0)) == (11, 13, 12)
