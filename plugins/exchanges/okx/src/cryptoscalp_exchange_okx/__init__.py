"""OKX v5 market data for cryptoscalp: the ``okx`` feed, instrument metadata, signing and a fake server."""

from cryptoscalp_exchange_okx.book import OkxBook
from cryptoscalp_exchange_okx.book_sync import BookState, BookSync
from cryptoscalp_exchange_okx.checksum import okx_checksum
from cryptoscalp_exchange_okx.config import OkxFeedConfig
from cryptoscalp_exchange_okx.feed import OkxFeed, make_okx_feed
from cryptoscalp_exchange_okx.instruments import instrument_from_okx
from cryptoscalp_exchange_okx.signing import OkxSigner

__all__ = ["BookState", "BookSync", "OkxBook", "OkxFeed", "OkxFeedConfig", "OkxSigner", "instrument_from_okx",
           "make_okx_feed", "okx_checksum"]
