"""The CLI as a user runs it: a real subprocess, exit codes, and no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cryptoscalp_core", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, check=False)


def test_version_and_plugins_json() -> None:
    result = run("version")
    assert result.returncode == 0 and result.stdout.startswith("cryptoscalp-core ")
    result = run("plugins", "--json")
    data = json.loads(result.stdout)
    core = next(p for p in data["plugins"] if p["name"] == "core")
    assert {"kind": "store", "name": "sqlalchemy"} in [{k: c[k] for k in ("kind", "name")}
                                                       for c in core["components"]]


def test_example_profiles_are_valid() -> None:
    profiles = sorted(str(p) for p in (ROOT / "examples" / "profiles").glob("*.yaml"))
    assert profiles, "examples/profiles has no profile"
    result = run("profile", "check", *profiles)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("ok ") == len(profiles)


def test_broken_profile_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent("""
        mode: backtest
        instruments: [{id: "test:BTCUSDT", tick_size: 0, lot_size: "0.001"}]
        cache: {use: memcached}
    """))
    result = run("profile", "check", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "instruments[0].tick_size" in result.stderr
    assert "unknown cache component 'memcached'" in result.stderr


def test_broken_plugin_is_listed_with_its_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "cs_cli_broken-0.1.dist-info").mkdir(parents=True)
    (site / "cs_cli_broken-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: cs-cli-broken\n"
                                                                     "Version: 0.1\n")
    (site / "cs_cli_broken-0.1.dist-info" / "entry_points.txt").write_text("[cryptoscalp]\nbroken = cs_cli_broken\n")
    (site / "cs_cli_broken.py").write_text("raise ImportError('needs libfoo')\n")
    env = {"PYTHONPATH": str(site)}
    result = run("plugins", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "broken" in result.stdout and "needs libfoo" in result.stdout
    # the other plugins still load and the CLI still works
    assert run("profile", "check", str(ROOT / "examples" / "profiles" / "quickstart.yaml"), env=env).returncode == 0
    # and the operator can switch the broken plugin off
    assert run("plugins", env={**env, "CRYPTOSCALP_DISABLED_PLUGINS": "broken"}).returncode == 0


def test_plugins_add_commands_through_the_hook(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "cs_cli_cmd-0.2.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cs-cli-cmd\nVersion: 0.2\n")
    (info / "entry_points.txt").write_text("[cryptoscalp]\ngreeter = cs_cli_cmd\n")
    (site / "cs_cli_cmd.py").write_text(textwrap.dedent("""
        from cryptoscalp_core import hookimpl

        @hookimpl
        def cryptoscalp_register_commands(app):
            @app.command("greet")
            def greet(name: str) -> None:
                print(f"hello {name} from a plugin")
    """))
    result = run("greet", "desk", env={"PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello desk from a plugin"
