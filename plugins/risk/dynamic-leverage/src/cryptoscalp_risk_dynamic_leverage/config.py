"""Profile settings of the ``dynamic-leverage`` layer (validated once at start-up; a brackets file is read
here, so a missing or malformed file is a profile error with its YAML path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from cryptoscalp_core.registry import ComponentConfig
from cryptoscalp_risk_dynamic_leverage.brackets import Bracket, read_ccxt_file


class DynamicLeverageConfig(ComponentConfig):
    """Leverage here is position notional / account equity, per instrument."""

    max_leverage: float = Field(3.0, gt=0, description="hard cap on notional / equity for one instrument")
    target_vol_annual: float | None = Field(
        None, gt=0, description="volatility targeting: leverage = this / annualised realised volatility")
    kelly_fraction: float | None = Field(
        None, gt=0, le=1, description="capped Kelly: leverage <= this x (mean / variance of trade returns)")
    kelly_min_trades: int = Field(20, ge=2, description="closed trades needed before Kelly sizing applies")
    kelly_window: int = Field(200, ge=2, description="closed trades remembered for Kelly sizing")
    kelly_floor: float = Field(0.0, ge=0, description="leverage allowed when the Kelly estimate is <= 0")
    account_leverage: float = Field(10.0, gt=0, description="the leverage set at the venue; the brackets cap the "
                                    "notional at which it is allowed")
    brackets: dict[str, list[Bracket]] = Field(default_factory=dict,
                                               description="leverage tiers by instrument id (venue:SYMBOL)")
    brackets_file: Path | None = Field(None, description="ccxt-style leverage-tier JSON (.json or .json.gz), "
                                       "e.g. Binance USD-M's; instruments map to BASE/QUOTE:QUOTE")
    brackets_symbols: dict[str, str] = Field(default_factory=dict,
                                             description="instrument id -> symbol in brackets_file, overrides")
    resize: bool = Field(True, description="cut an intent to the allowed size instead of rejecting it")
    _file_tiers: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _read_file(self) -> DynamicLeverageConfig:
        if self.brackets_file is not None:
            if not self.brackets_file.is_file():
                raise ValueError(f"brackets_file {self.brackets_file} does not exist")
            try:
                self._file_tiers = read_ccxt_file(self.brackets_file)
            except (OSError, ValueError) as exc:
                raise ValueError(f"brackets_file {self.brackets_file}: {exc}") from exc
        return self

    @property
    def file_tiers(self) -> dict[str, Any]:
        return self._file_tiers
