"""Binance REST request signing (HMAC-SHA256), with keys from the :class:`SecretStore`.

``signature`` = lower-case hex HMAC-SHA256 keyed by the API secret over ``totalParams``: the query string
concatenated directly with the request body (no ``&`` at the join). It goes last in the request. The
API key travels in the ``X-MBX-APIKEY`` header. ``timestamp`` (ms) is mandatory; the server accepts it if
``timestamp < serverTime + 1000`` and ``serverTime - timestamp <= recvWindow``, so the signer adds the
offset to the server clock measured from ``/fapi/v1/time`` instead of widening ``recvWindow``.

Secrets stay inside :class:`~cryptoscalp_core.ports.secrets.Secret`; they are revealed only for the HMAC
and the header, and never appear in a repr.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from cryptoscalp_core.ports.secrets import Secret, SecretStore

ParamValue = str | int | float | bool


def hmac_signature(secret: Secret, total_params: str) -> str:
    """Hex HMAC-SHA256 of ``total_params`` (query string + body) keyed by ``secret``."""
    return hmac.new(secret.reveal().encode(), total_params.encode(), hashlib.sha256).hexdigest()


def _encode(params: Mapping[str, ParamValue]) -> str:
    return urlencode({k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()})


class RequestSigner:
    """Signs requests for one API key pair named in a :class:`SecretStore`."""

    def __init__(self, secrets: SecretStore, *, key_name: str = "binance-usdm.api_key",
                 secret_name: str = "binance-usdm.api_secret", recv_window_ms: int = 5000,
                 clock_ms: Callable[[], int] | None = None) -> None:
        if not 0 < recv_window_ms <= 60_000:
            raise ValueError("recv_window_ms must be in (0, 60000]")
        self._secrets = secrets
        self._key_name = key_name
        self._secret_name = secret_name
        self.recv_window_ms = recv_window_ms
        self.server_offset_ms = 0  # server time minus local time, from /fapi/v1/time
        self._clock_ms = clock_ms or (lambda: time.time_ns() // 1_000_000)

    def __repr__(self) -> str:
        return f"RequestSigner(key={self._key_name!r}, recv_window_ms={self.recv_window_ms})"

    def headers(self) -> dict[str, str]:
        return {"X-MBX-APIKEY": self._secrets.get(self._key_name).reveal()}

    def timestamp_ms(self) -> int:
        return self._clock_ms() + self.server_offset_ms

    def sign(self, query: Mapping[str, ParamValue], body: Mapping[str, ParamValue] | None = None) -> tuple[str, str]:
        """Add ``recvWindow`` and ``timestamp`` (to the body if there is one, else the query) and return
        ``(query_string, body_string)`` with ``signature`` appended last to whichever carries it."""
        stamp = {"recvWindow": self.recv_window_ms, "timestamp": self.timestamp_ms()}
        query_text = _encode(query if body is not None else {**query, **stamp})
        body_text = _encode({**body, **stamp}) if body is not None else ""
        signature = hmac_signature(self._secrets.get(self._secret_name), query_text + body_text)
        if body is not None:
            return query_text, f"{body_text}&signature={signature}"
        return (f"{query_text}&signature={signature}" if query_text else f"signature={signature}"), ""
