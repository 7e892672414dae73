"""Profile settings of the ``portfolio-exposure`` layer (validated once at start-up)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig


class PortfolioExposureConfig(ComponentConfig):
    """Notionals are in quote currency (price x quantity x contract multiplier), signed long > 0."""

    max_gross_notional: Decimal | None = Field(None, gt=0, description="largest sum of absolute notionals")
    max_net_notional: Decimal | None = Field(None, gt=0, description="largest absolute sum of signed notionals")
    max_cluster_notional: Decimal | None = Field(
        None, gt=0, description="largest absolute net notional of a cluster of correlated instruments")
    cluster_correlation: float = Field(
        0.7, gt=0, le=1, description="instruments whose bar-return correlation is at least this share a cluster")
    cluster_min_bars: int = Field(60, ge=3, description="fewer aligned return bars: every instrument alone")
    max_concentration: float | None = Field(
        None, gt=0, lt=1, description="largest share of one instrument in the gross notional")
    concentration_min_gross: Decimal = Field(
        Decimal(0), ge=0, description="the concentration rule applies once the gross notional reaches this")
    max_var: Decimal | None = Field(None, gt=0, description="largest portfolio value at risk, quote currency")
    var_confidence: float = Field(0.99, ge=0.5, lt=1, description="VaR confidence level")
    var_method: Literal["historical", "parametric"] = Field("parametric", description="VaR method")
    var_horizon_bars: int = Field(60, ge=1, description="VaR horizon in market-view bars (1 s by default)")
    count_resting: bool = Field(True, description="resting orders on the intent's side count as exposure")
    resize: bool = Field(True, description="cut an intent down to the room left instead of rejecting it")

    @model_validator(mode="after")
    def _some_limit(self) -> PortfolioExposureConfig:
        if all(v is None for v in (self.max_gross_notional, self.max_net_notional, self.max_cluster_notional,
                                   self.max_concentration, self.max_var)):
            raise ValueError("set at least one of max_gross_notional, max_net_notional, max_cluster_notional, "
                             "max_concentration, max_var")
        return self
