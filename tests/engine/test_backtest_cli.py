"""`cryptoscalp backtest` and `cryptoscalp report` as a user runs them, on the synthetic feed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cryptoscalp_core.storage.sql_store import SqlStore

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cryptoscalp_core", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600, check=False, env={**os.environ, "COLUMNS": "200"})


def test_quickstart_style_backtest_stores_results_and_writes_report(tmp_path: Path) -> None:
    profile = tmp_path / "short.yaml"
    profile.write_text(textwrap.dedent(f"""
        extends: {ROOT / 'examples' / 'profiles' / 'quickstart.yaml'}
        feed: {{use: synthetic, seed: 11, duration_s: 60}}
        risk:
          - {{use: order-sanity, max_notional: 5000, price_band_bps: 50}}
          - {{use: position-limit, max_position: "0.005"}}
        store: {{url: "sqlite:///{tmp_path / 'runs.db'}"}}
    """))
    result = cli("backtest", "-q", str(profile), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    out = result.stdout
    for label in ("Net PnL", "Fees", "Funding", "Trades", "Win rate", "Sharpe", "Max drawdown", "Turnover",
                  "Events/s", "Decision path p50"):
        assert label in out
    run_id = out.split("Backtest ", 1)[1].split()[0]
    report = tmp_path / "out" / run_id / "report.html"
    html = report.read_text()
    assert "data:image/png;base64," in html and run_id in html

    store = SqlStore(f"sqlite:///{tmp_path / 'runs.db'}")
    run = store.get_run(run_id)
    assert run is not None and run.status == "finished"
    fills = store.fills(run_id)
    assert run.summary["trades"] == len(fills)
    # the position limit is half the signal's size: the layer resized every opening order
    assert all(f.qty <= 5 * __import__("decimal").Decimal("0.001") for f in fills)
    assert store.positions(run_id)
    store.close()

    again = cli("report", run_id, "--store", f"sqlite:///{tmp_path / 'runs.db'}", "-o", str(tmp_path / "out"),
                cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert run_id in again.stdout
    missing = cli("report", "bt-nope", "--store", f"sqlite:///{tmp_path / 'runs.db'}", cwd=tmp_path)
    assert missing.returncode == 1 and "no run 'bt-nope'" in missing.stderr


def test_backtest_refuses_non_backtest_profile_without_traceback(tmp_path: Path) -> None:
    profile = tmp_path / "paper.yaml"
    profile.write_text(textwrap.dedent(f"""
        extends: {ROOT / 'examples' / 'profiles' / 'quickstart.yaml'}
        mode: paper
        model: null
    """))
    result = cli("backtest", "-q", str(profile), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "a backtest needs a model component" in result.stderr
    assert "mode: backtest" in result.stderr
