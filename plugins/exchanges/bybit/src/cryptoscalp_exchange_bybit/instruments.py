"""Bybit linear instrument metadata (``/v5/market/instruments-info``) → :class:`Instrument`.

Three sources, in the order the ``cryptoscalp_resolve_instrument`` hook tries them (it must not do network
I/O): the local cache the feed refreshes at every start, then the reference file shipped with the plugin.
The feed itself always checks the live REST values at start (``verify_instruments``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_exchange_bybit.errors import BybitConfigError
from cryptoscalp_exchange_bybit.rest import BybitRest

log = logging.getLogger("cryptoscalp_exchange_bybit")

VENUE = "bybit"
#: Bybit's base-tier fees for derivatives (fractions of notional); the account's real rates come from the
#: private ``/v5/account/fee-rate`` endpoint.
DEFAULT_MAKER_FEE = Decimal("0.0002")
DEFAULT_TAKER_FEE = Decimal("0.00055")


def instrument_from_info(info: Mapping[str, Any], *, maker_fee: Decimal = DEFAULT_MAKER_FEE,
                         taker_fee: Decimal = DEFAULT_TAKER_FEE) -> Instrument:
    """One ``list`` entry of instruments-info → Instrument (quantity in base coin, multiplier 1)."""
    try:
        price, lot = info["priceFilter"], info["lotSizeFilter"]
        return Instrument(VENUE, str(info["symbol"]), tick_size=Decimal(price["tickSize"]),
                          lot_size=Decimal(lot["qtyStep"]), min_qty=Decimal(lot.get("minOrderQty", "0")),
                          min_notional=Decimal(lot.get("minNotionalValue", "0") or "0"),
                          maker_fee=maker_fee, taker_fee=taker_fee,
                          base=str(info.get("baseCoin", "")), quote=str(info.get("quoteCoin", "")))
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise BybitConfigError(f"malformed instruments-info entry {info!r}: {exc}") from None


async def fetch_infos(rest: BybitRest, symbols: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Live metadata of each symbol (one request per symbol: profiles trade a handful)."""
    out: dict[str, dict[str, Any]] = {}
    for symbol in symbols:
        result = await rest.get("/v5/market/instruments-info", {"category": "linear", "symbol": symbol})
        items = result.get("list") if isinstance(result, dict) else None
        for item in items or ():
            if isinstance(item, dict) and item.get("symbol") == symbol:
                out[symbol] = item
    return out


def verify(instruments: Sequence[Instrument], infos: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse to run on a symbol Bybit does not list as trading, or on a grid that differs from the venue's
    (book prices are ticks of the profile's tick size, so a wrong one would corrupt every price)."""
    problems = []
    for ins in instruments:
        info = infos.get(ins.symbol)
        if info is None:
            problems.append(f"{ins.id}: Bybit lists no linear contract {ins.symbol!r}")
            continue
        if info.get("status", "Trading") != "Trading":
            problems.append(f"{ins.id}: status is {info.get('status')!r}, not 'Trading'")
        live = instrument_from_info(info)
        if live.tick_size != ins.tick_size or live.lot_size != ins.lot_size:
            problems.append(f"{ins.id}: tick/lot size {ins.tick_size}/{ins.lot_size} in the profile, "
                            f"{live.tick_size}/{live.lot_size} on Bybit")
    if problems:
        raise BybitConfigError("; ".join(problems))


def cache_path() -> Path:
    root = os.environ.get("CRYPTOSCALP_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "cryptoscalp")
    return Path(root) / "bybit" / "instruments-linear.json"


def _read_list(text: str) -> dict[str, dict[str, Any]]:
    data = json.loads(text)
    items = data.get("list", []) if isinstance(data, dict) else []
    return {str(i["symbol"]): i for i in items if isinstance(i, dict) and "symbol" in i}


def update_cache(infos: Mapping[str, Mapping[str, Any]]) -> None:
    """Merge fresh metadata into the cache file (best effort: a read-only home only costs the cache)."""
    path = cache_path()
    try:
        known = _read_list(path.read_text()) if path.exists() else {}
        known.update({k: dict(v) for k, v in infos.items()})
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"list": list(known.values())}))
        tmp.replace(path)
    except (OSError, ValueError) as exc:
        log.info("bybit: instrument cache not updated (%s)", exc)


def known_infos() -> dict[str, dict[str, Any]]:
    """Cached metadata over the shipped reference (the cache is newer)."""
    ref = resources.files("cryptoscalp_exchange_bybit.reference").joinpath("instruments_linear.json")
    out = _read_list(ref.read_text())
    path = cache_path()
    try:
        if path.exists():
            out.update(_read_list(path.read_text()))
    except (OSError, ValueError) as exc:
        log.info("bybit: instrument cache unreadable (%s)", exc)
    return out


def resolve(symbol: str) -> Instrument | None:
    info = known_infos().get(symbol)
    return instrument_from_info(info) if info is not None else None
