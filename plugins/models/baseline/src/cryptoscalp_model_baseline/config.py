"""Profile settings of the three baseline models."""

from __future__ import annotations

from pydantic import Field, model_validator

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_core.registry import ComponentConfig


class EmaCrossConfig(ComponentConfig):
    fast: str = Field("trade_ema_20", description="Feature name of the fast moving average.")
    slow: str = Field("trade_ema_100", description="Feature name of the slow moving average.")
    allow_short: bool = Field(False, description="Go short (-1) after a cross below instead of flat (0).")

    @model_validator(mode="after")
    def _distinct(self) -> EmaCrossConfig:
        if self.fast == self.slow:
            raise ValueError(f"fast and slow are the same feature {self.fast!r}: they can never cross")
        return self


class ImbalanceConfig(ComponentConfig):
    column: str = Field("ofi_100", description="Feature name of the order-flow imbalance to follow.")
    k: float = Field(0.5, gt=0, description="Target position per standard deviation of the imbalance.")
    threshold: float = Field(1.0, ge=0, description="Dead band: |z| at or below it gives a flat target.")


class LogisticConfig(ComponentConfig):
    output: SignalKind = Field(SignalKind.TARGET_POSITION,
                               description="target_position (2p - 1) or probabilities ([1 - p, p]).")
    learning_rate: float = Field(0.1, gt=0, description="Adagrad base step size.")
    l2: float = Field(1e-4, ge=0, description="L2 penalty on the weights (not the intercept).")
    epochs: int = Field(5, ge=1, le=1000, description="Passes over the data in fit (partial_fit makes one).")
    batch_size: int = Field(32, ge=1, description="Rows per Adagrad step.")
    shuffle: bool = Field(True, description="Shuffle rows between fit epochs (partial_fit keeps time order).")
    seed: int = Field(0, ge=0, description="Seed of the shuffling; the same seed and data give the same model.")
