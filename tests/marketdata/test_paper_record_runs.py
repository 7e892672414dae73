"""`run_paper` and `run_record` in process on the synthetic feed: duration, Ctrl-C (stop event), stored
results, feed counters in the summary; the example profiles pass `profile check`."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

from cryptoscalp_core.engine.paper import run_paper
from cryptoscalp_core.marketdata.record_run import run_record
from cryptoscalp_core.storage.sql_store import SqlStore

pytest.importorskip("cryptoscalp_feed_synthetic", reason="needs the synthetic feed plugin")
ROOT = Path(__file__).resolve().parents[2]


def _profile(tmp_path: Path, mode: str = "paper") -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(f"""
        extends: {ROOT / 'examples' / 'profiles' / 'shared' / 'base.yaml'}
        mode: {mode}
        feed: {{use: market-cache, source: {{use: validated, source: {{use: synthetic, seed: 4, duration_s: 3600}}}}}}
        features: {{use: basic, ema_spans: [20, 100]}}
        model: {{use: ema-cross, fast: trade_ema_20, slow: trade_ema_100}}
        executor: {{use: sim, initial_balance: 10000}}
        store: {{url: "sqlite:///{tmp_path / 'runs.db'}"}}
    """))
    return path


async def test_paper_stops_on_the_stop_event_and_stores_the_run(tmp_path: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(1.0, stop.set)  # what Ctrl-C does
    started = loop.time()
    result = await run_paper(_profile(tmp_path), duration_s=30, output_dir=tmp_path / "out", stop_event=stop)
    assert loop.time() - started < 10
    assert result.summary["stopped_by"] == "signal"
    feed = result.summary["feed"]
    assert feed["events"] > 0 and {"gaps", "resyncs", "reconnects", "dropped", "cache_writes"} <= set(feed)
    store = SqlStore(f"sqlite:///{tmp_path / 'runs.db'}")
    try:
        run = store.get_run(result.run_id)
    finally:
        store.close()
    assert run is not None and run.mode == "paper" and run.status == "finished"
    assert result.report.exists()


async def test_paper_refuses_a_backtest_profile(tmp_path: Path) -> None:
    from cryptoscalp_core.profile import ProfileError

    with pytest.raises(ProfileError, match="mode: paper"):
        await run_paper(_profile(tmp_path, "backtest"), duration_s=1, output_dir=tmp_path / "out")


async def test_record_stops_after_duration_and_writes_the_layout(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    result = await run_record(_profile(tmp_path), tmp_path / "data", duration_s=1.0)
    assert result.stopped_by == "duration"
    assert result.files and all(Path(p).exists() for p in result.files)
    assert sum(result.files.values()) == result.feed["events"]


def test_example_profiles_pass_profile_check() -> None:
    from cryptoscalp_core.plugins import PluginHost
    from cryptoscalp_core.profile import load_profile

    host = PluginHost()
    if "binance-usdm" not in host.registry.names("feed"):
        pytest.skip("the Binance plugin is not installed")
    for name in ("record-binance.yaml", "paper-binance.yaml"):
        resolved = load_profile(ROOT / "examples" / "profiles" / name, host.registry,
                                resolver=host.hook.cryptoscalp_resolve_instrument, env={})
        assert resolved.components["feed"].spec.name in ("validated", "market-cache")
