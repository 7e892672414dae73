"""Settings of the data validator (the ``validated`` feed wraps any feed with it)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from cryptoscalp_core.marketdata.nested import NestedFeedConfig, validate_sections
from cryptoscalp_core.registry import ComponentConfig


class ValidatorConfig(ComponentConfig):
    max_price_ratio: float = Field(5.0, gt=1, description=(
        "`absurd_price`: drop a price more than this many times above (or below 1/this of) the last accepted."))
    jump_sigma: float = Field(12.0, gt=0, description=(
        "`price_jump`: drop a price this many sigmas of recent returns away from the trailing median."))
    min_sigma_bps: float = Field(1.0, gt=0, description="Floor of the return sigma, in basis points.")
    warmup: int = Field(200, ge=1, description="Returns observed before `price_jump` and anomaly checks start.")
    size_sigma: float = Field(6.0, gt=0, description="Trade log-size z-score counted as a `trade_size` anomaly.")
    latency_sigma: float = Field(8.0, gt=0, description="Latency z-score counted as a `latency` anomaly.")
    clock_window: int = Field(256, ge=1, description="Batches in the clock-offset estimate.")
    log_interval_s: float = Field(10.0, gt=0, description="At most one drop log line per rule this often.")


class ValidatedFeedConfig(ValidatorConfig, NestedFeedConfig):
    """The ``validated`` feed: another feed's batches through the DataValidator."""

    source: dict[str, Any] = Field(description="The feed to validate: `{use: NAME, ...settings}`.")

    @field_validator("source")
    @classmethod
    def _source_valid(cls, value: dict[str, Any]) -> dict[str, Any]:
        validate_sections(cls.registry, value, ())
        return value
