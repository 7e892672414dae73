"""Venue leverage brackets (notional tiers): the larger the position, the lower the leverage allowed and
the higher the maintenance margin rate. Binance publishes them per symbol; the ccxt-style JSON layout
(``{"BTC/USDT:USDT": [{"minNotional", "maxNotional", "maxLeverage", "maintenanceMarginRate"}, ...]}``,
optionally gzip-compressed) is read here.
"""

from __future__ import annotations

import gzip
import json
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field

from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.registry import ComponentConfig


class Bracket(ComponentConfig):
    """One tier: positions of notional up to ``max_notional`` may use up to ``max_leverage``."""

    max_notional: Decimal = Field(gt=0, description="upper notional bound of the tier, quote currency")
    max_leverage: Decimal = Field(gt=0, description="highest leverage allowed in the tier")
    maintenance_margin_rate: Decimal = Field(Decimal(0), ge=0, lt=1, description="maintenance margin rate")


class BracketTable:
    """The tiers of one instrument, sorted by notional."""

    __slots__ = ("caps", "tiers")

    def __init__(self, tiers: Sequence[Bracket]) -> None:
        self.tiers = sorted(tiers, key=lambda b: b.max_notional)
        if not self.tiers:
            raise ValueError("a bracket table needs at least one tier")
        self.caps = [b.max_notional for b in self.tiers]

    def cap_for(self, leverage: Decimal) -> Decimal:
        """The largest notional at which ``leverage`` is still allowed (0 when no tier allows it)."""
        allowed = [b.max_notional for b in self.tiers if b.max_leverage >= leverage]
        return max(allowed) if allowed else Decimal(0)

    def tier(self, notional: Decimal) -> Bracket:
        """The tier a position of ``notional`` falls in (the last one beyond the table)."""
        return self.tiers[min(bisect_left(self.caps, notional), len(self.tiers) - 1)]


def ccxt_symbol(inst: Instrument) -> str:
    """``BTC/USDT:USDT`` for a linear perpetual with base BTC and quote USDT (from the symbol when the
    instrument does not name them)."""
    base, quote = inst.base, inst.quote
    if not base or not quote:
        for q in ("USDT", "USDC", "BUSD"):
            if inst.symbol.endswith(q) and len(inst.symbol) > len(q):
                base, quote = inst.symbol[: -len(q)], q
                break
    return f"{base}/{quote}:{quote}"


def read_ccxt_file(path: Path) -> dict[str, Any]:
    """The raw ccxt-style tier document (``.gz`` read compressed); ``ValueError`` if it is not one."""
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        raw = json.load(fh)
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise ValueError(f"{path} is not a symbol -> tiers mapping")
    return raw


def load_ccxt_tiers(raw: Mapping[str, Any], symbols: Sequence[str] | None = None) -> dict[str, list[Bracket]]:
    """Tiers of ``symbols`` (all when ``None``) from a raw ccxt-style document."""
    out: dict[str, list[Bracket]] = {}
    for symbol in raw if symbols is None else [s for s in symbols if s in raw]:
        out[symbol] = [Bracket(max_notional=Decimal(str(t["maxNotional"])), max_leverage=Decimal(str(t["maxLeverage"])),
                               maintenance_margin_rate=Decimal(str(t.get("maintenanceMarginRate") or 0)))
                       for t in raw[symbol]]
    return out
