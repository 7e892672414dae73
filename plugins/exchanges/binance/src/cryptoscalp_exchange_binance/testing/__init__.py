"""Offline testing kit: a fake Binance USD-M venue on 127.0.0.1 and the tapes it replays.

    tape = Tape.from_file("btcusdt_20240808.gz", limit=20_000)   # or synthetic_tape()
    async with FakeBinanceServer(tape) as venue:
        feed = make_binance_feed(BinanceFeedConfig(ws_url=venue.ws_url, rest_url=venue.rest_url), ...)
        await feed.start()
        await venue.wait_subscribed(4)
        await venue.play()

``python -m cryptoscalp_exchange_binance.testing --tape FILE`` runs one from the command line.
"""

from cryptoscalp_exchange_binance.testing.faults import Faults
from cryptoscalp_exchange_binance.testing.server import FakeBinanceServer
from cryptoscalp_exchange_binance.testing.synthetic import synthetic_tape
from cryptoscalp_exchange_binance.testing.tape import Tape, TapeMessage, write_tape
from cryptoscalp_exchange_binance.testing.threaded import VenueThread
from cryptoscalp_exchange_binance.testing.venue_book import VenueBook

__all__ = ["FakeBinanceServer", "Faults", "Tape", "TapeMessage", "VenueBook", "VenueThread", "synthetic_tape",
           "write_tape"]
