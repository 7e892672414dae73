"""Bybit v5 request signing (HMAC keys): REST ``X-BAPI-*`` headers and the WebSocket ``auth`` message.

REST: ``X-BAPI-SIGN = hex(HMAC_SHA256(secret, timestamp + apiKey + recvWindow + payload))`` where the
payload is the query string of a GET or the exact JSON body bytes of a POST. WebSocket:
``hex(HMAC_SHA256(secret, "GET/realtime" + expires))``. Keys come from a
:class:`~cryptoscalp_core.ports.secrets.SecretStore` as :class:`Secret` objects and are revealed only inside
the HMAC call; nothing here logs them, and the signer's repr names the secrets, not their values.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptoscalp_core.ports.secrets import Secret, SecretStore

DEFAULT_RECV_WINDOW_MS = 5000


def sign(secret: str, message: str) -> str:
    """Lower-case hex HMAC-SHA256 of ``message`` under ``secret``."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def rest_prehash(timestamp_ms: int | str, api_key: str, recv_window_ms: int | str, payload: str) -> str:
    return f"{timestamp_ms}{api_key}{recv_window_ms}{payload}"


def ws_prehash(expires_ms: int | str) -> str:
    return f"GET/realtime{expires_ms}"


class BybitSigner:
    """Signs requests of one API key."""

    __slots__ = ("_key", "_secret", "recv_window_ms")

    def __init__(self, api_key: Secret, api_secret: Secret, recv_window_ms: int = DEFAULT_RECV_WINDOW_MS) -> None:
        if recv_window_ms <= 0:
            raise ValueError("recv_window_ms must be positive")
        self._key = api_key
        self._secret = api_secret
        self.recv_window_ms = recv_window_ms

    @classmethod
    def from_store(cls, store: SecretStore, key_name: str = "bybit.api_key",
                   secret_name: str = "bybit.api_secret", recv_window_ms: int = DEFAULT_RECV_WINDOW_MS) -> BybitSigner:
        return cls(store.get(key_name), store.get(secret_name), recv_window_ms)

    def signature(self, timestamp_ms: int, payload: str) -> str:
        prehash = rest_prehash(timestamp_ms, self._key.reveal(), self.recv_window_ms, payload)
        return sign(self._secret.reveal(), prehash)

    def headers(self, timestamp_ms: int, payload: str) -> dict[str, str]:
        """Headers of a signed REST request whose query string (GET) or body (POST) is ``payload``."""
        return {
            "X-BAPI-API-KEY": self._key.reveal(),
            "X-BAPI-TIMESTAMP": str(timestamp_ms),
            "X-BAPI-RECV-WINDOW": str(self.recv_window_ms),
            "X-BAPI-SIGN": self.signature(timestamp_ms, payload),
            "X-BAPI-SIGN-TYPE": "2",
        }

    def ws_auth(self, expires_ms: int, req_id: str = "auth") -> dict[str, object]:
        """The ``auth`` request of a private or trade socket; ``expires_ms`` must lie in the future."""
        signature = sign(self._secret.reveal(), ws_prehash(expires_ms))
        return {"req_id": req_id, "op": "auth", "args": [self._key.reveal(), expires_ms, signature]}

    def __repr__(self) -> str:
        return f"BybitSigner(api_key={self._key!r}, api_secret={self._secret!r}, recv_window_ms={self.recv_window_ms})"
