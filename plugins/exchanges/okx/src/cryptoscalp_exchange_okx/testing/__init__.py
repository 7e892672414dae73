"""Offline testing kit: a fake OKX v5 public endpoint and the tapes it plays (see :mod:`.server`)."""

from cryptoscalp_exchange_okx.testing.server import FakeOkxServer, Faults
from cryptoscalp_exchange_okx.testing.tape import (
    VenueBook,
    load_recording,
    swap_instrument_row,
    synthetic_tape,
)
from cryptoscalp_exchange_okx.testing.threaded import ThreadedFakeOkxServer

__all__ = ["FakeOkxServer", "Faults", "ThreadedFakeOkxServer", "VenueBook", "load_recording",
           "swap_instrument_row", "synthetic_tape"]
