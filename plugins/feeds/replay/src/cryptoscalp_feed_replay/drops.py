"""Counted, logged drops: bad input never stops a replay, and never disappears silently."""

from __future__ import annotations

import logging

from cryptoscalp_core.ports.market_feed import FeedStats

log = logging.getLogger("cryptoscalp_feed_replay")


class DropLog:
    """Counts drops in :attr:`FeedStats.dropped` and logs each reason once.

    The first drop of a reason is logged with its context (file and line), so the cause can be found;
    the rest are only counted, and :meth:`summary` logs every reason with its total at the end. A
    corrupt file of a million lines thus gives a handful of log lines, not a million.
    """

    #: Reasons that are part of normal operation (the sync procedure, a profile's choice of symbols):
    #: logged at INFO, the others at WARNING.
    ROUTINE = frozenset({"pre_snapshot", "redundant_snapshot", "not_subscribed"})

    def __init__(self, stats: FeedStats) -> None:
        self.stats = stats
        self._seen: set[str] = set()

    def drop(self, reason: str, where: str = "", n: int = 1) -> None:
        if n <= 0:
            return
        self.stats.drop(reason, n)
        if reason not in self._seen:
            self._seen.add(reason)
            level = logging.INFO if reason in self.ROUTINE else logging.WARNING
            log.log(level, "replay: dropped %d event(s): %s%s (further drops for this reason are only counted)",
                    n, reason, f" at {where}" if where else "")

    def summary(self) -> None:
        for reason, count in sorted(self.stats.dropped.items()):
            log.info("replay: %d event(s) dropped: %s", count, reason)
