"""A *tape*: the market messages a fake venue replays, read from a recording or made up.

Recording format (nkaz001/hftbacktest's collector, also written by :func:`write_tape`): one message per
line, ``<local_ts> <json>``. Stream messages are combined-stream envelopes
(``{"stream": "btcusdt@depth@0ms", "data": {...}}``); the REST depth snapshot appears unwrapped
(``{"lastUpdateId": .., "bids": .., "asks": ..}``) and seeds the venue's book for the symbol of the
depth stream around it. Lines that are not one of these are skipped.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

#: Tape kinds; ``aggTrade`` subscribers are served from ``trade`` messages.
KINDS = {"depthUpdate": "depth", "trade": "trade", "aggTrade": "trade", "bookTicker": "bookTicker",
         "markPriceUpdate": "markPrice"}


@dataclass(slots=True)
class TapeMessage:
    """One stream payload: ``symbol`` upper-case, ``kind`` of :data:`KINDS`, ``data`` the payload,
    ``raw`` its JSON bytes as the venue sends them."""

    symbol: str
    kind: str
    data: dict[str, Any]
    raw: bytes


@dataclass
class Tape:
    messages: list[TapeMessage] = field(default_factory=list)
    #: symbol → the REST snapshot the venue's book starts from
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def symbols(self) -> list[str]:
        return sorted({m.symbol for m in self.messages} | set(self.snapshots))

    @classmethod
    def from_lines(cls, lines: Iterable[bytes], limit: int | None = None) -> Tape:
        tape = cls()
        orphan: dict[str, Any] | None = None
        last_depth_symbol: str | None = None
        for line in lines:
            if limit is not None and len(tape.messages) >= limit:
                break
            _, _, body = line.strip().partition(b" ")
            try:
                obj = orjson.loads(body)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(obj, dict):
                continue
            if "lastUpdateId" in obj and "bids" in obj:
                if last_depth_symbol is not None and last_depth_symbol not in tape.snapshots:
                    tape.snapshots[last_depth_symbol] = obj
                else:
                    orphan = obj
                continue
            data = obj.get("data", obj)
            kind = KINDS.get(str(data.get("e"))) if isinstance(data, dict) else None
            symbol = data.get("s") if isinstance(data, dict) else None
            if kind is None or not isinstance(symbol, str):
                continue
            if kind == "depth":
                last_depth_symbol = symbol
                if orphan is not None and symbol not in tape.snapshots:
                    tape.snapshots[symbol], orphan = orphan, None
            tape.messages.append(TapeMessage(symbol, kind, data, orjson.dumps(data)))
        return tape

    @classmethod
    def from_file(cls, path: str | Path, limit: int | None = None) -> Tape:
        """Read a recording (``.gz`` or plain text)."""
        path = Path(path)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            return cls.from_lines(handle, limit)

    @classmethod
    def merge(cls, *tapes: Tape) -> Tape:
        """Tapes of different symbols interleaved in order (round-robin keeps each one's own order)."""
        out = cls()
        iterators: list[Iterator[TapeMessage]] = [iter(t.messages) for t in tapes]
        for tape in tapes:
            out.snapshots.update(tape.snapshots)
        while iterators:
            for it in list(iterators):
                message = next(it, None)
                if message is None:
                    iterators.remove(it)
                else:
                    out.messages.append(message)
        return out


def write_tape(tape: Tape, path: str | Path, start_ns: int = 1_700_000_000_000_000_000) -> None:
    """Write ``tape`` in the recording format (snapshot lines first, then one envelope per line)."""
    with open(path, "wb") as out:
        ts = start_ns
        for snapshot in tape.snapshots.values():
            out.write(b"%d %s\n" % (ts, orjson.dumps(snapshot)))
        for message in tape.messages:
            ts += 1_000_000
            stream = f"{message.symbol.lower()}@{message.kind}".encode()
            out.write(b'%d {"stream":"%s","data":%s}\n' % (ts, stream, message.raw))
