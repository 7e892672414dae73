"""Profile settings of the ``multi-source`` feed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from cryptoscalp_core.marketdata.nested import NestedFeedConfig, validate_sections


class MultiSourceConfig(NestedFeedConfig):
    """One stream of the profile's instruments from several feeds, with failover between them."""

    sources: list[dict[str, Any]] = Field(min_length=2, description=(
        "Feed sections `{use: NAME, ...settings}` in order of preference: the first that starts is active, and "
        "an earlier one that recovers takes over again (failback)."))
    stall_ms: float = Field(250.0, gt=0, le=60_000, description=(
        "The active source is stalled when it has delivered nothing for this long while another source has."))
    lag_ms: float = Field(1000.0, gt=0, description=(
        "The active source is behind when its newest ts_event trails the freshest source's by more than this."))
    failback_ms: float = Field(5000.0, ge=0, description=(
        "A preferred source must have been healthy this long before it takes over again (hysteresis)."))
    min_dwell_ms: float = Field(1000.0, ge=0, description="No failback sooner than this after any switch.")
    check_ms: float = Field(25.0, gt=0, le=1000, description="How often the failover rule is evaluated.")
    buffer_ms: float = Field(2000.0, ge=0, description=(
        "Each standby keeps this much recent data (by ts_recv) to fill the hole a stalled source left."))
    dedupe: Literal["auto", "sequence", "time"] = Field("auto", description=(
        "`sequence`: venue ids (trade_id, seq, last_seq) are comparable across sources (one venue); `time`: "
        "by ts_event (different venues); `auto`: `sequence` when every source uses the same component."))
    queue_batches: int = Field(10_000, ge=16, description="Batches buffered between the sources and the merge.")

    @field_validator("sources")
    @classmethod
    def _sources_valid(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        validate_sections(cls.registry, value, ())
        return value

    @model_validator(mode="after")
    def _windows(self) -> MultiSourceConfig:
        if self.check_ms > self.stall_ms:
            raise ValueError(f"check_ms ({self.check_ms:g}) must not exceed stall_ms ({self.stall_ms:g})")
        return self

    def dedupe_mode(self) -> Literal["sequence", "time"]:
        if self.dedupe != "auto":
            return self.dedupe
        return "sequence" if len({s.get("use") for s in self.sources}) == 1 else "time"
