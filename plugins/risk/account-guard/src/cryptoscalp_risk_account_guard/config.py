"""Profile settings of the ``account-guard`` layer (validated once at start-up)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig


class AccountGuardConfig(ComponentConfig):
    """Money in quote currency; percentages as percent (5 = 5 %). Equity is what the engine reports:
    initial balance plus realised and unrealised PnL, fees and funding."""

    max_daily_loss: Decimal | None = Field(None, gt=0, description="kill switch when equity falls this much "
                                           "below its value at the start of the UTC day")
    max_daily_loss_pct: float | None = Field(None, gt=0, lt=100, description="the same, in percent of that value")
    max_drawdown_pct: float | None = Field(None, gt=0, lt=100, description="kill switch at this fall from the "
                                           "peak equity, percent")
    max_margin_ratio: float | None = Field(None, gt=0, description="above this maintenance margin / equity, "
                                           "intents that add exposure are rejected")
    kill_margin_ratio: float | None = Field(None, gt=0, description="kill switch above this margin ratio")
    min_liquidation_distance_bps: Decimal | None = Field(
        None, gt=0, description="intents that add exposure are rejected while an adverse move this small "
        "(basis points, all positions at once) would bring equity down to maintenance margin")
    reflatten_interval_ms: int = Field(5_000, gt=0, description="while latched with a position left, ask "
                                       "again to flatten at most this often")
    persist: bool = Field(True, description="keep the latch in the store's audit events across restarts")
    persist_in_backtest: bool = Field(False, description="also persist it in backtests (off: a backtest's "
                                      "latch ends with the run, so runs stay reproducible)")
    latch_key: str | None = Field(None, min_length=1, max_length=96,
                                  description="name of the latch in the store; default: the profile name")

    @model_validator(mode="after")
    def _some_limit(self) -> AccountGuardConfig:
        if all(v is None for v in (self.max_daily_loss, self.max_daily_loss_pct, self.max_drawdown_pct,
                                   self.max_margin_ratio, self.kill_margin_ratio,
                                   self.min_liquidation_distance_bps)):
            raise ValueError("set at least one limit (max_daily_loss, max_daily_loss_pct, max_drawdown_pct, "
                             "max_margin_ratio, kill_margin_ratio, min_liquidation_distance_bps)")
        return self
