"""A local fake of Bybit's v5 public linear WebSocket and market REST endpoints, with fault injection.

It listens on 127.0.0.1 with an ephemeral port and serves, on one aiohttp application:

* ``/v5/public/linear`` (WebSocket): ``subscribe`` / ``unsubscribe`` / ``ping`` with Bybit's replies, the
  ``orderbook.{1,50,200,500,1000}``, ``publicTrade`` and ``tickers`` topics replayed from a script of
  recorded v5 messages, and the idle cut (no ping or request for ``idle_timeout_s``);
* ``/v5/market/instruments-info`` and ``/v5/market/time`` (REST, Bybit's ``retCode`` envelope), and the
  signed ``/v5/account/fee-rate`` checking the ``X-BAPI-*`` headers as Bybit does (10003 / 10004 / 10002).

Faults are injected by method call (:class:`FakeBybit` API) or scheduled at a script position.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from cryptoscalp_exchange_bybit.signing import rest_prehash, sign
from cryptoscalp_exchange_bybit.testing.market import TickerStream, TrueBook, ViewStream

_TOPIC = re.compile(r"^(?:orderbook\.(1|50|200|500|1000)|publicTrade|tickers)\.([A-Z0-9]+)$")
_ARGS_LIMIT = 21_000


class FakeConnection:
    """Server side of one client socket and the faults pending on it."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.conn_id = uuid.uuid4().hex[:20]
        self.topics: set[str] = set()
        self.waiting: set[str] = set()  # book topics whose (slow) snapshot is not sent yet
        self.last_heard = time.monotonic()
        self.stalled_until = 0.0
        self.skip_deltas = 0
        self.duplicate_deltas = 0
        self.malformed_deltas = 0
        self.truncated_deltas = 0
        self.received: list[dict[str, Any]] = []  # requests from the client, for assertions

    @property
    def stalled(self) -> bool:
        return time.monotonic() < self.stalled_until

    async def send(self, message: Mapping[str, Any] | bytes) -> None:
        if self.stalled or self.ws.closed:
            return
        text = message.decode() if isinstance(message, bytes) else orjson.dumps(message).decode()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.send_str(text)

    async def send_book(self, message: Mapping[str, Any]) -> None:
        """A book message, through the pending book faults (snapshots pass untouched)."""
        if message["type"] == "delta":
            if self.skip_deltas:
                self.skip_deltas -= 1
                return
            if self.malformed_deltas:
                self.malformed_deltas -= 1
                await self.send(b'{"topic":"' + message["topic"].encode() + b'","type":"delta","data":{"s":]]')
                return
            if self.truncated_deltas:
                self.truncated_deltas -= 1
                raw = orjson.dumps(message)
                await self.send(raw[: len(raw) // 2])
                return
            if self.duplicate_deltas:
                self.duplicate_deltas -= 1
                await self.send(message)
        await self.send(message)


class FakeBybit:
    """Replays ``script`` (v5 push messages in time order) to subscribers; see the module docstring.

    ``interval_s`` paces the replay; it starts when the first client subscribes (the first book snapshot
    of each symbol is the venue's state before that). ``instruments`` maps a symbol to its
    instruments-info entry. ``api_keys`` maps API key to secret for the signed endpoint.
    """

    def __init__(self, script: Iterable[Mapping[str, Any]], *, instruments: Mapping[str, Mapping[str, Any]] = (
                 {}), interval_s: float = 0.002, idle_timeout_s: float = 600.0,
                 api_keys: Mapping[str, str] | None = None, fee_rates: tuple[str, str] = ("0.0002", "0.00055")
                 ) -> None:
        self.script = [dict(m) for m in script]
        self.instruments = {k: dict(v) for k, v in instruments.items()}
        self.interval_s = interval_s
        self.idle_timeout_s = idle_timeout_s
        self.api_keys = dict(api_keys or {})
        self.fee_rates = fee_rates
        self.connections: list[FakeConnection] = []
        self.connections_total = 0
        self.position = 0  # script messages played so far
        self.finished = asyncio.Event()
        self.books: dict[str, TrueBook] = {}
        self.views: dict[str, ViewStream] = {}
        self.tickers: dict[str, TickerStream] = {}
        self.rest_delay_s = 0.0
        self.snapshot_delay_s = 0.0
        self._schedule: dict[int, list[Callable[[], Any]]] = {}
        self._subscribed = asyncio.Event()
        self._paused = asyncio.Event()
        self._paused.set()
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self.port = 0
        self._symbols = {self._symbol_of(m) for m in self.script}
        self._prime()

    # -- addresses ----------------------------------------------------------------------------------------
    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v5/public/linear"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeBybit:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/v5/public/linear", self._ws_handler)
        app.router.add_get("/v5/market/instruments-info", self._instruments)
        app.router.add_get("/v5/market/time", self._time)
        app.router.add_get("/v5/account/fee-rate", self._fee_rate)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._tasks = [asyncio.create_task(self._play()), asyncio.create_task(self._idle_cut())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- faults -------------------------------------------------------------------------------------------
    def at(self, position: int, fault: Callable[[], Any]) -> None:
        """Run ``fault`` just before script message ``position`` is played."""
        self._schedule.setdefault(position, []).append(fault)

    def pause(self) -> None:
        self._paused.clear()

    def resume(self) -> None:
        self._paused.set()

    def drop_connections(self) -> None:
        """Cut every socket without a closing handshake (a network failure)."""
        for conn in self.connections:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()

    def stall(self, seconds: float) -> None:
        """Current sockets go silent (no data, no pongs) for ``seconds`` but stay open."""
        for conn in self.connections:
            conn.stalled_until = time.monotonic() + seconds

    def gap(self, n: int = 1) -> None:
        """Current sockets miss the next ``n`` book deltas."""
        for conn in self.connections:
            conn.skip_deltas += n

    def duplicate(self, n: int = 1) -> None:
        for conn in self.connections:
            conn.duplicate_deltas += n

    def malformed(self, n: int = 1) -> None:
        """The next ``n`` book deltas arrive as broken JSON (so their updates are also lost)."""
        for conn in self.connections:
            conn.malformed_deltas += n

    def truncated(self, n: int = 1) -> None:
        for conn in self.connections:
            conn.truncated_deltas += n

    async def force_disconnect(self, code: int = 1001, reason: str = "server maintenance") -> None:
        """Close every socket with a closing handshake, as a venue does before maintenance or at an age cut."""
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=code, message=reason.encode())

    def fresh_snapshot(self) -> None:
        """Every book topic re-sends a snapshot as its next message (Bybit's own recovery)."""
        for view in self.views.values():
            if view.depth != 1:
                view.force_snapshot = True

    def restart_sequence(self) -> None:
        """Bybit's service restarted: book topics continue with a snapshot at ``u == 1``."""
        for view in self.views.values():
            if view.depth != 1:
                view.restart()

    def slow_snapshot(self, delay_s: float) -> None:
        """Book snapshots of later subscriptions come ``delay_s`` late (the stream goes on meanwhile)."""
        self.snapshot_delay_s = delay_s

    def slow_rest(self, delay_s: float) -> None:
        self.rest_delay_s = delay_s

    # -- replay -------------------------------------------------------------------------------------------
    @staticmethod
    def _symbol_of(msg: Mapping[str, Any]) -> str:
        return str(msg["topic"]).rsplit(".", 1)[-1]

    def _prime(self) -> None:
        """The venue's state before anyone connects: each symbol's first book snapshot and ticker."""
        while self.position < len(self.script):
            msg = self.script[self.position]
            topic = str(msg["topic"])
            if topic.startswith("orderbook.") and msg["type"] == "snapshot":
                depth = int(topic.split(".")[1])
                book = self.books.setdefault(self._symbol_of(msg), TrueBook(self._symbol_of(msg), depth))
                if book.last_u:
                    break
                book.apply(msg)
            elif topic.startswith("tickers.") and msg["type"] == "snapshot":
                self.tickers.setdefault(self._symbol_of(msg), TickerStream(self._symbol_of(msg))).apply(msg)
            else:
                break
            self.position += 1

    async def _play(self) -> None:
        await self._subscribed.wait()
        while self.position < len(self.script):
            await self._paused.wait()
            for fault in self._schedule.pop(self.position, ()):
                result = fault()
                if asyncio.iscoroutine(result):
                    await result
            await self._publish(self.script[self.position])
            self.position += 1
            await asyncio.sleep(self.interval_s)
        self.finished.set()

    async def _publish(self, msg: dict[str, Any]) -> None:
        topic = str(msg["topic"])
        symbol = self._symbol_of(msg)
        if topic.startswith("orderbook."):
            book = self.books.setdefault(symbol, TrueBook(symbol, int(topic.split(".")[1])))
            recorded = book.apply(msg)
            for view in [v for v in self.views.values() if v.book is book]:
                out = view.on_book_change(recorded)
                if out is not None:
                    for conn in self._subscribers(view.topic):
                        await conn.send_book(out)
        elif topic.startswith("tickers."):
            self.tickers.setdefault(symbol, TickerStream(symbol)).apply(msg)
            for conn in self._subscribers(topic):
                await conn.send(msg)
        else:
            for conn in self._subscribers(topic):
                await conn.send(msg)

    def _subscribers(self, topic: str) -> list[FakeConnection]:
        return [c for c in self.connections if topic in c.topics and topic not in c.waiting]

    async def _first_message(self, conn: FakeConnection, topic: str) -> None:
        kind, _, symbol = topic.partition(".")
        if kind == "orderbook":
            depth, symbol = topic.split(".")[1:]
            book = self.books.get(symbol)
            if book is None:
                return
            view = self.views.get(topic)
            if view is None:
                view = self.views[topic] = ViewStream(book, int(depth))
            if self.snapshot_delay_s > 0 and int(depth) > 1:
                conn.waiting.add(topic)
                await asyncio.sleep(self.snapshot_delay_s)
                conn.waiting.discard(topic)
            if topic in conn.topics:
                await conn.send(view.snapshot())
        elif kind == "tickers" and symbol in self.tickers:
            await conn.send(self.tickers[symbol].snapshot())

    # -- WebSocket ----------------------------------------------------------------------------------------
    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        # No permessage-deflate: aiohttp compresses large frames in a worker thread, which could let a small
        # delta overtake the big snapshot before it; Bybit streams arrive in order.
        ws = web.WebSocketResponse(max_msg_size=1 << 20, compress=False)
        await ws.prepare(request)
        conn = FakeConnection(ws, request)
        self.connections.append(conn)
        self.connections_total += 1
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                conn.last_heard = time.monotonic()
                await self._on_request(conn, msg.data)
        finally:
            self.connections.remove(conn)
        return ws

    async def _on_request(self, conn: FakeConnection, text: str) -> None:
        try:
            req = orjson.loads(text)
            op = req.get("op", "") if isinstance(req, dict) else ""
        except orjson.JSONDecodeError:
            req, op = {}, ""
        conn.received.append(req if isinstance(req, dict) else {"raw": text})
        req_id = str(req.get("req_id", "")) if isinstance(req, dict) else ""
        reply: dict[str, Any] = {"success": True, "ret_msg": "", "conn_id": conn.conn_id, "req_id": req_id, "op": op}
        if op == "ping":
            await conn.send({**reply, "ret_msg": "pong"})
            return
        if op not in ("subscribe", "unsubscribe"):
            await conn.send({**reply, "success": False, "ret_msg": f"error:request not supported,op:{op}"})
            return
        args = req.get("args")
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            await conn.send({**reply, "success": False, "ret_msg": "error:args invalid"})
            return
        if op == "unsubscribe":
            missing = [a for a in args if a not in conn.topics]
            conn.topics.difference_update(args)
            conn.waiting.difference_update(args)
            if missing:
                reply.update(success=False, ret_msg=f"error:not subscribed,topic:{missing[0]}")
            await conn.send(reply)
            return
        for topic in args:
            m = _TOPIC.match(topic)
            if m is None or m.group(2) not in self._symbols:
                await conn.send({**reply, "success": False, "ret_msg": f"Invalid topic: {topic}"})
                return
        if sum(len(t) for t in conn.topics | set(args)) > _ARGS_LIMIT:
            await conn.send({**reply, "success": False, "ret_msg": f"error:args length exceeds {_ARGS_LIMIT}"})
            return
        dup = [a for a in args if a in conn.topics]
        if dup:
            await conn.send({**reply, "success": False, "ret_msg": f"error:already subscribed,topic:{dup[0]}"})
            return
        conn.topics.update(args)
        await conn.send(reply)
        self._subscribed.set()
        for topic in args:
            if topic.startswith("orderbook.") and self.snapshot_delay_s > 0:
                self._tasks.append(asyncio.create_task(self._first_message(conn, topic)))
            else:
                await self._first_message(conn, topic)

    async def _idle_cut(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.idle_timeout_s / 4))
            now = time.monotonic()
            for conn in list(self.connections):
                if now - conn.last_heard > self.idle_timeout_s:
                    with contextlib.suppress(Exception):
                        await conn.ws.close(code=1000, message=b"idle timeout")

    # -- REST ---------------------------------------------------------------------------------------------
    def _envelope(self, result: Any, code: int = 0, msg: str = "OK") -> web.Response:
        body = {"retCode": code, "retMsg": msg, "result": result, "retExtInfo": {}, "time": int(time.time() * 1000)}
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    async def _instruments(self, request: web.Request) -> web.Response:
        if self.rest_delay_s:
            await asyncio.sleep(self.rest_delay_s)
        q = request.query
        if q.get("category") != "linear":
            return self._envelope({}, 10001, "Illegal category")
        items = list(self.instruments.values())
        if "symbol" in q:
            items = [i for i in items if i.get("symbol") == q["symbol"]]
        limit = max(1, min(int(q.get("limit", "500") or 500), 1000))
        start = int(q.get("cursor") or 0)
        page = items[start:start + limit]
        cursor = str(start + limit) if start + limit < len(items) else ""
        return self._envelope({"category": "linear", "list": page, "nextPageCursor": cursor})

    async def _time(self, request: web.Request) -> web.Response:
        ns = time.time_ns()
        return self._envelope({"timeSecond": str(ns // 10**9), "timeNano": str(ns)})

    async def _fee_rate(self, request: web.Request) -> web.Response:
        h = request.headers
        key, ts, window, signature = (h.get(n, "") for n in ("X-BAPI-API-KEY", "X-BAPI-TIMESTAMP",
                                                              "X-BAPI-RECV-WINDOW", "X-BAPI-SIGN"))
        secret = self.api_keys.get(key)
        if secret is None:
            return self._envelope({}, 10003, "API key is invalid.")
        window = window or "5000"
        if sign(secret, rest_prehash(ts, key, window, request.query_string)) != signature:
            return self._envelope({}, 10004, "error sign! origin_string[" + rest_prehash(ts, "***", window,
                                                                                       request.query_string) + "]")
        now = int(time.time() * 1000)
        if not ts.isdigit() or not (now - int(window) <= int(ts) < now + 1000):
            return self._envelope({}, 10002, "invalid request, please check your server timestamp or recv_window")
        symbols = [request.query["symbol"]] if "symbol" in request.query else list(self.instruments)
        maker, taker = self.fee_rates
        return self._envelope({"list": [{"symbol": s, "makerFeeRate": maker, "takerFeeRate": taker}
                                        for s in symbols]})
