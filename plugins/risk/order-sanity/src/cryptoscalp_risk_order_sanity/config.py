"""Profile settings of the ``order-sanity`` layer (validated once at start-up, never on the hot path)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from cryptoscalp_core.registry import ComponentConfig


class InstrumentLimits(ComponentConfig):
    """Per-instrument overrides; a field left out keeps the layer-wide value."""

    max_qty: Decimal | None = Field(None, gt=0, description="largest quantity of one order")
    max_notional: Decimal | None = Field(None, gt=0, description="largest notional of one order")
    price_band_bps: Decimal | None = Field(None, gt=0, description="widest limit-price distance")


class OrderSanityConfig(ComponentConfig):
    """Settings of the ``order-sanity`` risk layer. Quantities are in the instrument's quantity unit
    (contracts where the venue counts contracts), notionals in quote currency."""

    price_band_bps: Decimal = Field(
        Decimal(300), gt=0,
        description="a limit price more than this many basis points away from the reference is rejected",
    )
    reference: Literal["mid", "mark", "mid_or_mark"] = Field(
        "mid_or_mark", description="price the band and market-order notionals are measured against",
    )
    max_qty: Decimal | None = Field(None, gt=0, description="largest quantity of one order (all instruments)")
    max_notional: Decimal | None = Field(None, gt=0, description="largest notional of one order, quote currency")
    resize: bool = Field(False, description="cut an order above max_qty/max_notional down instead of rejecting it")
    duplicate_window_ns: int = Field(
        1_000_000_000, ge=0,
        description="an intent equal to one allowed less than this long ago is rejected; 0 turns it off",
    )
    duplicate_memory: int = Field(4096, ge=1, description="most intents remembered for duplicate suppression")
    per_instrument: dict[str, InstrumentLimits] = Field(
        default_factory=dict, description="overrides by instrument id (venue:SYMBOL)",
    )
