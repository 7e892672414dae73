"""Fixtures for tests that need real services (PostgreSQL, Redis) or the real market-data folder.

Where a service is unreachable the test is skipped with the reason, except when ``CI=true`` (or
``CRYPTOSCALP_REQUIRE_SERVICES=1``): then it fails, so a CI run can never pass by skipping them.
The real data folder follows the same rule with ``CRYPTOSCALP_REQUIRE_DATA=1``.

Environment:
``CRYPTOSCALP_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
``CRYPTOSCALP_TEST_REDIS_URL``    (default ``redis://127.0.0.1:6379/15``)
``CRYPTOSCALP_DATA``              (default ``../shared/data`` relative to the current directory)
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

POSTGRES_ENV = "CRYPTOSCALP_TEST_POSTGRES_URL"
REDIS_ENV = "CRYPTOSCALP_TEST_REDIS_URL"
DATA_ENV = "CRYPTOSCALP_DATA"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def services_required() -> bool:
    return _truthy("CI") or _truthy("CRYPTOSCALP_REQUIRE_SERVICES")


def data_required() -> bool:
    return _truthy("CRYPTOSCALP_REQUIRE_DATA")


def _reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"{host}:{port} unreachable ({exc})"


def require_service(name: str, url: str, default_port: int) -> str:
    problem = _reachable(url, default_port)
    if problem is not None:
        message = f"{name} needed by this test: {problem}; set the URL or start the server"
        if services_required():
            pytest.fail(f"{message} (required because CI=true)", pytrace=False)
        pytest.skip(message)
    return url


def shared_data_dir() -> Path | None:
    path = Path(os.environ.get(DATA_ENV, "../shared/data")).expanduser()
    return path.resolve() if path.is_dir() else None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of a reachable PostgreSQL server (skip, or fail under CI, when there is none)."""
    return require_service("PostgreSQL", os.environ.get(POSTGRES_ENV, DEFAULT_POSTGRES), 5432)


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a reachable Redis server (skip, or fail under CI, when there is none)."""
    return require_service("Redis", os.environ.get(REDIS_ENV, DEFAULT_REDIS), 6379)


@pytest.fixture(scope="session")
def market_data_dir() -> Path:
    """The real market-data folder (see its README); skip, or fail when required, if it is absent."""
    path = shared_data_dir()
    if path is None:
        message = f"real market data not found: set {DATA_ENV} to the data folder"
        if data_required():
            pytest.fail(f"{message} (required because CRYPTOSCALP_REQUIRE_DATA=1)", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key/stream prefix no other test uses; every key under it is deleted afterwards."""
    import redis  # the optional ``redis`` extra: only tests that use Redis need it

    prefix = f"cryptoscalp-test:{uuid.uuid4().hex}:"
    yield prefix
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
