"""A local OKX v5 public endpoint on 127.0.0.1 for offline tests: WebSocket and REST on one port.

It speaks OKX's JSON: ``subscribe``/``unsubscribe`` acks and ``error`` events (60012 bad request, 60018
unknown instrument), ``login`` (verifying the HMAC like OKX), the text ``ping``/``pong`` heartbeat, close
code 4004 after ``idle_timeout_s`` of silence both ways, and ``GET /api/v5/public/instruments``. The REST
side uses websockets' own HTTP hook (``process_request``), so the server needs nothing beyond the
client's dependencies.

The market is a :mod:`tape <cryptoscalp_exchange_okx.testing.tape>` advanced by the test
(:meth:`FakeOkxServer.advance`) or by :meth:`FakeOkxServer.play`; like the real venue, the tape moves on
whoever is connected, and a ``books`` subscription starts with a snapshot cut from the server's current
book. Fault switches: drop or close connections, stall (silence, no pong), skip a book push (gap),
duplicate a push, send a malformed or truncated frame, a sequence reset, an idle heartbeat update, a
maintenance ``notice`` followed by a close, a slow snapshot and a slow REST answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from cryptoscalp_exchange_okx.testing.tape import Push, VenueBook

WS_PATH = "/ws/v5/public"


@dataclass
class _Client:
    ws: ServerConnection
    subs: set[tuple[str, str]] = field(default_factory=set)
    waiting_snapshot: set[str] = field(default_factory=set)
    out: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    logged_in: bool = False
    last_in: float = 0.0
    last_out: float = 0.0


@dataclass
class Faults:
    """Switches a test flips; each one-shot switch resets itself when used."""

    skip_book_pushes: int = 0  #: skip the next N book pushes (a sequence gap for the client)
    duplicate_next: int = 0  #: send the next N pushes twice
    truncate_next: int = 0  #: cut the next N pushes in half (lost + malformed)
    snapshot_delay_s: float = 0.0  #: delay between a books subscribe ack and its snapshot
    rest_delay_s: float = 0.0  #: delay of every REST answer
    stalled: bool = False  #: send nothing, answer no ping
    checksum_zero: bool = False  #: send checksum 0 (what OKX does today) instead of the real value


class FakeOkxServer:
    """``async with FakeOkxServer(tape, instruments=[row, ...]) as server:`` then point the feed at
    :attr:`ws_url` / :attr:`rest_url`."""

    def __init__(self, tape: Sequence[Push], *, instruments: Sequence[dict[str, Any]] = (),
                 idle_timeout_s: float = 30.0, add_seq_ids: bool = True,
                 credentials: tuple[str, str, str] | None = None) -> None:
        self.tape = list(tape)
        self.position = 0
        self.instruments = list(instruments)
        self.idle_timeout_s = idle_timeout_s
        self.add_seq_ids = add_seq_ids
        self.credentials = credentials  # (api key, secret, passphrase) accepted by login
        self.faults = Faults()
        self.books: dict[str, VenueBook] = {}
        self.seq: dict[str, int] = {}
        self.clients: list[_Client] = []
        self.connections = 0
        self.subscribe_requests = 0
        self.pings = 0
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._players: list[asyncio.Task[None]] = []
        self.port = 0

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{WS_PATH}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FakeOkxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0, process_request=self._http,
                                   ping_interval=None, compression=None)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for task in [*self._players, *self._tasks]:
            task.cancel()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)

    # -- the market -----------------------------------------------------------------------------------
    @property
    def exhausted(self) -> bool:
        return self.position >= len(self.tape)

    async def advance(self, n: int = 1) -> int:
        """Publish the next ``n`` pushes of the tape; returns how many were left to publish."""
        for _ in range(n):
            if self.exhausted:
                break
            self._publish(self.tape[self.position])
            self.position += 1
        await self.flush()
        return len(self.tape) - self.position

    def play(self, interval_s: float = 0.0, batch: int = 5, *, repeat: bool = False) -> None:
        """Publish the tape in the background, ``batch`` pushes every ``interval_s``; ``repeat`` starts
        over at the end (a tape begins with a snapshot, so clients resynchronise on each lap)."""
        async def player() -> None:
            while True:
                if self.exhausted:
                    if not repeat:
                        return
                    self.position = 0
                await self.advance(batch)
                await asyncio.sleep(interval_s)
        self._players.append(asyncio.create_task(player()))

    async def flush(self) -> None:
        """Wait until every client's outgoing queue is written (unless stalled)."""
        for _ in range(1000):
            if self.faults.stalled or all(c.out.empty() for c in self.clients):
                return
            await asyncio.sleep(0.001)

    def _publish(self, push: Push) -> None:
        arg = push["arg"]
        channel, inst = arg.get("channel", ""), arg.get("instId", "")
        if channel.startswith("books"):
            push = self._sequence(push, inst)
            if self.faults.skip_book_pushes > 0:
                self.faults.skip_book_pushes -= 1
                return
        text = orjson.dumps(push).decode()
        for client in self.clients:
            if (channel, inst) not in client.subs or (channel.startswith("books") and inst in client.waiting_snapshot):
                continue
            if self.faults.truncate_next > 0:
                self.faults.truncate_next -= 1
                client.out.put_nowait(text[: len(text) // 2])
                continue
            client.out.put_nowait(text)
            if self.faults.duplicate_next > 0:
                self.faults.duplicate_next -= 1
                client.out.put_nowait(text)

    def _sequence(self, push: Push, inst: str) -> Push:
        """Apply a book push to the venue book and give it seqIds/checksum as configured."""
        item = dict(push["data"][0])
        snapshot = push.get("action") == "snapshot"
        book = self.books.setdefault(inst, VenueBook())
        book.apply(item, snapshot)
        if self.add_seq_ids and "seqId" not in item:
            prev = self.seq.get(inst, 0)
            item["prevSeqId"] = -1 if snapshot else prev
            item["seqId"] = prev + 1 + len(item.get("bids", [])) % 3
        if "seqId" in item:
            self.seq[inst] = int(item["seqId"])
        if self.faults.checksum_zero:
            item["checksum"] = 0
        return {**push, "data": [item]}

    def inject(self, inst: str, kind: str) -> None:
        """Publish a protocol event on ``inst``'s book: ``heartbeat`` (empty update, prevSeqId ==
        seqId) or ``reset`` (an empty update whose seqId is below prevSeqId, as after maintenance)."""
        last = self.seq.get(inst, 0)
        new = last if kind == "heartbeat" else max(1, last // 2)
        item = {"asks": [], "bids": [], "ts": "1717000000000", "checksum": 0, "prevSeqId": last, "seqId": new}
        self.seq[inst] = new
        text = orjson.dumps({"arg": {"channel": "books", "instId": inst}, "action": "update", "data": [item]}).decode()
        for client in self.clients:
            if ("books", inst) in client.subs and inst not in client.waiting_snapshot:
                client.out.put_nowait(text)

    def send_raw(self, text: str) -> None:
        """Send ``text`` as is to every client (a malformed frame, a notice…)."""
        for client in self.clients:
            client.out.put_nowait(text)

    async def drop_connections(self) -> None:
        """Cut every socket without a close frame (a network drop)."""
        for client in list(self.clients):
            client.ws.transport.abort()
        await asyncio.sleep(0)

    async def close_connections(self, code: int = 4004, reason: str = "No data received in 30s.") -> None:
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await client.ws.close(code, reason)

    async def notice_and_close(self) -> None:
        """What OKX does before a service upgrade: a ``notice`` event, then the close."""
        self.send_raw(orjson.dumps({"event": "notice", "code": "64008", "msg": "The connection will soon be "
                                    "closed for a service upgrade. Please reconnect.", "connId": "fake"}).decode())
        await self.flush()
        await self.close_connections(1001, "service upgrade")

    # -- sockets --------------------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        loop = asyncio.get_running_loop()
        client = _Client(ws, last_in=loop.time(), last_out=loop.time())
        self.clients.append(client)
        self.connections += 1
        writer = asyncio.create_task(self._writer(client))
        idle = asyncio.create_task(self._idle_watch(client))
        try:
            async for raw in ws:
                client.last_in = loop.time()
                if self.faults.stalled:
                    continue
                if raw == "ping":
                    self.pings += 1
                    client.out.put_nowait("pong")
                    continue
                self._request(client, raw)
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            idle.cancel()
            self.clients.remove(client)

    async def _writer(self, client: _Client) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ConnectionClosed):
            while True:
                text = await client.out.get()
                while self.faults.stalled:
                    await asyncio.sleep(0.01)
                await client.ws.send(text)
                client.last_out = loop.time()

    async def _idle_watch(self, client: _Client) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.idle_timeout_s / 4)
            if loop.time() - max(client.last_in, client.last_out) > self.idle_timeout_s:
                await client.ws.close(4004, "No data received in 30s.")
                return

    def _request(self, client: _Client, raw: str | bytes) -> None:
        try:
            msg = orjson.loads(raw)
            op, args, req_id = msg["op"], msg.get("args", []), msg.get("id")
            if not isinstance(args, list):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError):
            self._reply(client, {"event": "error", "code": "60012", "msg": f"Invalid request: {str(raw)[:200]}"})
            return
        extra = {"id": req_id} if req_id is not None else {}
        if op == "login":
            ok = bool(args) and self._login_ok(args[0])
            client.logged_in = ok
            self._reply(client, {**extra, "event": "login", "code": "0", "msg": ""} if ok else
                        {**extra, "event": "error", "code": "60009", "msg": "Login failed."})
            return
        if op not in ("subscribe", "unsubscribe"):
            self._reply(client, {**extra, "event": "error", "code": "60012", "msg": f"Invalid request: {raw!s}"})
            return
        self.subscribe_requests += 1
        for arg in args:
            channel, inst = arg.get("channel", ""), arg.get("instId", "")
            if self.instruments and inst not in {row["instId"] for row in self.instruments}:
                self._reply(client, {**extra, "event": "error", "code": "60018",
                                     "msg": f"Wrong URL or channel:{channel},instId:{inst} doesn't exist."})
                continue
            if op == "unsubscribe":
                client.subs.discard((channel, inst))
            else:
                client.subs.add((channel, inst))
            self._reply(client, {**extra, "event": op, "arg": {"channel": channel, "instId": inst}, "connId": "fake"})
            if op == "subscribe" and channel.startswith("books"):
                client.waiting_snapshot.add(inst)
                task = asyncio.create_task(self._snapshot(client, channel, inst))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _snapshot(self, client: _Client, channel: str, inst: str) -> None:
        if self.faults.snapshot_delay_s:
            await asyncio.sleep(self.faults.snapshot_delay_s)
        book = self.books.get(inst)
        if book is None or (channel, inst) not in client.subs:
            client.waiting_snapshot.discard(inst)  # no market yet: the tape's own snapshot will come
            return
        bids, asks = book.sorted_levels()
        seq = self.seq.get(inst, 0)
        item = {"asks": asks, "bids": bids, "ts": "1717000000000",
                "checksum": 0 if self.faults.checksum_zero else book.checksum(), "prevSeqId": -1, "seqId": seq}
        client.waiting_snapshot.discard(inst)
        client.out.put_nowait(orjson.dumps({"arg": {"channel": channel, "instId": inst}, "action": "snapshot",
                                            "data": [item]}).decode())

    def _reply(self, client: _Client, msg: dict[str, Any]) -> None:
        client.out.put_nowait(orjson.dumps(msg).decode())

    def _login_ok(self, arg: dict[str, Any]) -> bool:
        if self.credentials is None:
            return False
        key, secret, passphrase = self.credentials
        prehash = f"{arg.get('timestamp')}GET/users/self/verify"
        expected = base64.b64encode(hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()).decode()
        return bool(arg.get("apiKey") == key and arg.get("passphrase") == passphrase
                    and hmac.compare_digest(expected, str(arg.get("sign"))))

    # -- REST -----------------------------------------------------------------------------------------
    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        url = urlsplit(request.path)
        if url.path == WS_PATH:
            return None  # the WebSocket handshake goes on
        if self.faults.rest_delay_s:
            await asyncio.sleep(self.faults.rest_delay_s)
        if url.path == "/api/v5/public/instruments":
            inst_type = parse_qs(url.query).get("instType", [""])[0]
            if not inst_type:
                return _json(HTTPStatus.BAD_REQUEST, {"code": "50014", "msg": "Parameter instType can not be empty.",
                                                      "data": []})
            rows = [row for row in self.instruments if row.get("instType") == inst_type]
            return _json(HTTPStatus.OK, {"code": "0", "msg": "", "data": rows})
        if url.path == "/api/v5/public/time":
            return _json(HTTPStatus.OK, {"code": "0", "msg": "", "data": [{"ts": "1717000000000"}]})
        return _json(HTTPStatus.NOT_FOUND, {"code": "50000", "msg": "Not Found", "data": []})


def _json(status: HTTPStatus, body: dict[str, Any]) -> Response:
    data = orjson.dumps(body)
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)
