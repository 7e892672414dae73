"""Profile settings of the ``volatility-stops`` layer (validated once at start-up)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig


class VolatilityStopsConfig(ComponentConfig):
    """Distances are multiples of one *volatility unit*: the ATR over ``atr_bars`` bars, or price x
    realised bar volatility x sqrt(``vol_horizon_bars``), fixed when a position opens."""

    basis: Literal["atr", "realised_vol"] = Field("atr", description="what a volatility unit is")
    atr_bars: int = Field(14, ge=1, description="bars in the average true range")
    vol_horizon_bars: int = Field(60, ge=1, description="horizon of the realised-volatility unit, bars")
    stop_loss: float | None = Field(3.0, gt=0, description="stop-loss distance from entry, in units")
    take_profit: float | None = Field(None, gt=0, description="take-profit distance from entry, in units")
    trailing: float | None = Field(None, gt=0, description="trailing-stop distance from the best price, units")
    max_holding_s: float | None = Field(None, gt=0, description="time stop: close a position held this long")
    min_unit_bps: float = Field(2.0, gt=0, description="a volatility unit is never smaller than this, bps")
    fallback_unit_bps: float = Field(20.0, gt=0, description="the unit while volatility is unknown, bps")
    cooldown_ms: int = Field(0, ge=0, description="after a stop, reject re-entry on the same side this long")
    retry_ms: int = Field(5_000, gt=0, description="ask again to exit this often while the position stays")

    @model_validator(mode="after")
    def _some_stop(self) -> VolatilityStopsConfig:
        if all(v is None for v in (self.stop_loss, self.take_profit, self.trailing, self.max_holding_s)):
            raise ValueError("set at least one of stop_loss, take_profit, trailing, max_holding_s")
        return self
