"""Synthetic market feed: Hawkes market orders on a queue-reactive limit order book.

The component ``synthetic`` (kind ``feed``) is registered by :mod:`cryptoscalp_feed_synthetic.plugin`;
the model and its estimation from a real recording are described in the distribution's README.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cryptoscalp-feed-synthetic")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
