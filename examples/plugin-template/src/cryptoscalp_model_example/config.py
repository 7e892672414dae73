"""Profile settings of the ``example-ridge`` model (validated once, when the profile is loaded)."""

from __future__ import annotations

from pydantic import Field

from cryptoscalp_core.registry import ComponentConfig


class RidgeConfig(ComponentConfig):
    """Settings of the ``example-ridge`` model. Fitting is closed-form, hence deterministic: no seed."""

    alpha: float = Field(1.0, gt=0, description="L2 penalty on the weights (larger = smoother, smaller signals)")
    gain: float = Field(1.0, gt=0, description="score multiplier before tanh (larger = positions saturate sooner)")
