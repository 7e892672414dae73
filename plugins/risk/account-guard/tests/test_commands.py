"""``cryptoscalp risk kill-switch-status`` / ``reset-kill-switch`` against a real SQLite store."""

from __future__ import annotations

from pathlib import Path

from cryptoscalp_risk_account_guard.latch import KillSwitchLatch
from typer.testing import CliRunner

from cryptoscalp_core.cli import build_app
from cryptoscalp_core.storage.sql_store import SqlStore

PROFILE = """
name: desk-a
mode: paper
instruments: ["binance-usdm:BTCUSDT"]
store: {{url: "sqlite:///{db}"}}
risk:
  - {{use: account-guard, max_daily_loss: 100}}
"""


def test_status_and_reset(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    profile = tmp_path / "desk.yaml"
    profile.write_text(PROFILE.format(db=db))
    store = SqlStore(f"sqlite:///{db}")
    store.migrate()
    KillSwitchLatch(store, "desk-a").latch("drawdown", 123, "drawdown 500 from peak 10000")
    store.close()
    runner, app = CliRunner(), build_app()
    status = runner.invoke(app, ["risk", "kill-switch-status", str(profile)])
    assert status.exit_code == 2 and "drawdown" in status.output
    reset = runner.invoke(app, ["risk", "reset-kill-switch", str(profile), "--operator", "bob", "--note", "ok"])
    assert reset.exit_code == 0 and "was latched: drawdown" in reset.output
    assert runner.invoke(app, ["risk", "kill-switch-status", str(profile)]).exit_code == 0
    store = SqlStore(f"sqlite:///{db}")
    last = store.audit_events("kill-switch:desk-a")[-1]
    store.close()
    assert last.kind == "kill_switch_reset" and last.data["operator"] == "bob"


def test_profile_without_a_guard(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text('mode: paper\ninstruments: ["binance-usdm:BTCUSDT"]\n')
    result = CliRunner().invoke(build_app(), ["risk", "reset-kill-switch", str(profile)])
    assert result.exit_code == 1
