"""Paper trading: the backtest pipeline (:class:`BacktestEngine`) on a live feed, the wall clock and the
simulated venue. It stops after ``duration_s``, on Ctrl-C (SIGINT/SIGTERM) or when the feed ends, then
stores the run and its summary exactly as a backtest does (``mode: paper`` in the run record).

The engine advances its clock to each batch's ``ts_recv``; here that clock is :class:`PaperClock`, which
reads the wall clock and only accepts the engine's advances as a floor, so components asking the time get
real time and the engine never sees time go back.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from pathlib import Path

from cryptoscalp_core.clocks import LiveClock, SimulatedClock
from cryptoscalp_core.container import build_components
from cryptoscalp_core.engine.backtest import BacktestEngine
from cryptoscalp_core.engine.recorder import RunRecorder
from cryptoscalp_core.engine.report import write_report
from cryptoscalp_core.engine.run import BacktestResult, BacktestSetupError, profile_digest, run_results, save_series
from cryptoscalp_core.marketdata.bounded import BoundedFeed, feed_metrics, stop_on_signals
from cryptoscalp_core.marketdata.cached_feed import CachedFeed
from cryptoscalp_core.plugins import PluginHost, default_host
from cryptoscalp_core.ports import FeatureEngine
from cryptoscalp_core.ports.features import FeatureRows
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_core.ports.store import RunRecord
from cryptoscalp_core.profile import ProfileError, ProfileIssue, ResolvedProfile, load_profile


class PaperClock(SimulatedClock):
    """Wall-clock time that the engine may push forward but never back."""

    is_simulated = False

    def __init__(self) -> None:
        super().__init__(0)
        self._wall = LiveClock()

    def now_ns(self) -> int:
        return max(self._wall.now_ns(), self._now)

    def advance_to(self, ts_ns: int) -> None:
        self._now = max(self._now, ts_ns)

    async def sleep_until(self, ts_ns: int) -> None:
        await self._wall.sleep_until(ts_ns)


class PublishingFeatures:
    """A FeatureEngine that also publishes each batch's latest feature row to the market cache."""

    def __init__(self, inner: FeatureEngine, cached: CachedFeed) -> None:
        self.inner, self.cached = inner, cached

    @property
    def names(self) -> tuple[str, ...]:
        return self.inner.names

    @property
    def bad_inputs(self) -> int:
        return self.inner.bad_inputs

    def update(self, batch: EventBatch) -> FeatureRows:
        rows = self.inner.update(batch)
        self.cached.market_cache.observe_features(self.inner.names, rows)
        return rows

    def reset(self) -> None:
        self.inner.reset()


def _find_cached(feed: object) -> CachedFeed | None:
    for _ in range(16):
        if isinstance(feed, CachedFeed):
            return feed
        feed = getattr(feed, "source", None)
        if feed is None:
            return None
    return None


def _require(resolved: ResolvedProfile) -> None:
    missing = [name for name in ("feed", "features", "model", "executor") if name not in resolved.components]
    issues = [ProfileIssue(name, f"paper trading needs a {name} component") for name in missing]
    if resolved.profile.mode != "paper":
        issues.append(ProfileIssue("mode", "cryptoscalp paper runs profiles with mode: paper", resolved.profile.mode))
    if issues:
        raise ProfileError(issues, resolved.source)


def new_paper_run_id() -> str:
    return f"pp-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


async def run_paper(profile_path: str | Path, *, duration_s: float | None = None, host: PluginHost | None = None,
                    output_dir: Path = Path("runs"), stop_event: asyncio.Event | None = None,
                    metrics_port: int | None = None) -> BacktestResult:
    host = host or default_host()
    resolved = load_profile(profile_path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    _require(resolved)
    _, components = build_components(resolved, host)
    assert components.feed and components.features and components.model and components.executor
    venue = getattr(components.executor, "venue", None)
    if venue is None:
        raise BacktestSetupError("paper trading needs the simulated executor (executor: {use: sim})")
    if components.model.requires_fit:
        raise BacktestSetupError(f"model {resolved.components['model'].spec.name!r} must be trained or loaded first")
    if metrics_port is not None:
        from cryptoscalp_core.marketdata.prometheus import serve_feed_metrics

        serve_feed_metrics(components.feed, metrics_port)
    store = components.store
    store.migrate()
    run_id = new_paper_run_id()
    record = RunRecord(run_id=run_id, mode="paper", profile_name=resolved.profile.name or Path(profile_path).stem,
                       profile_digest=profile_digest(resolved), started_ns=time.time_ns())
    store.start_run(record)
    host.notify("cryptoscalp_run_started", run=record)
    stop_event = stop_event or asyncio.Event()
    feed = BoundedFeed(components.feed, duration_s, stop_event)
    cached = _find_cached(components.feed)
    features: FeatureEngine = components.features if cached is None else PublishingFeatures(components.features,
                                                                                          cached)
    engine = BacktestEngine(run_id=run_id, instruments=resolved.instruments, feed=feed, features=features,
                            model=components.model, risk=components.risk, venue=venue,
                            recorder=RunRecorder(store, run_id), clock=PaperClock(),
                            trading=resolved.profile.trading, plugins=host)
    try:
        with stop_on_signals(stop_event):
            stats = await engine.run()
    except BaseException:
        store.finish_run(run_id, status="failed", finished_ns=time.time_ns())
        record.status = "failed"
        host.notify("cryptoscalp_run_stopped", run=record)
        raise
    finally:
        await components.cache.close()
    summary, series, fill_arrays = run_results(engine, venue, resolved, stats)
    summary["feed"] = feed_metrics(components.feed)
    summary["stopped_by"] = feed.stopped_by
    path = save_series(output_dir, run_id, series, fill_arrays)
    run_meta = {"run_id": run_id, "mode": "paper", "profile": str(profile_path),
                "profile_digest": record.profile_digest,
                "instruments": ", ".join(i.id for i in resolved.instruments),
                "components": ", ".join(f"{k}={c.spec.name}" for k, c in resolved.components.items())}
    summary["report"] = str(write_report(output_dir / run_id / "report.html", run=run_meta, summary=summary,
                                         series=series, fills=fill_arrays,
                                         initial_balance=summary["initial_balance"]))
    summary["series"] = str(path)
    summary["run"] = run_meta
    store.save_positions(run_id, list(venue.positions.values()), stats.last_ts)
    # A paper run normally ends by Ctrl-C or its duration: that is a finished run (``stopped_by`` says which)
    store.finish_run(run_id, status="finished", finished_ns=time.time_ns(), summary=summary)
    record.status = "finished"
    record.summary = summary
    host.notify("cryptoscalp_run_stopped", run=record)
    return BacktestResult(run_id, summary, Path(summary["report"]), path)
