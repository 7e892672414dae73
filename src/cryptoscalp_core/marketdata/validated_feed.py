"""``validated``: any feed's batches through the :class:`DataValidator` (drops counted and logged)."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator

from cryptoscalp_core.marketdata.validator import DataValidator
from cryptoscalp_core.marketdata.validator_config import ValidatorConfig
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats, MarketFeed

log = logging.getLogger(__name__)


class DropLog:
    """Logs drops at most once per rule per ``interval_s``, with the count since the last line."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._last: dict[str, float] = {}
        self._since: dict[str, int] = {}

    def record(self, source: str, dropped: dict[str, int]) -> None:
        now = time.monotonic()
        for rule, n in dropped.items():
            self._since[rule] = self._since.get(rule, 0) + n
            if now - self._last.get(rule, -1e18) >= self.interval_s:
                log.warning("%s: dropped %d row(s) for %s since the last report", source, self._since[rule], rule)
                self._last[rule] = now
                self._since[rule] = 0


class ValidatedFeed:
    """Wraps ``source``: yields only rows the validator accepts; ``stats`` adds its drops to the source's."""

    def __init__(self, source: MarketFeed, config: ValidatorConfig, n_instruments: int, name: str = "") -> None:
        self.source = source
        self.validator = DataValidator(config, n_instruments)
        self._config, self._n = config, n_instruments
        self._name = name or type(source).__name__
        self._log = DropLog(config.log_interval_s)
        self._stats = FeedStats()

    @property
    def stats(self) -> FeedStats:
        inner = self.source.stats
        st = self._stats
        st.gaps, st.resyncs, st.reconnects = inner.gaps, inner.resyncs, inner.reconnects
        dropped = dict(inner.dropped)
        for rule, n in self.validator.dropped.items():
            dropped[rule] = dropped.get(rule, 0) + n
        st.dropped = dropped
        return st

    async def start(self) -> None:
        await self.source.start()

    async def stop(self) -> None:
        await self.source.stop()

    def batches(self) -> AsyncIterator[EventBatch]:
        return self._run()

    async def _run(self) -> AsyncIterator[EventBatch]:
        check, st = self.validator.check, self._stats
        async for batch in self.source.batches():
            rows, dropped = check(batch.rows)
            if dropped:
                self._log.record(self._name, dropped)
            if not len(rows):
                continue
            st.events += len(rows)
            st.batches += 1
            yield batch if rows is batch.rows else type(batch)(batch.kind, rows)

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {f"anomaly.{k}": v for k, v in self.validator.anomalies.items()}
        out["clock_offset_ms"] = self.validator.clock.offset_ns / 1e6
        out["clock_offset_spread_ms"] = self.validator.clock.spread_ns / 1e6
        inner = getattr(self.source, "metrics", None)
        if callable(inner):
            out.update(inner())
        return out
