"""Everything one instrument carries: bar builders and banks per clock, the depth book, the quote top,
the activity clock, and the last value of every column (for rows emitted between updates)."""

from __future__ import annotations

import numpy as np
from cryptoscalp_speedups.micro.activity import ActivityClock
from cryptoscalp_speedups.micro.bars import BarBuilder, BarClocks
from cryptoscalp_speedups.micro.depth import DepthBook, QuoteTop

from cryptoscalp_features_streaming.bank import BarBank, sum_names
from cryptoscalp_features_streaming.catalogue import FeatureSpec
from cryptoscalp_features_streaming.clocks import parse_clock


class InstrumentState:
    def __init__(self, clocks: dict[str, list[FeatureSpec]], levels: tuple[list[int], list[int]],
                 half_lives: list[float], width: int, max_fill: int) -> None:
        imbalance_levels, ofi_levels = levels
        n_sums = len(sum_names(ofi_levels))
        self.builders: dict[str, BarBuilder] = {}
        self.banks: dict[str, BarBank] = {}
        for name, specs in clocks.items():
            clock = parse_clock(name)
            self.builders[name] = BarBuilder(clock.kind, clock.size, n_sums, max_fill)
            self.banks[name] = BarBank(specs, ofi_levels)
        self.clock_names = list(self.builders)
        self.clocks = BarClocks(list(self.builders.values()))  # every builder in one call per batch
        self.book = DepthBook(imbalance_levels, ofi_levels)
        self.quote = QuoteTop()
        self.activity = ActivityClock(half_lives)
        self.last = np.full(width, np.nan)
