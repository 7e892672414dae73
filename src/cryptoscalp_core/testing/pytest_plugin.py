"""pytest plugin shipped with cryptoscalp-core (entry point ``pytest11``).

It provides the service fixtures (:mod:`cryptoscalp_core.testing.services`) to every test suite,
core's and third-party plugins' alike. The conformance suites live in
:mod:`cryptoscalp_core.testing.conformance` and are used by subclassing.
"""

from __future__ import annotations

from cryptoscalp_core.testing.services import market_data_dir, postgres_url, redis_prefix, redis_url

__all__ = ["market_data_dir", "postgres_url", "redis_prefix", "redis_url"]
