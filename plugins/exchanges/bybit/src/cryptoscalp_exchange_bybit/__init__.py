"""Bybit v5 linear perpetuals for cryptoscalp.

The plugin registers the ``bybit`` feed (:class:`~cryptoscalp_exchange_bybit.feed.BybitFeed`) and resolves
``bybit:SYMBOL`` instruments; :mod:`cryptoscalp_exchange_bybit.signing` signs REST and WebSocket auth
requests; :mod:`cryptoscalp_exchange_bybit.testing` is a local fake Bybit for offline tests.
"""

from cryptoscalp_exchange_bybit.config import BybitFeedConfig
from cryptoscalp_exchange_bybit.errors import BybitConfigError, BybitRestError, BybitSubscriptionError
from cryptoscalp_exchange_bybit.feed import BybitFeed, make_bybit_feed
from cryptoscalp_exchange_bybit.signing import BybitSigner

__all__ = ["BybitConfigError", "BybitFeed", "BybitFeedConfig", "BybitRestError", "BybitSigner",
           "BybitSubscriptionError", "make_bybit_feed"]
