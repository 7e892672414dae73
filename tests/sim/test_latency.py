"""Latency models, their determinism by seed, and the timing of arrivals and reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from cryptoscalp_core.domain.orders import Fill, Order, OrderSide
from cryptoscalp_core.sim.config import ConstantLatency, LatencyConfig, LognormalLatency, NormalLatency, SimVenueConfig
from cryptoscalp_core.sim.latency import Channel, LatencySampler
from tests.sim.simkit import BUY, MS, SELL, config, limit, market, snapshot, trades, venue


def draws(model: object, seed: int, n: int = 2000) -> list[int]:
    sampler = LatencySampler(LatencyConfig.model_validate({"entry": model}).entry, np.random.SeedSequence(seed))
    return [sampler.sample() for _ in range(n)]


def test_config_forms() -> None:
    both = SimVenueConfig.model_validate({"latency": {"kind": "lognormal", "median_ms": 3, "sigma": 0.2}})
    assert both.latency.entry == both.latency.response == LognormalLatency(median_ms=3, sigma=0.2)
    split = LatencyConfig.model_validate({"entry": {"kind": "normal", "mean_ms": 8, "jitter_ms": 3},
                                          "response": {"kind": "constant", "ms": 2}})
    assert split.entry == NormalLatency(mean_ms=8, jitter_ms=3) and split.response == ConstantLatency(ms=2)
    assert SimVenueConfig().latency.entry == ConstantLatency(ms=5)
    with pytest.raises(ValidationError):
        SimVenueConfig.model_validate({"latency": {"kind": "gamma", "ms": 1}})
    with pytest.raises(ValidationError):
        SimVenueConfig.model_validate({"latency": {"kind": "replay", "path": "lat.parquet"}})
    with pytest.raises(ValidationError):
        SimVenueConfig.model_validate({"queue_model": "fifo"})


@pytest.mark.parametrize("model", [
    {"kind": "lognormal", "median_ms": 4, "sigma": 0.6},
    {"kind": "normal", "mean_ms": 5, "jitter_ms": 4},
])
def test_sampling_is_deterministic_for_a_seed(model: dict[str, object]) -> None:
    assert draws(model, 7) == draws(model, 7)
    assert draws(model, 7) != draws(model, 8)
    values = np.array(draws(model, 7))
    assert (values >= 0).all()
    if model["kind"] == "lognormal":
        assert np.median(values) == pytest.approx(4 * MS, rel=0.1)
    else:
        assert values.mean() == pytest.approx(5 * MS, rel=0.1)


def test_constant_and_replay(tmp_path: Path) -> None:
    assert set(draws({"kind": "constant", "ms": 1.5}, 0, 10)) == {1_500_000}
    npy, csv = tmp_path / "lat.npy", tmp_path / "lat.csv"
    np.save(npy, np.array([10, 20, 30], dtype=np.int64))
    csv.write_text("# measured\n10,x\n20,y\n30,z\n")
    for path in (npy, csv):
        got = draws({"kind": "replay", "path": str(path)}, 3, 7)
        assert sorted(set(got)) == [10, 20, 30]
        start = got.index(10)  # replayed in order, cyclically, from an offset chosen by the seed
        assert [got[(start + k) % 7] for k in range(3)] == [10, 20, 30]
    bad = tmp_path / "bad.npy"
    np.save(bad, np.array([-1.0]))
    with pytest.raises(ValueError, match="negative"):
        draws({"kind": "replay", "path": str(bad)}, 0, 1)


def test_channel_keeps_messages_in_order() -> None:
    sampler = LatencySampler(LognormalLatency(median_ms=5, sigma=2.0), np.random.SeedSequence(1))
    channel = Channel(sampler)
    arrivals = [channel.arrival(t * 100_000) for t in range(1000)]
    assert arrivals == sorted(arrivals)
    assert all(a >= t * 100_000 for t, a in enumerate(arrivals))


def test_arrival_and_delivery_times() -> None:
    # entry 3 ms, response 2 ms; sent at 10 ms -> arrives at 13 ms, before the book update stamped 13 ms
    # (an arrival goes first among events of its instant), so it takes the 12 ms ask of 100.5; the
    # strategy hears of it at 15 ms.
    sim = venue(latency={"entry": {"kind": "constant", "ms": 3}, "response": {"kind": "constant", "ms": 2}})
    sim.process(snapshot(0, [(990, 1.0)], [(1010, 1.0)]))
    sim.submit(market(OrderSide.BUY, "1"), 10 * MS)
    assert sim.next_due_ts() == 13 * MS
    sim.process(snapshot(12 * MS, [(990, 1.0)], [(1005, 1.0)]))
    sim.process(snapshot(13 * MS, [(990, 1.0)], [(1007, 1.0)]))
    assert sim.next_due_ts() == 15 * MS
    assert sim.drain(15 * MS - 1) == []
    reports = sim.drain(15 * MS)
    fill = next(r for r in reports if isinstance(r, Fill))
    assert (str(fill.price), fill.ts_event, fill.ts_recv) == ("100.5", 13 * MS, 15 * MS)
    assert all(r.ts_updated == 15 * MS for r in reports if isinstance(r, Order))
    assert sim.next_due_ts() is None


def test_same_seed_same_run_and_other_seed_other_timing() -> None:
    def run(seed: int) -> list[Order | Fill]:
        sim = venue(latency={"kind": "lognormal", "median_ms": 2, "sigma": 0.8}, seed=seed)
        sim.process(snapshot(0, [(999, 5.0)], [(1001, 5.0)]))
        for k in range(20):
            sim.submit(limit(OrderSide.BUY if k % 2 else OrderSide.SELL, "100.0", "0.1", cid=f"s{k}"), k * MS)
        sim.process(trades(*[(t * MS, BUY if t % 2 else SELL, 100.0, 0.3) for t in range(1, 60)]))
        sim.advance_to(10**12)
        return sim.drain(10**12)

    assert run(1) == run(1)
    assert [r.ts_recv for r in run(1) if isinstance(r, Fill)] != [r.ts_recv for r in run(2) if isinstance(r, Fill)]


def test_late_arrival_is_counted() -> None:
    # the engine processed rows up to 50 ms before submitting at 10 ms: the order cannot go back in time
    sim = venue()
    sim.process(trades((50 * MS, BUY, 100.0, 1.0)))
    sim.submit(market(OrderSide.BUY, "1"), 10 * MS)
    sim.advance_to(60 * MS)
    assert sim.stats.late_arrivals == 1
    assert config().latency.entry == ConstantLatency(ms=0)
