"""A fake Binance USD-M venue on 127.0.0.1 that speaks the real protocol, for offline tests.

WebSocket (combined streams): ``/public/stream``, ``/market/stream`` and the legacy ``/stream``, with
``?streams=a/b`` or ``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` / ``SET_PROPERTY`` /
``GET_PROPERTY`` requests answered as Binance does (``{"result": null, "id": 1}``; errors
``{"code": 2, "msg": "Invalid request: ...", "id": 1}``, ``{"code": 3, "msg": "Invalid JSON: ..."}``).
Routed paths are honoured: a ``/market`` stream (trades, mark price) subscribed on ``/public`` or on the
legacy path is acknowledged and then silently never delivered, as on the real venue. The server pings
every ``ping_interval_s`` and closes a connection that has not answered within ``pong_timeout_s``,
disconnects a client sending more than ``max_incoming_per_s`` frames in a second (close 1008), refuses
more than ``max_streams`` streams per connection, and closes connections older than
``max_connection_age_s`` (the 24-hour cut).

REST: ``/fapi/v1/exchangeInfo``, ``/fapi/v1/depth`` (served from the venue's book at the current tape
position, ``lastUpdateId`` = its last applied ``u``; weight in ``X-MBX-USED-WEIGHT-1M``; -1121 for an
unknown symbol) and ``/fapi/v1/time``.

The tape plays only when told (:meth:`FakeBinanceServer.play`), so a test can stop at a known point,
inject a fault (:attr:`FakeBinanceServer.faults`, :meth:`stall`, :meth:`drop_connections`,
:meth:`force_disconnect`) and compare. Built on aiohttp: one server object answers HTTP and WebSocket
on one port with full control over ping, pong and close frames.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
from aiohttp import WSMsgType, web

from cryptoscalp_exchange_binance.instruments import reference_symbols
from cryptoscalp_exchange_binance.testing.faults import Faults
from cryptoscalp_exchange_binance.testing.tape import Tape, TapeMessage
from cryptoscalp_exchange_binance.testing.venue_book import VenueBook

_STREAM_NAME: Final = re.compile(r"^[a-z0-9_]+@[A-Za-z0-9_@]+$")
_DEPTH_LIMITS: Final = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}
_METHODS: Final = "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`"


def _stream_key(stream: str) -> tuple[str, str] | None:
    """``btcusdt@depth@100ms`` → ``("BTCUSDT", "depth")``; the tape kind a stream is served from."""
    parts = stream.split("@")
    if len(parts) < 2:
        return None
    kind = parts[1]
    if kind == "depth":
        return parts[0].upper(), "depth"
    if kind in ("trade", "aggTrade", "bookTicker", "markPrice"):
        return parts[0].upper(), "trade" if kind == "aggTrade" else kind
    return None


def _route(stream: str) -> str:
    kind = stream.split("@")[1] if "@" in stream else ""
    return "public" if kind.startswith("depth") or kind == "bookTicker" else "market"


@dataclass(eq=False)
class Session:
    """One client connection."""

    ws: web.WebSocketResponse
    route: str | None
    opened_at: float
    streams: list[str] = field(default_factory=list)
    stalled: bool = False
    ping_sent_at: float | None = None
    incoming: deque[float] = field(default_factory=deque)

    def wants(self, symbol: str, kind: str) -> list[str]:
        return [s for s in self.streams if _stream_key(s) == (symbol, kind)
                and (_route(s) == self.route or (self.route is None and _route(s) == "public"))]


class FakeBinanceServer:
    """The venue. ``async with FakeBinanceServer(tape) as venue:`` starts it on an ephemeral port."""

    def __init__(self, tape: Tape, *, symbols: list[dict[str, Any]] | None = None, ping_interval_s: float = 180.0,
                 pong_timeout_s: float = 600.0, max_connection_age_s: float = 86_400.0,
                 max_incoming_per_s: int = 10, max_streams: int = 1024, host: str = "127.0.0.1") -> None:
        self.tape = tape
        ref = reference_symbols()
        self.symbols = symbols if symbols is not None else [dict(ref[s]) for s in tape.symbols if s in ref]
        self.ping_interval_s = ping_interval_s
        self.pong_timeout_s = pong_timeout_s
        self.max_connection_age_s = max_connection_age_s
        self.max_incoming_per_s = max_incoming_per_s
        self.max_streams = max_streams
        self.host = host
        self.port = 0
        self.faults = Faults()
        self.position = 0
        self.books = {symbol: VenueBook(snap) for symbol, snap in tape.snapshots.items()}
        self.sessions: set[Session] = set()
        # counters a test can assert on
        self.connections_opened = 0
        self.pings_sent = 0
        self.pongs_received = 0
        self.rate_limit_closes = 0
        self.pong_timeout_closes = 0
        self.depth_requests = 0
        self.used_weight = 0
        self._agg_cache: dict[int, bytes] = {}
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    # -- lifecycle --------------------------------------------------------------------------------------
    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/fapi/v1/exchangeInfo", self._exchange_info)
        app.router.add_get("/fapi/v1/depth", self._depth)
        app.router.add_get("/fapi/v1/time", self._time)
        app.router.add_get("/stream", self._ws_legacy)
        app.router.add_get("/{route:public|market}/stream", self._ws_routed)
        self._runner = web.AppRunner(app, handle_signals=False)
        self._closing = False
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        for session in list(self.sessions):
            self._abort(session)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBinanceServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- tape -------------------------------------------------------------------------------------------
    async def play(self, until: int | None = None, *, yield_every: int = 1) -> None:
        """Publish tape messages from :attr:`position` up to (excluding) ``until`` (the end by default)."""
        end = len(self.tape.messages) if until is None else min(until, len(self.tape.messages))
        while self.position < end:
            message = self.tape.messages[self.position]
            self.position += 1
            await self._publish(message)
            if self.position % yield_every == 0:
                await asyncio.sleep(0)

    def last_u(self, symbol: str) -> int:
        """``u`` of the last diff the venue applied to ``symbol``'s book (published or withheld)."""
        return self.books[symbol].last_u

    async def wait_subscribed(self, n_streams: int, timeout: float = 5.0) -> None:
        """Until connected clients hold at least ``n_streams`` subscriptions in all."""
        deadline = time.monotonic() + timeout
        while sum(len(s.streams) for s in self.sessions if not s.stalled) < n_streams:
            if time.monotonic() > deadline:
                raise TimeoutError(f"fewer than {n_streams} streams subscribed after {timeout}s")
            await asyncio.sleep(0.005)

    # -- faults -----------------------------------------------------------------------------------------
    def drop_connections(self) -> int:
        """Abort every connection without a close frame (a network failure). Returns how many."""
        sessions = list(self.sessions)
        for session in sessions:
            self._abort(session)
        return len(sessions)

    def stall(self) -> int:
        """Current connections go silent: no data, no pong, nothing read. New connections are served."""
        for session in self.sessions:
            session.stalled = True
        return len(self.sessions)

    async def force_disconnect(self, code: int = 1001, message: bytes = b"connection lifetime exceeded") -> int:
        """Close every connection with a close frame, as at the 24-hour cut."""
        sessions = list(self.sessions)
        for session in sessions:
            await self._close(session, code, message)
        return len(sessions)

    # -- publishing -------------------------------------------------------------------------------------
    async def _publish(self, message: TapeMessage) -> None:
        faults = self.faults
        if message.kind == "depth":
            book = self.books.get(message.symbol)
            if book is not None:
                book.apply(message.data)
            if faults.skip_depth.get(message.symbol, 0) > 0:
                faults.skip_depth[message.symbol] -= 1
                return
        repeat = 1
        if faults.duplicate > 0:
            faults.duplicate -= 1
            repeat = 2
        corrupt = None
        if faults.corrupt is not None and faults.corrupt_kind in (None, message.kind):
            corrupt, faults.corrupt = faults.corrupt, None
        for session in list(self.sessions):
            if session.stalled or session.ws.closed:
                continue
            for stream in session.wants(message.symbol, message.kind):
                frame = self._frame(stream, message)
                if corrupt is not None:
                    frame = _corrupted(frame, message, corrupt)
                for _ in range(repeat):
                    try:
                        await session.ws.send_frame(frame, WSMsgType.TEXT)
                    except (ConnectionError, RuntimeError):
                        self.sessions.discard(session)
                        break

    def _frame(self, stream: str, message: TapeMessage) -> bytes:
        raw = message.raw
        if "@aggTrade" in stream and message.data.get("e") == "trade":
            key = id(message)
            raw = self._agg_cache.get(key) or b""
            if not raw:
                d = message.data
                raw = orjson.dumps({"e": "aggTrade", "E": d["E"], "a": d["t"], "s": d["s"], "p": d["p"],
                                    "q": d["q"], "f": d["t"], "l": d["t"], "T": d["T"], "m": d["m"]})
                self._agg_cache[key] = raw
        return b'{"stream":"' + stream.encode() + b'","data":' + raw + b"}"

    # -- WebSocket --------------------------------------------------------------------------------------
    async def _ws_routed(self, request: web.Request) -> web.WebSocketResponse:
        return await self._ws(request, request.match_info["route"])

    async def _ws_legacy(self, request: web.Request) -> web.WebSocketResponse:
        return await self._ws(request, None)

    async def _ws(self, request: web.Request, route: str | None) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        session = Session(ws, route, time.monotonic())
        initial = request.query.get("streams")
        if initial:
            session.streams = [s for s in initial.split("/") if _STREAM_NAME.match(s)][: self.max_streams]
        self.sessions.add(session)
        self.connections_opened += 1
        keeper = asyncio.create_task(self._keepalive(session))
        self._tasks.add(keeper)
        try:
            async for msg in ws:
                while session.stalled and not self._closing:  # a hung venue: reads nothing, answers nothing
                    await asyncio.sleep(0.02)
                if self._closing:
                    break
                if self._over_rate(session):
                    self.rate_limit_closes += 1
                    await ws.close(code=1008, message=b"Too many requests")
                    break
                if msg.type == WSMsgType.TEXT:
                    await self._request(session, msg.data)
                elif msg.type == WSMsgType.PING:
                    await ws.pong(msg.data)
                elif msg.type == WSMsgType.PONG:
                    self.pongs_received += 1
                    session.ping_sent_at = None
                elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            keeper.cancel()
            self._tasks.discard(keeper)
            self.sessions.discard(session)
        return ws

    def _over_rate(self, session: Session) -> bool:
        now = time.monotonic()
        incoming = session.incoming
        incoming.append(now)
        while incoming and incoming[0] < now - 1.0:
            incoming.popleft()
        return len(incoming) > self.max_incoming_per_s

    async def _request(self, session: Session, text: str) -> None:
        ws = session.ws
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            await ws.send_str('{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1","id":null}')
            return
        if not isinstance(req, dict):
            await ws.send_str('{"code":2,"msg":"Invalid request: expected a JSON object","id":null}')
            return
        rid = req.get("id")
        if type(rid) is not int or rid < 0:
            await ws.send_str('{"code":2,"msg":"Invalid request: request ID must be an unsigned integer","id":null}')
            return
        method, params = req.get("method"), req.get("params", [])
        reply: dict[str, Any]
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) and _STREAM_NAME.match(p) for p in params):
                reply = {"code": 2, "msg": "Invalid request: invalid stream name", "id": rid}
            elif method == "SUBSCRIBE" and len(set(session.streams) | set(params)) > self.max_streams:
                reply = {"code": 2, "msg": f"Invalid request: more than {self.max_streams} streams", "id": rid}
            else:
                if method == "SUBSCRIBE":
                    session.streams += [p for p in params if p not in session.streams]
                else:
                    session.streams = [s for s in session.streams if s not in params]
                reply = {"result": None, "id": rid}
        elif method == "LIST_SUBSCRIPTIONS":
            reply = {"result": list(session.streams), "id": rid}
        elif method == "SET_PROPERTY":
            reply = {"result": None, "id": rid}
        elif method == "GET_PROPERTY":
            reply = {"result": True, "id": rid}
        else:
            reply = {"code": 2, "msg": f"Invalid request: unknown variant `{str(method)[:40]}`, expected one of "
                     f"{_METHODS}", "id": rid}
        await ws.send_str(orjson.dumps(reply).decode())

    async def _keepalive(self, session: Session) -> None:
        tick = max(0.005, min(self.ping_interval_s, self.max_connection_age_s, self.pong_timeout_s) / 4)
        last_ping = time.monotonic()
        while not session.ws.closed:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if session.stalled:
                continue
            if now - session.opened_at >= self.max_connection_age_s:
                await self._close(session, 1001, b"connection lifetime exceeded")
                return
            if session.ping_sent_at is not None and now - session.ping_sent_at > self.pong_timeout_s:
                self.pong_timeout_closes += 1
                await self._close(session, 1008, b"pong timeout")
                return
            if session.ping_sent_at is None and now - last_ping >= self.ping_interval_s:
                session.ping_sent_at = last_ping = now
                self.pings_sent += 1
                await session.ws.ping(b"")

    async def _close(self, session: Session, code: int, message: bytes) -> None:
        self.sessions.discard(session)
        try:
            await asyncio.wait_for(session.ws.close(code=code, message=message), 1.0)
        except (TimeoutError, ConnectionError, RuntimeError):
            self._abort(session)

    def _abort(self, session: Session) -> None:
        self.sessions.discard(session)
        transport = session.ws._req.transport if session.ws._req is not None else None
        if transport is not None:
            transport.abort()

    # -- REST -------------------------------------------------------------------------------------------
    def _weighted(self, weight: int, payload: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> web.Response:
        self.used_weight += weight
        return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json",
                            headers={"X-MBX-USED-WEIGHT-1M": str(self.used_weight), **(headers or {})})

    async def _exchange_info(self, request: web.Request) -> web.Response:
        now = int(time.time() * 1000)
        return self._weighted(1, {"timezone": "UTC", "serverTime": now, "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200}],
            "exchangeFilters": [], "symbols": self.symbols})

    async def _time(self, request: web.Request) -> web.Response:
        return self._weighted(1, {"serverTime": int(time.time() * 1000)})

    async def _depth(self, request: web.Request) -> web.Response:
        self.depth_requests += 1
        faults = self.faults
        if faults.snapshot_delay_s:
            await asyncio.sleep(faults.snapshot_delay_s)
        if faults.snapshot_failures:
            status, retry = faults.snapshot_failures.pop(0)
            headers = {"Retry-After": str(retry)} if retry is not None else None
            code = -1003 if status in (418, 429) else -1000
            return self._weighted(1, {"code": code, "msg": "Too many requests." if code == -1003 else
                                      "An unknown error occurred while processing the request."}, status, headers)
        symbol = request.query.get("symbol", "")
        try:
            limit = int(request.query.get("limit", "500"))
        except ValueError:
            limit = -1
        if limit not in _DEPTH_LIMITS:
            return self._weighted(1, {"code": -1130, "msg": "Data sent for parameter 'limit' is not valid."}, 400)
        book = self.books.get(symbol)
        if book is None:
            return self._weighted(1, {"code": -1121, "msg": "Invalid symbol."}, 400)
        return self._weighted(_DEPTH_LIMITS[limit], book.snapshot(limit))


def _corrupted(frame: bytes, message: TapeMessage, how: str) -> bytes:
    if how == "truncated":
        return frame[: len(frame) // 2]
    if how == "garbage":
        return b'{"stream":\x00\xff not json'
    data = dict(message.data)
    if message.kind == "depth":
        data["b"] = [["abc", "1.000"], *data["b"]]
    elif message.kind == "trade":
        data["p"] = "NaN"
    elif message.kind == "bookTicker":
        data["b"] = "-1"
    else:
        data["p"] = "0"
    head, _, _ = frame.partition(b',"data":')
    return head + b',"data":' + orjson.dumps(data) + b"}"
