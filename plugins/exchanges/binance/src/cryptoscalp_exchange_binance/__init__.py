"""Binance USD-M futures for cryptoscalp: the ``binance-usdm`` market feed, REST signing, instruments.

The fake venue for offline tests is :mod:`cryptoscalp_exchange_binance.testing`.
"""

from cryptoscalp_exchange_binance.config import BinanceFeedConfig
from cryptoscalp_exchange_binance.feed import BinanceUsdmFeed, make_binance_feed
from cryptoscalp_exchange_binance.instruments import VENUE, InstrumentError, instrument_from_symbol
from cryptoscalp_exchange_binance.parser import StreamParser
from cryptoscalp_exchange_binance.signing import RequestSigner, hmac_signature

__all__ = [
    "VENUE",
    "BinanceFeedConfig",
    "BinanceUsdmFeed",
    "InstrumentError",
    "RequestSigner",
    "StreamParser",
    "hmac_signature",
    "instrument_from_symbol",
    "make_binance_feed",
]
