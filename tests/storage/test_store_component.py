"""The ``store: sqlalchemy`` component: registration, settings, a factory that does no I/O."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from cryptoscalp_core.ports.store import Store
from cryptoscalp_core.registry import ComponentConfig, ComponentKind, ComponentRegistry
from cryptoscalp_core.storage import SqlStore
from cryptoscalp_core.storage.component import SqlStoreConfig, register


@pytest.fixture
def registry() -> ComponentRegistry:
    registry = ComponentRegistry()
    register(registry)
    return registry


def test_registered_as_the_sqlalchemy_store(registry: ComponentRegistry) -> None:
    spec = registry.get(ComponentKind.STORE, "sqlalchemy")
    assert spec.config is SqlStoreConfig
    assert issubclass(spec.config, ComponentConfig)
    assert spec.description  # shown by the CLI's component listing
    assert registry.names(ComponentKind.STORE) == ["sqlalchemy"]


def test_defaults() -> None:
    config = SqlStoreConfig()
    assert config.url == "sqlite:///runs/cryptoscalp.db"
    assert config.echo is False
    assert config.pool_size >= 1


def test_factory_builds_a_store_without_touching_disk_or_network(
    registry: ComponentRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = registry.get(ComponentKind.STORE, "sqlalchemy")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the factory opened a connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    folder = tmp_path / "not-yet"
    sqlite_store = spec.factory(spec.config(url=f"sqlite:///{folder}/x.db"))
    pg_store = spec.factory(spec.config.model_validate(
        {"url": "postgresql+psycopg://u:pw@db.invalid:5432/cs", "pool_size": 3}))
    assert isinstance(sqlite_store, SqlStore)
    assert isinstance(pg_store, Store)
    assert not folder.exists()


def test_relative_sqlite_path_is_created_lazily(registry: ComponentRegistry, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = registry.get(ComponentKind.STORE, "sqlalchemy")
    store = spec.factory(spec.config())
    assert not (tmp_path / "runs").exists()
    try:
        store.migrate()
        assert (tmp_path / "runs" / "cryptoscalp.db").is_file()
    finally:
        store.close()


@pytest.mark.parametrize("url", ["not a url", "postgres+nodriver://u@h/db", "://", ""])
def test_bad_urls_fail_validation_clearly(url: str) -> None:
    with pytest.raises(ValidationError, match="database URL"):
        SqlStoreConfig(url=url)


def test_validation_errors_and_reprs_hide_the_password() -> None:
    with pytest.raises(ValidationError) as info:
        SqlStoreConfig(url="postgres+nodriver://trader:hunter2-secret@db/cs")
    assert "hunter2-secret" not in str(info.value)
    config = SqlStoreConfig(url="postgresql+psycopg://trader:hunter2-secret@db/cs")
    assert "hunter2-secret" not in repr(config)
    assert "hunter2-secret" not in str(config)
    store = SqlStore(config.url)
    assert repr(store) == "SqlStore('postgresql+psycopg://trader:***@db/cs')"


@pytest.mark.parametrize(("field", "value"), [("pool_size", 0), ("max_overflow", -1), ("unknown", 1)])
def test_bad_settings_are_refused(field: str, value: int) -> None:
    with pytest.raises(ValidationError, match=field):
        SqlStoreConfig.model_validate({field: value})
