"""cryptoscalp-feed-replay: replay recorded market data through the cryptoscalp pipeline.

* :class:`ReplayFeed` (component ``replay``): raw Binance USD-M WebSocket recordings, the Parquet
  layout of :mod:`.layout`, or OHLCV bars as synthetic trades.
* :func:`write_parquet` / :func:`read_parquet`: the Parquet layout, for recorders and downloaders.
* :func:`read_ohlcv` and :data:`OHLCV_DTYPE`: bar files as structured arrays.
* ``cryptoscalp data download``: Binance's public archive into the Parquet layout.
"""

from cryptoscalp_feed_replay.config import ReplayConfig
from cryptoscalp_feed_replay.feed import ReplayFeed, make_replay_feed
from cryptoscalp_feed_replay.ohlcv import OHLCV_DTYPE, bars_to_trades, read_ohlcv
from cryptoscalp_feed_replay.parquet_io import read_parquet, write_parquet

__all__ = [
    "OHLCV_DTYPE",
    "ReplayConfig",
    "ReplayFeed",
    "bars_to_trades",
    "make_replay_feed",
    "read_ohlcv",
    "read_parquet",
    "write_parquet",
]
