"""The simulated venue used by backtest and paper modes (see ``README.md`` in this folder).

:class:`SimVenue` is the exchange, driven synchronously (``submit`` / ``cancel`` / ``process`` /
``advance_to`` / ``drain``); :class:`SimExecutor` puts the async Executor port on top of it for paper
mode; ``component.register`` makes it the ``sim`` executor of a profile.
"""

from cryptoscalp_core.sim.config import (
    ConstantLatency,
    FeesBps,
    LatencyConfig,
    LognormalLatency,
    NormalLatency,
    ReplayLatency,
    SimVenueConfig,
)
from cryptoscalp_core.sim.executor import SimExecutor
from cryptoscalp_core.sim.state import SimStats
from cryptoscalp_core.sim.venue import SimVenue

__all__ = [
    "ConstantLatency",
    "FeesBps",
    "LatencyConfig",
    "LognormalLatency",
    "NormalLatency",
    "ReplayLatency",
    "SimExecutor",
    "SimStats",
    "SimVenue",
    "SimVenueConfig",
]
