"""Core plus one plugin in a fresh virtualenv: only that plugin's components exist there.

This is what a user who installs only what they need gets. It builds real wheels and installs them
with their dependencies, so it is slow (about a minute) and runs in CI, not on every edit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugins" / "risk" / "position-limit"
OTHER_PLUGINS = ["order-sanity", "example-ridge"]


def test_core_plus_one_plugin_in_fresh_venv(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(ROOT / "constraints.txt"), str(ROOT), str(PLUGIN)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    listing = subprocess.run([str(env_dir / "bin" / "cryptoscalp"), "plugins", "--json"],
                             capture_output=True, text=True, timeout=120, check=False)
    assert listing.returncode == 0, listing.stderr
    data = json.loads(listing.stdout)
    assert {p["name"] for p in data["plugins"]} == {"core", "position-limit"}
    risk = [c["name"] for p in data["plugins"] for c in p["components"] if c["kind"] == "risk"]
    assert risk == ["position-limit"]
    assert not set(OTHER_PLUGINS) & {c["name"] for p in data["plugins"] for c in p["components"]}

    # The installed wheel is independent of this source tree.
    where = subprocess.run([str(python), "-c", "import cryptoscalp_core; print(cryptoscalp_core.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path)
    assert str(env_dir) in where.stdout and str(ROOT / "src") not in where.stdout
    missing = subprocess.run([str(python), "-c", "import cryptoscalp_risk_order_sanity"],
                             capture_output=True, text=True, check=False, cwd=tmp_path)
    assert missing.returncode != 0 and "ModuleNotFoundError" in missing.stderr
    assert sys.prefix != str(env_dir)
