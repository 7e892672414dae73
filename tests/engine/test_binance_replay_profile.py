"""The example Binance replay profile on the real recording."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]
ROOT = Path(__file__).resolve().parents[2]


def test_binance_replay_profile_runs_on_real_recording(tmp_path: Path, market_data_dir: Path) -> None:
    recording = market_data_dir / "binance-usdm" / "hftbacktest" / "btcusdt_20240808.gz"
    with gzip.open(recording, "rt") as fh:
        trades = sum(1 for line in fh if "@trade" in line)
    env = {**os.environ, "CRYPTOSCALP_RECORDING": str(recording), "COLUMNS": "200",
           "CRYPTOSCALP_DB_URL": f"sqlite:///{tmp_path / 'runs.db'}"}
    result = subprocess.run([sys.executable, "-m", "cryptoscalp_core", "backtest", "-q",
                             str(ROOT / "examples" / "profiles" / "binance-replay.yaml"), "-o", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    events = int(next(line for line in result.stdout.splitlines() if "Events " in line and "/s" not in line)
                 .split("│")[2].strip().replace(",", ""))
    # every trade reaches the engine, plus quotes and the synchronised book
    assert events > trades
    assert "report:" in result.stdout
