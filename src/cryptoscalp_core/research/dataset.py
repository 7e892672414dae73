"""Feature rows from a profile's feed and feature engine, with the price path that labels are cut from.

The feature engine sees the events exactly as in a backtest (same components, same batches), so a row at
``ts`` depends only on events received by ``ts`` (the FeatureEngine contract): what a model is trained on
is what it will see when it trades.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.container import build_components
from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.plugins import PluginHost, default_host
from cryptoscalp_core.profile import load_profile


@dataclass(frozen=True, slots=True)
class Dataset:
    """``X[i]`` (columns ``names``) as of ``ts[i]`` for instrument ``instrument[i]``; ``prices`` maps an
    instrument index to its ``(ts, price)`` path (mid where quotes exist, else trades)."""

    names: tuple[str, ...]
    X: npt.NDArray[np.float64]
    ts: npt.NDArray[np.int64]
    instrument: npt.NDArray[np.uint16]
    prices: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]
    events: int

    def __len__(self) -> int:
        return len(self.ts)

    def price_path(self, instrument: int = 0) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        return self.prices[instrument]

    def rows_of(self, instrument: int) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.instrument == instrument)

    @property
    def time_range(self) -> tuple[int, int]:
        return (int(self.ts[0]), int(self.ts[-1])) if len(self.ts) else (0, 0)


class _PricePath:
    def __init__(self, n: int) -> None:
        self.trades: list[list[npt.NDArray[np.void]]] = [[] for _ in range(n)]
        self.quotes: list[list[npt.NDArray[np.void]]] = [[] for _ in range(n)]

    def add(self, kind: EventKind, rows: npt.NDArray[np.void]) -> None:
        target = self.trades if kind is EventKind.TRADE else self.quotes if kind is EventKind.QUOTE else None
        if target is None:
            return
        for inst in np.unique(rows["instrument"]):
            target[int(inst)].append(rows[rows["instrument"] == inst])

    def paths(self) -> dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
        out = {}
        for inst, (trades, quotes) in enumerate(zip(self.trades, self.quotes, strict=True)):
            if quotes:
                q = np.concatenate(quotes)
                mid = (q["bid_price"] + q["ask_price"]) / 2.0
                ok = np.isfinite(mid) & (q["bid_price"] > 0) & (q["ask_price"] >= q["bid_price"])
                out[inst] = (q["ts_recv"][ok].astype(np.int64), mid[ok].astype(np.float64))
            elif trades:
                t = np.concatenate(trades)
                out[inst] = (t["ts_recv"].astype(np.int64), t["price"].astype(np.float64))
            else:
                out[inst] = (np.empty(0, np.int64), np.empty(0, np.float64))
        return out


async def build_dataset(profile_path: str | Path, *, host: PluginHost | None = None,
                        max_events: int | None = None) -> Dataset:
    """Run the profile's feed through its feature engine and collect every emitted row."""
    host = host or default_host()
    resolved = load_profile(profile_path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    _, components = build_components(resolved, host)
    feed, features = components.feed, components.features
    if feed is None or features is None:
        raise ValueError("building a dataset needs a feed and a features component in the profile")
    prices = _PricePath(len(resolved.instruments))
    parts_x, parts_ts, parts_inst = [], [], []
    events = 0
    await feed.start()
    try:
        async for batch in feed.batches():
            events += len(batch)
            prices.add(EventKind(batch.kind), batch.rows)
            rows = features.update(batch)
            if len(rows):
                parts_x.append(rows.values)
                parts_ts.append(rows.ts)
                parts_inst.append(rows.instrument)
            if max_events is not None and events >= max_events:
                break
    finally:
        await feed.stop()
    width = len(features.names)
    return Dataset(names=tuple(features.names),
                   X=np.concatenate(parts_x) if parts_x else np.empty((0, width)),
                   ts=np.concatenate(parts_ts) if parts_ts else np.empty(0, np.int64),
                   instrument=np.concatenate(parts_inst) if parts_inst else np.empty(0, np.uint16),
                   prices=prices.paths(), events=events)
