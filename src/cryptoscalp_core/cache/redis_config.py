"""Redis URL handling and settings that need no redis-py (it is an optional dependency)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from cryptoscalp_core.registry import ComponentConfig

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)
REDIS_EXTRA_HINT = "Redis support needs redis-py: pip install 'cryptoscalp-core[redis]'"


def mask_url(url: str) -> str:
    """``url`` with any password (in the user-info or a ``password=`` query item) replaced by ``***``."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        # An unparsable URL might still hold a secret: say nothing about its content.
        return "<unparsable redis url>"
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            url = url.replace(netloc, f"{user}:***@{hostinfo}", 1)
    return _QUERY_PASSWORD.sub(r"\1***", url)


class RedisUrlConfig(ComponentConfig):
    """Base of the Redis components' settings: ``url`` is masked whenever the config is shown."""

    url: str = DEFAULT_REDIS_URL

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, (mask_url(value) if name == "url" and isinstance(value, str) else value)
