"""Public REST calls of the feed: instrument metadata and depth snapshots (``aiohttp``).

Binance answers errors as ``{"code": -1121, "msg": "Invalid symbol."}`` with an HTTP 4xx; HTTP 429 asks
to back off (with ``Retry-After``), 418 means the IP is banned for a while. Both become
:class:`RateLimitedError` carrying the wait, which the callers honour before the next request. The
request weight used, from ``X-MBX-USED-WEIGHT-1M``, is kept in :attr:`BinanceRest.used_weight`.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson


class BinanceApiError(Exception):
    """An error answer of the REST API (``code``/``msg``), or an HTTP failure without one."""

    def __init__(self, status: int, code: int | None, msg: str) -> None:
        super().__init__(f"HTTP {status}" + (f" code {code}" if code is not None else "") + f": {msg}")
        self.status = status
        self.code = code
        self.msg = msg


class RateLimitedError(BinanceApiError):
    """HTTP 429 (back off) or 418 (IP banned); :attr:`retry_after_s` is how long to wait."""

    def __init__(self, status: int, code: int | None, msg: str, retry_after_s: float) -> None:
        super().__init__(status, code, msg)
        self.retry_after_s = retry_after_s


class BinanceRest:
    """A small client for the public endpoints; one :class:`aiohttp.ClientSession` per feed start."""

    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.used_weight = 0
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(self, path: str, params: dict[str, str] | None = None) -> bytes:
        """GET ``path``; the body on 200, :class:`BinanceApiError` / :class:`RateLimitedError` otherwise.
        Network failures and timeouts propagate as :class:`aiohttp.ClientError` / :class:`TimeoutError`."""
        await self.open()
        assert self._session is not None
        async with self._session.get(self.base_url + path, params=params) as response:
            body = await response.read()
            weight = response.headers.get("X-MBX-USED-WEIGHT-1M")
            if weight is not None and weight.isdigit():
                self.used_weight = int(weight)
            if response.status == 200:
                return body
            code, msg = _error_fields(body)
            if response.status in (418, 429):
                retry = response.headers.get("Retry-After", "")
                wait = float(retry) if retry.replace(".", "", 1).isdigit() else 60.0
                raise RateLimitedError(response.status, code, msg, wait)
            raise BinanceApiError(response.status, code, msg)

    async def exchange_info(self) -> dict[str, Any]:
        body = await self.get("/fapi/v1/exchangeInfo")
        info = orjson.loads(body)
        if not isinstance(info, dict) or not isinstance(info.get("symbols"), list):
            raise BinanceApiError(200, None, "exchangeInfo without a symbols list")
        return info

    async def depth(self, symbol: str, limit: int) -> bytes:
        return await self.get("/fapi/v1/depth", {"symbol": symbol, "limit": str(limit)})


def _error_fields(body: bytes) -> tuple[int | None, str]:
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, body[:200].decode("utf-8", "replace")
    if isinstance(obj, dict):
        code = obj.get("code")
        return (code if isinstance(code, int) else None), str(obj.get("msg", ""))[:200]
    return None, str(obj)[:200]
