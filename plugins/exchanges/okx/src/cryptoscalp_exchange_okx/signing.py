"""OKX v5 request signing: ``Base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))``.

REST calls carry four ``OK-ACCESS-*`` headers (timestamp in ISO-8601 UTC with milliseconds); the
WebSocket login signs ``timestamp + "GET" + "/users/self/verify"`` with the timestamp in *seconds*.
Credentials stay :class:`Secret` objects and are revealed only inside the HMAC call, so neither this
object's repr nor any header dict printed by mistake shows the secret (the key and passphrase do travel
in headers, as OKX requires).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from cryptoscalp_core.ports.secrets import Secret, SecretStore

WS_LOGIN_PATH = "/users/self/verify"


def sign(secret: str, prehash: str) -> str:
    """Base64 of HMAC-SHA256(secret, prehash), the ``OK-ACCESS-SIGN`` value."""
    digest = hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def iso_timestamp(epoch_ms: int) -> str:
    """``2020-12-08T09:08:57.715Z`` for an epoch in milliseconds."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


class OkxSigner:
    """Signs REST requests and WebSocket logins with one API key."""

    __slots__ = ("_key", "_passphrase", "_secret", "demo")

    def __init__(self, api_key: Secret, api_secret: Secret, passphrase: Secret, *, demo: bool = False) -> None:
        self._key, self._secret, self._passphrase = api_key, api_secret, passphrase
        self.demo = demo

    @classmethod
    def from_store(cls, store: SecretStore, key_name: str, secret_name: str, passphrase_name: str,
                   *, demo: bool = False) -> OkxSigner:
        return cls(store.get(key_name), store.get(secret_name), store.get(passphrase_name), demo=demo)

    def __repr__(self) -> str:
        return f"OkxSigner(key={self._key!r}, demo={self.demo})"

    def signature(self, timestamp: str, method: str, request_path: str, body: str = "") -> str:
        return sign(self._secret.reveal(), f"{timestamp}{method.upper()}{request_path}{body}")

    def rest_headers(self, method: str, request_path: str, body: str, epoch_ms: int) -> dict[str, str]:
        """Headers of a private REST call; ``request_path`` includes the query string, ``body`` is the
        exact JSON text that will be sent (empty for GET)."""
        timestamp = iso_timestamp(epoch_ms)
        headers = {
            "OK-ACCESS-KEY": self._key.reveal(),
            "OK-ACCESS-SIGN": self.signature(timestamp, method, request_path, body),
            "OK-ACCESS-TIMESTAMP": timestamp,
            "OK-ACCESS-PASSPHRASE": self._passphrase.reveal(),
            "Content-Type": "application/json",
        }
        if self.demo:
            headers["x-simulated-trading"] = "1"
        return headers

    def ws_login(self, epoch_s: int) -> dict[str, object]:
        """The ``{"op":"login",…}`` message for a WebSocket login at ``epoch_s`` (seconds)."""
        timestamp = str(epoch_s)
        return {"op": "login", "args": [{
            "apiKey": self._key.reveal(),
            "passphrase": self._passphrase.reveal(),
            "timestamp": timestamp,
            "sign": self.signature(timestamp, "GET", WS_LOGIN_PATH),
        }]}
