"""Settings, parameter files and overrides, instrument choice, lifecycle errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import pytest
from cryptoscalp_feed_synthetic import parameters as model_params
from cryptoscalp_feed_synthetic.config import SyntheticFeedConfig
from cryptoscalp_feed_synthetic.feed import factory

from cryptoscalp_core.domain.events import EventKind
from cryptoscalp_core.domain.instrument import Instrument


def test_default_params_are_the_shipped_binance_fit() -> None:
    assert "binance-usdm-btcusdt" in model_params.shipped()
    p = model_params.load(None)
    assert p.source["file"] == "btcusdt_20240808.gz" and p.source["symbol"] == "BTCUSDT"
    assert p.hawkes.branching_ratio == pytest.approx(p.diagnostics["hawkes"]["branching_ratio"], rel=1e-4)


def test_unknown_params_name_lists_the_shipped_ones() -> None:
    with pytest.raises(pydantic.ValidationError, match="binance-usdm-btcusdt"):
        SyntheticFeedConfig(params="no-such-set")


def test_params_file_by_path(tmp_path: Path, collect: Any) -> None:
    data = json.loads(model_params.locate(None).read_text())  # type: ignore[union-attr]
    data["hawkes"]["mu"] = [0.0, 0.0]  # no market orders at all
    path = tmp_path / "quiet.json"
    path.write_text(json.dumps(data))
    batches, _ = collect(params=str(path), duration_s=20.0)
    assert not any(b.kind is EventKind.TRADE for b in batches)
    assert any(b.kind is EventKind.QUOTE for b in batches)


@pytest.mark.parametrize(("overrides", "message"), [
    ({"hawkes.gamma": 1.0}, "no parameter 'hawkes.gamma'"),
    ({"levels.9.add_rate": 1.0}, "no parameter 'levels.9'"),
    ({"source.file": 1.0}, "no parameter 'source'"),
    ({"hawkes": 1.0}, "give a number"),
    ({"hawkes.alpha": [[0.9, 0.5], [0.5, 0.9]]}, "branching ratio"),
    ({"levels.0.add_rate": -1.0}, "rates >= 0"),
])
def test_bad_overrides_are_refused_at_validation(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        SyntheticFeedConfig(overrides=overrides)


def test_override_changes_the_flow(collect: Any) -> None:
    base, _ = collect(seed=3, duration_s=60.0)
    busy, _ = collect(seed=3, duration_s=60.0, overrides={"hawkes.mu": [20.0, 20.0]})

    def n_trades(batches: list[Any]) -> int:
        return sum(len(b) for b in batches if b.kind is EventKind.TRADE)

    assert n_trades(busy) > 2 * n_trades(base)


def test_instrument_by_id_and_its_grid(collect: Any, instruments: tuple[Instrument, ...]) -> None:
    batches, _ = collect(seed=1, duration_s=30.0, instrument="okx-swap:BTC-USDT-SWAP")
    deltas = np.concatenate([b.rows for b in batches if b.kind is EventKind.BOOK_DELTA])
    assert (deltas["instrument"] == 2).all()
    lots = deltas["qty"] / float(instruments[2].lot_size)
    assert np.allclose(lots, np.rint(lots))  # whole contracts of 0.01
    # 0.01-BTC contracts: the touch holds ~100x more units than in BTC
    assert np.median(deltas["qty"][deltas["qty"] > 0]) > 1.0
    trades = np.concatenate([b.rows for b in batches if b.kind is EventKind.TRADE])
    ticks = trades["price"] / 0.1
    assert np.allclose(ticks, np.rint(ticks), rtol=0, atol=1e-6)


@pytest.mark.parametrize(("choice", "message"), [(7, "outside"), ("binance-usdm:XRPUSDT", "not in the profile")])
def test_unknown_instrument_is_a_configuration_error(choice: int | str, message: str,
                                                     instruments: tuple[Instrument, ...]) -> None:
    with pytest.raises(ValueError, match=message):
        factory(SyntheticFeedConfig(instrument=choice), instruments=instruments)


def test_price_too_coarse_for_the_tick(instruments: tuple[Instrument, ...]) -> None:
    with pytest.raises(ValueError, match="ticks"):
        factory(SyntheticFeedConfig(mid_price=50.0), instruments=instruments)


def test_lifecycle_errors_and_restart(instruments: tuple[Instrument, ...]) -> None:
    feed = factory(SyntheticFeedConfig(seed=4, duration_s=5.0), instruments=instruments)
    with pytest.raises(RuntimeError, match="start"):
        feed.batches()

    async def run() -> list[bytes]:
        await feed.start()
        iterator = feed.batches()
        with pytest.raises(RuntimeError, match="once per start"):
            feed.batches()
        rows = [b.rows.tobytes() async for b in iterator]
        await feed.stop()
        return rows

    first = asyncio.run(run())
    events = feed.stats.events
    second = asyncio.run(run())  # a restart is a fresh run of the same seed
    assert first == second and feed.stats.events == events


def test_near_zero_baseline_does_not_stall(collect: Any) -> None:
    """A Hawkes block with no order ends in a no-op step; a tiny rate must not trigger a long search."""
    batches, _ = collect(seed=1, duration_s=120.0, overrides={"hawkes.mu": [1e-12, 1e-12]})
    assert not any(b.kind is EventKind.TRADE for b in batches)


def test_market_orders_alone_move_the_book(collect: Any) -> None:
    """With every add and cancel rate at zero the book's total rate is zero between market orders."""
    silent = {f"levels.{k}.{name}": 0.0 for k in range(5) for name in ("add_rate", "cancel_rate")}
    batches, _ = collect(seed=2, duration_s=30.0, overrides=silent)
    kinds = {b.kind for b in batches}
    assert EventKind.TRADE in kinds and EventKind.QUOTE in kinds
