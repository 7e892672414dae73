from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from cryptoscalp_core.clocks import LiveClock, SimulatedClock
from cryptoscalp_core.ports.secrets import MissingSecretError, Secret
from cryptoscalp_core.secret_stores import EnvSecretStore, FileSecretStore


def test_env_store_maps_names_and_masks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRYPTOSCALP_SECRET_BINANCE_API_KEY", "abc123-live")
    store = EnvSecretStore()
    secret = store.get("binance.api_key")
    assert secret.reveal() == "abc123-live"
    assert "abc123" not in repr(secret) and "abc123" not in str(secret) and "abc123" not in f"{secret}"
    assert "binance_api_key" in store.names()
    with pytest.raises(MissingSecretError) as info:
        store.get("okx.passphrase")
    assert "CRYPTOSCALP_SECRET_OKX_PASSPHRASE" in str(info.value)
    with pytest.raises(ValueError, match="secret names"):
        store.get("../etc/passwd")


def test_secrets_refuse_pickling() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret("k", "v"))


def test_file_store_refuses_readable_files(tmp_path: Path) -> None:
    (tmp_path / "bybit.api_secret").write_text("s3cret\n")
    os.chmod(tmp_path / "bybit.api_secret", 0o600)
    (tmp_path / "loose").write_text("x")
    os.chmod(tmp_path / "loose", 0o644)
    store = FileSecretStore(tmp_path)
    assert store.get("bybit.api_secret").reveal() == "s3cret"
    assert store.names() == ["bybit.api_secret", "loose"]
    with pytest.raises(PermissionError, match="readable by others"):
        store.get("loose")
    with pytest.raises(MissingSecretError):
        store.get("absent")


def test_simulated_clock_only_moves_forward() -> None:
    clock = SimulatedClock(100)
    clock.advance_to(250)
    assert clock.now_ns() == 250 and clock.is_simulated
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(249)


def test_live_clock_never_decreases(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([1_000, 2_000, 1_500, 3_000])
    monkeypatch.setattr("cryptoscalp_core.clocks.time.time_ns", lambda: next(readings))
    clock = LiveClock()
    assert [clock.now_ns() for _ in range(4)] == [1_000, 2_000, 2_000, 3_000]
