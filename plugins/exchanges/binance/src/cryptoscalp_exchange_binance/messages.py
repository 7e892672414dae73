"""Typed shapes of the Binance USD-M public stream payloads and the REST depth snapshot.

Decoding with :mod:`msgspec` into these structs checks every field's presence and type in C, so the
hot path touches only validated attributes. Lax mode converts Binance's decimal strings to floats.
Book levels are decoded as float pairs too: their conversion to ticks is then one vectorised step
that refuses any price more than a millionth of a tick off the grid
(:func:`cryptoscalp_exchange_binance.depth.convert_levels`). A payload that does not fit raises
:class:`msgspec.DecodeError` / :class:`msgspec.ValidationError`; :func:`classify_failure` then says
whether it was garbage, a known event with a bad field, or an event this feed does not subscribe.
"""

from __future__ import annotations

from typing import Final

import msgspec
import orjson

Level = tuple[float, float]
TextLevel = tuple[str, str]  # the venue's decimal strings, for the exact compiled converter


class Trade(msgspec.Struct, tag_field="e", tag="trade"):
    E: int
    T: int
    s: str
    t: int
    p: float
    q: float
    m: bool


class AggTrade(msgspec.Struct, tag_field="e", tag="aggTrade"):
    E: int
    T: int
    s: str
    a: int
    p: float
    q: float
    m: bool


class BookTicker(msgspec.Struct, tag_field="e", tag="bookTicker"):
    u: int
    s: str
    b: float
    B: float
    a: float
    A: float
    T: int = 0
    E: int = 0


class DepthUpdate(msgspec.Struct, tag_field="e", tag="depthUpdate"):
    E: int
    s: str
    U: int
    u: int
    pu: int
    b: list[Level]
    a: list[Level]
    T: int = 0


class DepthUpdateText(msgspec.Struct, tag_field="e", tag="depthUpdate"):
    """:class:`DepthUpdate` with the levels kept as text (used with ``cryptoscalp_speedups.levels``)."""

    E: int
    s: str
    U: int
    u: int
    pu: int
    b: list[TextLevel]
    a: list[TextLevel]
    T: int = 0


class MarkPrice(msgspec.Struct, tag_field="e", tag="markPriceUpdate"):
    E: int
    s: str
    p: float
    i: str = ""
    r: str = ""
    T: int = 0


Payload = Trade | AggTrade | BookTicker | DepthUpdate | MarkPrice


class Envelope(msgspec.Struct):
    """The combined-stream wrapper ``{"stream": name, "data": payload}``."""

    stream: str
    data: Payload


class EnvelopeText(msgspec.Struct):
    """:class:`Envelope` whose depth diffs keep their levels as text."""

    stream: str
    data: Trade | AggTrade | BookTicker | DepthUpdateText | MarkPrice


class DepthSnapshot(msgspec.Struct):
    """``GET /fapi/v1/depth`` response."""

    lastUpdateId: int  # noqa: N815  (the venue's field name)
    bids: list[Level]
    asks: list[Level]
    E: int = 0
    T: int = 0


class DepthSnapshotText(msgspec.Struct):
    """:class:`DepthSnapshot` with the levels kept as text."""

    lastUpdateId: int  # noqa: N815  (the venue's field name)
    bids: list[TextLevel]
    asks: list[TextLevel]
    E: int = 0
    T: int = 0


ENVELOPE_DECODER: Final = msgspec.json.Decoder(Envelope, strict=False)
SNAPSHOT_DECODER: Final = msgspec.json.Decoder(DepthSnapshot, strict=False)
ENVELOPE_TEXT_DECODER: Final = msgspec.json.Decoder(EnvelopeText, strict=False)
SNAPSHOT_TEXT_DECODER: Final = msgspec.json.Decoder(DepthSnapshotText, strict=False)
KNOWN_EVENTS: Final = frozenset({"trade", "aggTrade", "bookTicker", "depthUpdate", "markPriceUpdate"})


def classify_failure(raw: bytes) -> str:
    """Why a frame did not decode as a stream message: ``malformed`` (not JSON, or JSON of the wrong
    shape), ``bad_field`` (a known event with a missing or mistyped field) or ``unknown_event``."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "malformed"
    if not isinstance(obj, dict):
        return "malformed"
    data = obj.get("data")
    if "stream" not in obj or not isinstance(data, dict):
        return "malformed"
    event = data.get("e")
    if not isinstance(event, str):
        return "malformed"
    return "bad_field" if event in KNOWN_EVENTS else "unknown_event"
