"""``cryptoscalp record``: a profile's feed to the Parquet layout until a duration, Ctrl-C or its end."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptoscalp_core.container import build_components
from cryptoscalp_core.marketdata.bounded import BoundedFeed, feed_metrics, stop_on_signals
from cryptoscalp_core.marketdata.raw import find_raw_source
from cryptoscalp_core.marketdata.recorder import MarketRecorder
from cryptoscalp_core.plugins import PluginHost, default_host
from cryptoscalp_core.profile import ProfileError, ProfileIssue, load_profile


@dataclass(slots=True)
class RecordResult:
    files: dict[str, int]
    feed: dict[str, Any]
    stopped_by: str
    raw_frames: int = 0
    batches: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


async def run_record(profile_path: str | Path, root: Path, *, duration_s: float | None = None,
                     raw: bool = True, host: PluginHost | None = None,
                     stop_event: asyncio.Event | None = None,
                    metrics_port: int | None = None) -> RecordResult:
    host = host or default_host()
    resolved = load_profile(profile_path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    if "feed" not in resolved.components:
        raise ProfileError([ProfileIssue("feed", "recording needs a feed component")], resolved.source)
    _, components = build_components(resolved, host)
    assert components.feed is not None
    venues = {i.venue for i in resolved.instruments}
    raw_source = find_raw_source(components.feed) if raw else None
    recorder = MarketRecorder(root, resolved.instruments,
                              raw_venue=(raw_source.venue if raw_source is not None else None)
                              or (next(iter(venues)) if len(venues) == 1 else "_mixed"))
    if raw_source is not None:
        raw_source.set_raw_sink(recorder.raw)
    stop_event = stop_event or asyncio.Event()
    feed = BoundedFeed(components.feed, duration_s, stop_event)
    if metrics_port is not None:
        from cryptoscalp_core.marketdata.prometheus import serve_feed_metrics

        serve_feed_metrics(components.feed, metrics_port)
    batches = 0
    with stop_on_signals(stop_event):
        await feed.start()
        try:
            async for batch in feed.batches():
                recorder.write(batch.kind, batch.rows)
                batches += 1
        finally:
            await feed.stop()
            if raw_source is not None:
                raw_source.set_raw_sink(None)
            files = recorder.close()
            await components.cache.close()
    return RecordResult(files, feed_metrics(components.feed), feed.stopped_by, recorder.raw_frames, batches)
