"""Profile settings of the ``throughput-breaker`` layer (validated once at start-up)."""

from __future__ import annotations

from pydantic import Field

from cryptoscalp_core.registry import ComponentConfig


class ThroughputBreakerConfig(ComponentConfig):
    """Every limit is optional (null turns it off); windows slide over the last ``*_window_s`` seconds."""

    max_orders_per_s: int | None = Field(10, ge=1, description="new orders allowed in any 1-second window")
    max_orders_per_min: int | None = Field(300, ge=1, description="new orders allowed in any 60-second window")
    max_cancel_ratio: float | None = Field(None, gt=0, description="cancels / new orders over ratio_window_s "
                                           "above this opens the breaker")
    ratio_window_s: float = Field(60.0, gt=0, description="window of the cancel ratio")
    ratio_min_orders: int = Field(20, ge=1, description="orders in the window before the ratio is judged")
    max_errors: int | None = Field(5, ge=1, description="venue rejections within error_window_s that open "
                                   "the breaker")
    error_window_s: float = Field(60.0, gt=0, description="window of the error count")
    max_latency_ms: float | None = Field(None, gt=0, description="median order acknowledgement latency over "
                                         "the last latency_samples above this opens the breaker")
    latency_samples: int = Field(20, ge=1, description="acknowledgements in the latency median")
    cooldown_s: float = Field(30.0, gt=0, description="how long an open breaker stays open")
    max_data_age_ms: float | None = Field(2_000, gt=0, description="halt new orders on an instrument whose "
                                          "newest market event is older than this")
    cancel_on_stale: bool = Field(True, description="also cancel the instrument's resting orders when its "
                                  "data goes stale")
