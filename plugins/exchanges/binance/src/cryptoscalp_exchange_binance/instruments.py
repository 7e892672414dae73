"""``/fapi/v1/exchangeInfo`` symbols → :class:`Instrument`, and the check of profile instruments.

The resolve hook may not touch the network, so it reads a trimmed copy of exchangeInfo shipped with
the package (``reference/exchange_info.json``). Grids change rarely but do change; the feed therefore
reads the live exchangeInfo at start and refuses an instrument whose profile grid does not fit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from cryptoscalp_core.domain.instrument import Instrument

VENUE = "binance-usdm"


class InstrumentError(ValueError):
    """A profile instrument the venue does not list, does not trade, or quotes on another grid."""


def _decimal(value: Any, what: str) -> Decimal:
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise InstrumentError(f"exchangeInfo {what} is not a number: {value!r}") from None
    if not result.is_finite() or result < 0:
        raise InstrumentError(f"exchangeInfo {what} is not a non-negative number: {value!r}")
    return result


def instrument_from_symbol(info: Mapping[str, Any]) -> Instrument:
    """One ``symbols[]`` entry of exchangeInfo → :class:`Instrument` (tick from ``PRICE_FILTER``, lot
    and minimum quantity from ``LOT_SIZE``, minimum notional from ``MIN_NOTIONAL``)."""
    filters = {f.get("filterType"): f for f in info.get("filters", []) if isinstance(f, dict)}
    symbol = str(info.get("symbol", ""))
    try:
        price, lot = filters["PRICE_FILTER"], filters["LOT_SIZE"]
    except KeyError as missing:
        raise InstrumentError(f"{symbol}: exchangeInfo has no {missing.args[0]} filter") from None
    notional = filters.get("MIN_NOTIONAL", {}).get("notional", "0")
    return Instrument(
        venue=VENUE, symbol=symbol,
        tick_size=_decimal(price.get("tickSize"), f"{symbol} tickSize"),
        lot_size=_decimal(lot.get("stepSize"), f"{symbol} stepSize"),
        min_qty=_decimal(lot.get("minQty", "0"), f"{symbol} minQty"),
        min_notional=_decimal(notional, f"{symbol} notional"),
        base=str(info.get("baseAsset", "")), quote=str(info.get("quoteAsset", "")),
    )


def symbols_by_name(exchange_info: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(s.get("symbol")): s for s in exchange_info.get("symbols", []) if isinstance(s, dict)}


def check_instrument(profile: Instrument, listed: Mapping[str, Any] | None) -> None:
    """Raise :class:`InstrumentError` unless the venue lists ``profile``'s symbol as trading, with a
    tick size the profile's tick size divides (book prices become exact ticks of the profile's grid)."""
    if listed is None:
        raise InstrumentError(f"{profile.id}: Binance USD-M does not list symbol {profile.symbol!r}")
    status = listed.get("status")
    if status != "TRADING":
        raise InstrumentError(f"{profile.id}: symbol status is {status!r}, not TRADING")
    venue = instrument_from_symbol(listed)
    _, den = (venue.tick_size / profile.tick_size).as_integer_ratio()
    if den != 1:
        raise InstrumentError(
            f"{profile.id}: the venue's tick size {venue.tick_size} is not a multiple of the profile's "
            f"tick_size {profile.tick_size}; set tick_size: \"{venue.tick_size}\"")


@lru_cache(maxsize=1)
def reference_symbols() -> dict[str, Mapping[str, Any]]:
    """The shipped exchangeInfo excerpt, by symbol."""
    text = resources.files("cryptoscalp_exchange_binance").joinpath("reference/exchange_info.json").read_text()
    return symbols_by_name(json.loads(text))


def resolve(symbol: str) -> Instrument | None:
    """A shipped instrument by symbol, or ``None``."""
    listed = reference_symbols().get(symbol.upper())
    return None if listed is None else instrument_from_symbol(listed)
