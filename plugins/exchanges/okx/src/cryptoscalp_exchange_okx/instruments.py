"""OKX instrument metadata (``GET /api/v5/public/instruments``) → core :class:`Instrument`.

Sizes of OKX derivatives are in contracts: the instrument's quantity unit is one contract, its
``lot_size``/``min_qty`` are ``lotSz``/``minSz`` and ``contract_multiplier`` is ``ctVal x ctMult`` base
units per contract. Inverse (coin-margined) contracts are refused: their notional is not
``price x qty x multiplier``, which the core's grid maths assumes.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from cryptoscalp_core.domain.instrument import Instrument

VENUE = "okx"
INSTRUMENTS_PATH = "/api/v5/public/instruments"


class InstrumentError(ValueError):
    """An instrument row OKX sent that cannot become a core Instrument, or a venue error answer."""


def instrument_from_okx(row: Mapping[str, Any]) -> Instrument:
    """One ``data[]`` row of the instruments endpoint as an :class:`Instrument` of venue ``okx``."""
    try:
        inst_id = str(row["instId"])
        inst_type = str(row["instType"])
        tick, lot = Decimal(str(row["tickSz"])), Decimal(str(row["lotSz"]))
        min_sz = Decimal(str(row.get("minSz") or "0"))
        if inst_type in ("SWAP", "FUTURES"):
            if row.get("ctType") != "linear":
                raise InstrumentError(f"{inst_id}: only linear (USDT/USDC-margined) contracts are supported, "
                                      f"got ctType {row.get('ctType')!r}")
            multiplier = Decimal(str(row["ctVal"])) * Decimal(str(row.get("ctMult") or "1"))
            family = str(row.get("instFamily") or row.get("uly") or "")
            base, _, quote = family.partition("-")
            base = str(row.get("ctValCcy") or base)
            quote = str(row.get("settleCcy") or quote)
        elif inst_type == "SPOT":
            multiplier = Decimal(1)
            base, quote = str(row.get("baseCcy", "")), str(row.get("quoteCcy", ""))
        else:
            raise InstrumentError(f"{inst_id}: instType {inst_type!r} is not supported")
        return Instrument(VENUE, inst_id, tick_size=tick, lot_size=lot, contract_multiplier=multiplier,
                          min_qty=min_sz, base=base, quote=quote)
    except InstrumentError:
        raise
    except (KeyError, TypeError, ArithmeticError, ValueError) as exc:
        raise InstrumentError(f"malformed instrument row {dict(row)!r}: {exc}") from None


def instruments_from_response(body: bytes | str | Mapping[str, Any]) -> dict[str, Instrument]:
    """``instId`` → Instrument for every supported row of an instruments response; unsupported rows
    (inverse contracts, options) are skipped, a venue error (``code`` != ``"0"``) raises."""
    data = json.loads(body) if isinstance(body, bytes | str) else body
    if not isinstance(data, Mapping) or str(data.get("code")) != "0" or not isinstance(data.get("data"), list):
        raise InstrumentError(f"instruments endpoint answered with an error: {str(data)[:200]}")
    out: dict[str, Instrument] = {}
    for row in data["data"]:
        try:
            inst = instrument_from_okx(row)
        except InstrumentError:
            continue
        out[inst.symbol] = inst
    return out


def fetch_instruments_sync(rest_url: str, inst_type: str, timeout_s: float) -> dict[str, Instrument]:
    query = urllib.parse.urlencode({"instType": inst_type})
    request = urllib.request.Request(f"{rest_url.rstrip('/')}{INSTRUMENTS_PATH}?{query}",
                                     headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return instruments_from_response(response.read())


async def fetch_instruments(rest_url: str, inst_type: str, timeout_s: float) -> dict[str, Instrument]:
    """The venue's instruments of ``inst_type``; a blocking request run in a worker thread (once per start)."""
    return await asyncio.to_thread(fetch_instruments_sync, rest_url, inst_type, timeout_s)


def reference_instruments() -> dict[str, Instrument]:
    """Instruments shipped with the plugin (for profile checks without network)."""
    text = resources.files("cryptoscalp_exchange_okx").joinpath("reference_instruments.json").read_text()
    return instruments_from_response(text)


def grid_mismatches(profile: Instrument, venue: Instrument) -> list[str]:
    """Fields where the profile's instrument disagrees with the venue's metadata."""
    return [f"{name}: profile {getattr(profile, name)} != venue {getattr(venue, name)}"
            for name in ("tick_size", "lot_size", "contract_multiplier")
            if getattr(profile, name) != getattr(venue, name)]


def by_symbol(instruments: Iterable[Instrument]) -> dict[str, Instrument]:
    return {inst.symbol: inst for inst in instruments}
