"""The seven risk layers stacked in a real backtest: per-layer counts add up, every rejection is an audit
event with its layer and reason, the report shows the table, and a tripped kill switch flattens."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from cryptoscalp_core.engine.run import run_backtest
from cryptoscalp_core.storage.sql_store import SqlStore

EXAMPLES = Path(__file__).parents[2] / "examples" / "profiles"
LAYERS = ["order-sanity", "position-limit", "portfolio-exposure", "account-guard", "volatility-stops",
          "dynamic-leverage", "throughput-breaker"]

pytest.importorskip("cryptoscalp_risk_account_guard", reason="the risk plugins are not installed")


def _run(tmp_path: Path, extra: str = "") -> tuple[dict, SqlStore]:  # type: ignore[type-arg]
    db = tmp_path / "runs.db"
    profile = tmp_path / "p.yaml"
    profile.write_text(f"extends: {EXAMPLES / 'risk-stack.yaml'}\nfeed: {{use: synthetic, seed: 11, duration_s: 45}}\n"
                       f"store: {{url: \"sqlite:///{db}\"}}\n{extra}")
    result = anyio.run(lambda: run_backtest(profile, output_dir=tmp_path / "out"))
    store = SqlStore(f"sqlite:///{db}")
    return {"run_id": result.run_id, **result.summary}, store


def test_counts_audit_and_report(tmp_path: Path) -> None:
    summary, store = _run(tmp_path)
    layers = summary["risk_layers"]
    assert list(layers) == LAYERS
    totals = [c["allowed"] + c["resized"] + c["rejected"] for c in layers.values()]
    passed = [c["allowed"] + c["resized"] for c in layers.values()]
    assert totals[0] > 0
    assert totals[1:] == passed[:-1], "each layer sees exactly what the one before let through"
    assert passed[-1] <= summary["orders"]  # protective exits are orders too, but are not checked
    rejected = sum(c["rejected"] for c in layers.values())
    assert rejected == sum(summary["risk_rejections"].values())
    events = store.audit_events(summary["run_id"], "risk_reject")
    store.close()
    assert len(events) == rejected
    by_layer: dict[str, int] = {}
    for e in events:
        assert e.data["reason"] in layers[e.source]["reasons"]
        by_layer[e.source] = by_layer.get(e.source, 0) + 1
    assert by_layer == {k: c["rejected"] for k, c in layers.items() if c["rejected"]}
    html = Path(summary["report"]).read_text()
    assert "<h2>Risk layers</h2>" in html and all(f"<th>{name}</th>" in html for name in LAYERS)


def test_kill_switch_flattens_and_latches(tmp_path: Path) -> None:
    guard = ("risk:\n  - {use: order-sanity, max_notional: 5000, price_band_bps: 50}\n"
             "  - {use: account-guard, max_drawdown_pct: 0.001}\n"
             "  - {use: throughput-breaker, max_data_age_ms: 5000}\n")
    summary, store = _run(tmp_path, guard)
    layer = summary["risk_layers"]["account-guard"]
    assert layer["metrics"]["trip.drawdown"] == 1
    assert layer["protective"].get("flatten:kill_switch", 0) >= 1
    assert layer["rejected"] == layer["reasons"].get("kill_switch", 0) > 0
    protect = store.audit_events(summary["run_id"], "risk_protect")
    positions = store.positions(summary["run_id"])
    store.close()
    assert any(e.source == "account-guard" and e.data["action"] == "flatten" for e in protect)
    assert all(p.qty == 0 for p in positions), "the kill switch leaves the account flat"
