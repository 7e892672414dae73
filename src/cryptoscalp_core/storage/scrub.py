"""Make JSON documents safe to persist: no secrets, nothing a JSON column cannot hold.

Secrets are recognised two ways: a :class:`~cryptoscalp_core.ports.secrets.Secret` object anywhere in the
document, and any value stored under a key whose name looks secret (``api_key``, ``X-MBX-APIKEY``,
``passphrase``, ``accessToken``, ``signature``…), whatever the value's type, so a nested dict of
credentials disappears as a whole.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from cryptoscalp_core.ports.secrets import Secret

MASK = "***"
SECRET_KEY = re.compile(r"key|secret|password|passphrase|token|signature", re.IGNORECASE)


def is_secret_key(key: object) -> bool:
    return isinstance(key, str) and SECRET_KEY.search(key) is not None


def _enc_hook(obj: Any) -> Any:
    if isinstance(obj, Secret):
        return MASK
    # Unknown objects are kept as text rather than refused: losing an audit event is worse. A Secret
    # nested inside one is already masked by its own repr.
    return str(obj)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: MASK if is_secret_key(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        # JSON has no NaN/Infinity and PostgreSQL refuses them; keep the information as text.
        return repr(value)
    return value


def scrub_document(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """A JSON-ready deep copy of ``data`` with secrets replaced by ``"***"``.

    Decimals, enums, datetimes, structs and dataclasses become JSON builtins (a Decimal becomes its
    exact string), tuples and sets become lists, and mapping keys become strings.
    """
    if not data:
        return {}
    # to_builtins walks structs, dataclasses and nested containers; Secret objects reach enc_hook there,
    # so even a Secret under an innocent key, or used as a dict key, never survives.
    plain = msgspec.to_builtins(dict(data), enc_hook=_enc_hook, str_keys=True)
    scrubbed = _scrub(plain)
    assert isinstance(scrubbed, dict)
    return scrubbed
