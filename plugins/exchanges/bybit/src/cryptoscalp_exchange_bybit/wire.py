"""Typed shapes of Bybit v5 public WebSocket frames, decoded with msgspec.

Decoding happens in two steps so each frame is scanned once: :data:`FRAME` reads the envelope and keeps
``data`` as raw bytes; the topic then picks the typed decoder for ``data``. The data decoders run with
``strict=False`` so Bybit's decimal strings (``"16493.50"``) become floats inside msgspec's C code; key
order is irrelevant (Bybit warns that ``ts`` and ``type`` move between topics).
"""

from __future__ import annotations

from typing import Final

import msgspec


class Frame(msgspec.Struct, frozen=True):
    """Envelope of every frame: a data push has ``topic``; a reply to our request has ``op``."""

    topic: str = ""
    type: str = ""
    ts: int = 0
    cts: int = 0
    data: msgspec.Raw = msgspec.Raw(b"")
    op: str = ""
    success: bool | None = None
    ret_msg: str = ""
    req_id: str = ""
    conn_id: str = ""


class BookData(msgspec.Struct, frozen=True):
    """``orderbook.{depth}.{symbol}`` data: ``[price, size]`` pairs; size 0 deletes the level."""

    s: str
    b: list[tuple[float, float]]
    a: list[tuple[float, float]]
    u: int
    seq: int = -1


class BookText(msgspec.Struct, frozen=True):
    """:class:`BookData` with the levels kept as the venue's text, for the exact compiled converter."""

    s: str
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    u: int
    seq: int = -1


class TradeData(msgspec.Struct, frozen=True):
    """One entry of ``publicTrade.{symbol}`` data. ``S`` is the taker side, ``i`` the trade id (a UUID for
    linear contracts), ``BT`` marks a block trade."""

    T: int
    s: str
    S: str
    v: float
    p: float
    i: str
    BT: bool = False
    seq: int = -1


FRAME: Final = msgspec.json.Decoder(Frame)
BOOK: Final = msgspec.json.Decoder(BookData, strict=False)
BOOK_TEXT: Final = msgspec.json.Decoder(BookText)
TRADES: Final = msgspec.json.Decoder(list[TradeData], strict=False)

#: What decoding can raise for bytes that are not a well-formed frame of the expected shape.
DecodeError = (msgspec.DecodeError, msgspec.ValidationError)
