"""Field validation of Binance USD-M stream payloads into row tuples of the core dtypes.

Each decoder returns a row tuple (fields in dtype order) or a drop reason; none raises. Binance sends
prices and quantities as decimal strings and times as integer ms; ``ts_event`` is the matching-engine
time ``T`` where the message has one (trade time, book transaction time) and the push time ``E``
otherwise (mark price). Book prices become exact integer ticks (:mod:`cryptoscalp_feed_replay.ticks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

from cryptoscalp_core.domain.events import Side
from cryptoscalp_feed_replay.ticks import TickGrid

_MAX_ID: Final = 2**62
_MAX_MS: Final = 9_000_000_000_000  # ms stamps beyond year 2255 are garbage, and would overflow int64 ns
_NAN: Final = float("nan")

Row = tuple[Any, ...]
Level = tuple[int, float]


class FieldError(Exception):
    """A field is missing or unusable; ``args[0]`` is the drop reason."""


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if type(value) is not int:
        raise FieldError("missing_field" if value is None else "bad_field")
    if not 0 <= value < _MAX_ID:
        raise FieldError("bad_field")
    return value


def _ms_ns(data: dict[str, Any], key: str) -> int:
    value = _int(data, key)
    if value > _MAX_MS:
        raise FieldError("bad_field")
    return value * 1_000_000


def _float(value: Any) -> float:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise FieldError("bad_field") from None
    if type(value) is int or type(value) is float:
        return float(value)
    raise FieldError("missing_field" if value is None else "bad_field")


def _price(value: Any) -> float:
    price = _float(value)
    if not math.isfinite(price):
        raise FieldError("non_finite_price")
    if price <= 0:
        raise FieldError("non_positive_price")
    return price


def _qty(value: Any, *, positive: bool = False) -> float:
    qty = _float(value)
    if not math.isfinite(qty):
        raise FieldError("non_finite_qty")
    if qty < 0 or (positive and qty == 0):
        raise FieldError("negative_qty" if qty < 0 else "non_positive_qty")
    return qty


def _event_ns(data: dict[str, Any]) -> int:
    return _ms_ns(data, "T" if "T" in data else "E")


def decode_trade(data: dict[str, Any], instrument: int, ts_recv: int) -> Row | str:
    """``trade`` / ``aggTrade`` → TRADE row. ``m`` (buyer is maker) true means the seller was the taker."""
    try:
        maker = data.get("m")
        if type(maker) is not bool:
            raise FieldError("missing_field" if maker is None else "bad_field")
        trade_id = _int(data, "t" if data.get("e") == "trade" else "a")
        return (_event_ns(data), ts_recv, instrument, Side.SELL if maker else Side.BUY, trade_id,
                _price(data.get("p")), _qty(data.get("q"), positive=True))
    except FieldError as bad:
        return str(bad.args[0])


def decode_quote(data: dict[str, Any], instrument: int, ts_recv: int) -> Row | str:
    """``bookTicker`` → QUOTE row; ``seq`` is the book update id ``u``."""
    try:
        return (_event_ns(data), ts_recv, instrument, _int(data, "u"), _price(data.get("b")), _qty(data.get("B")),
                _price(data.get("a")), _qty(data.get("A")))
    except FieldError as bad:
        return str(bad.args[0])


def decode_mark(data: dict[str, Any], instrument: int, ts_recv: int) -> Row | str:
    """``markPriceUpdate`` → MARK row. Index and funding rate are NaN when absent (delivery contracts
    send an empty funding rate); ``next_funding_ts`` is 0 then."""
    try:
        index = data.get("i")
        rate = data.get("r")
        next_funding = _ms_ns(data, "T") if data.get("T") else 0
        return (_ms_ns(data, "E"), ts_recv, instrument, _price(data.get("p")),
                _float(index) if index not in (None, "") else _NAN,
                _float(rate) if rate not in (None, "") else _NAN, next_funding)
    except FieldError as bad:
        return str(bad.args[0])


@dataclass(slots=True)
class Depth:
    """A depth diff (``first``/``last``/``prev`` = Binance ``U``/``u``/``pu``) or, with ``first == last``
    and ``prev == -1``, the REST snapshot (``lastUpdateId``). Levels are ``(price_ticks, qty)``."""

    first: int
    last: int
    prev: int
    ts_event: int
    bids: list[Level]
    asks: list[Level]


def _levels(value: Any, grid: TickGrid) -> list[Level]:
    # The hot loop of a depth replay (hundreds of thousands of levels): no helper calls per level.
    if not isinstance(value, list):
        raise FieldError("missing_field" if value is None else "bad_field")
    out: list[Level] = []
    ticks_of = grid.ticks
    try:
        for price, qty_text in value:
            if type(price) is not str or type(qty_text) is not str:
                raise FieldError("bad_field")
            ticks = ticks_of(price)
            if type(ticks) is str:
                raise FieldError(ticks)
            qty = float(qty_text)
            if not 0.0 <= qty < math.inf:
                raise FieldError("negative_qty" if qty < 0 else "non_finite_qty")
            out.append((ticks, qty))  # type: ignore[arg-type]  # ticks is an int here
    except (TypeError, ValueError):  # not a pair, not a number
        raise FieldError("bad_field") from None
    return out


def decode_diff(data: dict[str, Any], grid: TickGrid) -> Depth | str:
    """``depthUpdate`` → :class:`Depth`. A diff whose ``U > u`` is malformed."""
    try:
        first, last, prev = _int(data, "U"), _int(data, "u"), _int(data, "pu")
        if first > last:
            raise FieldError("bad_sequence")
        return Depth(first, last, prev, _event_ns(data), _levels(data.get("b"), grid), _levels(data.get("a"), grid))
    except FieldError as bad:
        return str(bad.args[0])


def decode_snapshot(data: dict[str, Any], grid: TickGrid) -> Depth | str:
    """REST ``GET /fapi/v1/depth`` response → :class:`Depth` at ``lastUpdateId``."""
    try:
        last = _int(data, "lastUpdateId")
        return Depth(last, last, -1, _event_ns(data), _levels(data.get("bids"), grid), _levels(data.get("asks"), grid))
    except FieldError as bad:
        return str(bad.args[0])
