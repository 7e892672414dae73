"""Profile settings of the ``position-limit`` layer (validated once at start-up, never on the hot path)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig


class SideLimits(ComponentConfig):
    """Limits on the absolute position in one instrument, in its quantity unit (contracts on OKX).

    ``max_position`` bounds both sides; ``max_long`` / ``max_short`` bound one side each (both are
    positive numbers). Where two apply to a side, the smaller one wins. 0 forbids that side.
    """

    max_position: Decimal | None = Field(None, ge=0, description="largest absolute position, either side")
    max_long: Decimal | None = Field(None, ge=0, description="largest long position")
    max_short: Decimal | None = Field(None, ge=0, description="largest short position (a positive number)")

    def has_limit(self) -> bool:
        return any(v is not None for v in (self.max_position, self.max_long, self.max_short))


class PositionLimitConfig(SideLimits):
    """Settings of the ``position-limit`` risk layer: layer-wide limits, per-instrument overrides."""

    resize: bool = Field(True, description="cut an order down to the remaining room instead of rejecting it")
    per_instrument: dict[str, SideLimits] = Field(
        default_factory=dict, description="overrides by instrument id (venue:SYMBOL); unset fields inherit",
    )

    @model_validator(mode="after")
    def _some_limit(self) -> PositionLimitConfig:
        # A position-limit layer without any limit would silently allow everything: refuse the profile.
        if not self.has_limit() and not any(o.has_limit() for o in self.per_instrument.values()):
            raise ValueError("set at least one of max_position, max_long, max_short (here or per_instrument)")
        return self
