"""Framing of a recorded line: ``<local_ts> <json>`` → a classified message, or the reason it is bad.

The recorder (nkaz001/hftbacktest's collector) writes one message per line: the local receive stamp,
one space, then the JSON exactly as received. Stream messages arrive in the combined-stream envelope
``{"stream": "btcusdt@trade", "data": {...}}``; the REST depth snapshot is written unwrapped
(``{"lastUpdateId": .., "bids": .., "asks": ..}``). A raw (non-combined) stream message, the bare
``data`` object, is accepted too.

:func:`parse_line` never raises: whatever the bytes, it returns a :class:`Line` or a drop reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import orjson

#: Event names this reader turns into rows; ``snapshot`` stands for the unwrapped REST depth response.
EVENTS: Final = frozenset({"trade", "aggTrade", "bookTicker", "depthUpdate", "markPriceUpdate", "snapshot"})

# Local stamps are ns in the 2024 recordings and us in the 2023 ones; older tools write ms. The unit is
# told by magnitude: any stamp after 1973 in ms is >= 1e11, so the three ranges cannot overlap for
# dates between 1973 and 2286.
_NS_FROM: Final = 10**17
_US_FROM: Final = 10**14
_MS_FROM: Final = 10**11
_MAX_NS: Final = 2**62  # leaves room for offset and latency arithmetic in int64


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a microsecond more per line
class Line:
    """One usable message: local stamp (ns, recorder clock), event name, and the payload object."""

    local_ns: int
    event: str
    data: dict[str, Any]

    @property
    def push_ms(self) -> int | None:
        """Exchange push time ``E`` (ms), when present and an integer."""
        value = self.data.get("E")
        return value if type(value) is int else None


def local_to_ns(stamp: int) -> int | None:
    """A local stamp in ns, us or ms (told by magnitude) as ns; ``None`` if it is none of them."""
    if stamp >= _NS_FROM:
        ns = stamp
    elif stamp >= _US_FROM:
        ns = stamp * 1_000
    elif stamp >= _MS_FROM:
        ns = stamp * 1_000_000
    else:
        return None
    return ns if ns < _MAX_NS else None


def parse_line(raw: bytes) -> Line | str:
    """Split, decode and classify one line. Returns a :class:`Line`, or a reason: ``bad_line`` (no
    stamp/JSON split), ``bad_local_ts``, ``bad_json``, ``unknown_message`` (a JSON value that is no
    Binance message) or ``unknown_event`` (a stream event this reader does not replay)."""
    stamp_text, sep, body = raw.partition(b" ")  # no strip(): it would copy every (large) depth line
    if not sep or not body:
        return "bad_line"
    if not (stamp_text.isdigit() and len(stamp_text) <= 19):
        return "bad_local_ts"
    local_ns = local_to_ns(int(stamp_text))
    if local_ns is None:
        return "bad_local_ts"
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "bad_json"
    if not isinstance(obj, dict):
        return "unknown_message"
    if "stream" in obj:
        obj = obj.get("data")
        if not isinstance(obj, dict):
            return "unknown_message"
    if "lastUpdateId" in obj and "e" not in obj:
        return Line(local_ns, "snapshot", obj)
    event = obj.get("e")
    if not isinstance(event, str):
        return "unknown_message"
    if event not in EVENTS:
        return "unknown_event"
    return Line(local_ns, event, obj)
