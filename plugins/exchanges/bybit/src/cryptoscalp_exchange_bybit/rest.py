"""A small Bybit v5 REST client (aiohttp): the ``retCode`` envelope, retries with backoff, optional signing.

Bybit answers business errors with HTTP 200 and a non-zero ``retCode``; transport failures, HTTP 429 and
5xx, and ``retCode`` 10006 (rate limit) / 10016 (server restarting) are retried, everything else raises
:class:`BybitRestError` at once. HTTP 403 is Bybit's IP ban ("access too frequent"): retrying would
extend it, so it raises immediately.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import aiohttp
import orjson
from yarl import URL

from cryptoscalp_exchange_bybit.backoff import Backoff
from cryptoscalp_exchange_bybit.errors import BybitRestError
from cryptoscalp_exchange_bybit.signing import BybitSigner

_RETRY_CODES = frozenset({10006, 10016})
_RETRY_HTTP = frozenset({429, 500, 502, 503, 504})


class BybitRest:
    """One HTTP session against ``base_url``; use as ``async with BybitRest(...) as rest``."""

    def __init__(self, base_url: str, *, timeout_s: float = 10.0, retries: int = 3,
                 signer: BybitSigner | None = None, backoff: Backoff | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.signer = signer
        self._backoff = backoff or Backoff(0.25, 5.0)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> BybitRest:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str, params: Mapping[str, str] | None = None, *, signed: bool = False) -> Any:
        """``result`` of a GET; the query string is sent exactly as it was signed."""
        query = urlencode(list((params or {}).items()))
        return await self._call("GET", path, query, b"", signed)

    async def post(self, path: str, body: Mapping[str, Any], *, signed: bool = True) -> Any:
        """``result`` of a POST of a JSON body; the signature covers the exact body bytes sent."""
        return await self._call("POST", path, "", orjson.dumps(dict(body)), signed)

    async def _call(self, method: str, path: str, query: str, body: bytes, signed: bool) -> Any:
        if self._session is None:
            raise RuntimeError("BybitRest: use it as 'async with BybitRest(...) as rest'")
        url = URL(f"{self.base_url}{path}" + (f"?{query}" if query else ""), encoded=True)
        last: BybitRestError | None = None
        self._backoff.reset()
        for attempt in range(self.retries):
            if attempt:
                await asyncio.sleep(self._backoff.next_delay())
            headers = {"Content-Type": "application/json"} if body else {}
            if signed:
                if self.signer is None:
                    raise BybitRestError(f"{path} needs API keys: no signer configured")
                headers.update(self.signer.headers(int(time.time() * 1000), query or body.decode()))
            try:
                async with self._session.request(method, url, data=body or None, headers=headers) as resp:
                    status, text = resp.status, await resp.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                last = BybitRestError(f"{method} {path}: {type(exc).__name__}: {exc}")
                continue
            if status == 403:
                raise BybitRestError(f"{method} {path}: HTTP 403 (IP rate ban or blocked region)", http_status=403)
            if status in _RETRY_HTTP:
                last = BybitRestError(f"{method} {path}: HTTP {status}", http_status=status)
                continue
            try:
                envelope = orjson.loads(text)
                code = int(envelope["retCode"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                raise BybitRestError(f"{method} {path}: HTTP {status}, not a Bybit envelope: {text[:200]!r}",
                                     http_status=status) from None
            if code == 0:
                return envelope.get("result")
            error = BybitRestError(f"{method} {path}: retCode {code} {envelope.get('retMsg', '')!r}", code, status)
            if code not in _RETRY_CODES:
                raise error
            last = error
        assert last is not None
        raise last
