"""``cryptoscalp profile check`` accepts a profile that uses the feed and a plain ``binance-usdm:SYMBOL``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROFILE = """
mode: paper
instruments: ["binance-usdm:BTCUSDT", "binance-usdm:ETHUSDT"]
feed:
  use: binance-usdm
  ws_url: ws://127.0.0.1:18080
  rest_url: http://127.0.0.1:18080
  trades: trade
  depth_speed: 100ms
store: {url: "sqlite:///:memory:"}
"""


def test_profile_check_accepts_the_feed(tmp_path: Path) -> None:
    path = tmp_path / "paper-binance.yaml"
    path.write_text(PROFILE)
    cli = Path(sys.executable).with_name("cryptoscalp")
    done = subprocess.run([str(cli), "profile", "check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_profile_check_names_a_bad_setting(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(PROFILE.replace("depth_speed: 100ms", "depth_speed: 7ms"))
    cli = Path(sys.executable).with_name("cryptoscalp")
    done = subprocess.run([str(cli), "profile", "check", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "depth_speed" in done.stdout + done.stderr
