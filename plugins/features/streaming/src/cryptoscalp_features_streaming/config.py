"""Profile settings of the ``streaming`` feature engine.

Which features run is decided in three steps: the *preset* (``default`` or ``full``) gives the clocks,
windows and levels, any list given explicitly replaces the preset's; ``families`` and ``include`` (name
globs) pick from the resulting catalogue (a feature is kept when its family is listed *or* its name
matches an include pattern; neither given keeps everything); ``exclude`` globs then remove names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cryptoscalp_core.registry import ComponentConfig
from cryptoscalp_features_streaming.clocks import parse_clock

MAX_WINDOW = 100_000

PRESETS: dict[str, dict[str, list[int] | list[float] | list[str]]] = {
    "default": {"clocks": ["time1s", "tick100"], "ma_windows": [10, 50], "osc_windows": [14],
                "band_windows": [20], "windows": [10, 50], "return_horizons": [1, 10],
                "imbalance_levels": [1, 5], "ofi_levels": [1, 5], "half_lives_s": [1.0, 10.0]},
    "full": {"clocks": ["time1s", "time10s", "time60s", "tick100", "tick1000", "vol10", "ev1000"],
             "ma_windows": [10, 20, 50, 100], "osc_windows": [7, 14, 28], "band_windows": [20, 50],
             "windows": [10, 20, 50, 100], "return_horizons": [1, 2, 5, 10, 20, 50],
             "imbalance_levels": [1, 2, 3, 5, 10, 20], "ofi_levels": [1, 2, 3, 5, 10],
             "half_lives_s": [1.0, 10.0, 60.0]},
}


class NormaliseConfig(BaseModel):
    """Real-time normalisation of emitted rows, per instrument and column."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["zscore", "ewstd", "clip"] = Field(
        "zscore", description="zscore: (x - EW mean) / EW std; ewstd: x / EW std; clip: clipping only.")
    half_life: float = Field(1000.0, gt=0, description="Half-life of the EW moments, in emitted rows.")
    clip: float = Field(5.0, ge=0, description="Clip to [-clip, clip] after scaling (0: no clipping).")
    warmup: int = Field(20, ge=2, description="Rows a column must have seen before it is scaled (NaN before).")
    include: list[str] = Field(["*"], description="Name globs of the columns normalised (others pass raw).")
    exclude: list[str] = Field([], description="Name globs never normalised.")


class CrossAssetConfig(BaseModel):
    """Rolling correlation and beta of time-bar returns between the profile's instruments."""

    model_config = ConfigDict(extra="forbid")

    clocks: list[str] = Field(["time1s", "time10s"], description="Time clocks of the shared return grid "
                                                                  "(tick/volume/event bars are not aligned).")
    windows: list[int] = Field([60, 300], description="Windows, in slots of the clock (>= 2).")
    reference: str | None = Field(None, description="An instrument id (venue:SYMBOL): every instrument "
                                                    "against it only. null: each against each other.")
    stats: list[Literal["corr", "beta"]] = Field(["corr", "beta"], description="corr and/or beta (OLS slope "
                                                                               "of the row's returns on the other's).")

    @field_validator("clocks")
    @classmethod
    def _time_clocks(cls, v: list[str]) -> list[str]:
        if not v or len(set(v)) != len(v):
            raise ValueError(f"one or more distinct clocks needed, got {v}")
        for name in v:
            if not parse_clock(name).is_time:
                raise ValueError(f"clock {name!r} is not a time clock: cross-asset returns need a shared grid")
        return v

    @field_validator("windows")
    @classmethod
    def _windows(cls, v: list[int]) -> list[int]:
        if not v or any(not 2 <= w <= MAX_WINDOW for w in v) or len(set(v)) != len(v):
            raise ValueError(f"distinct windows in [2, {MAX_WINDOW:,}] needed, got {v}")
        return v


class StreamingFeaturesConfig(ComponentConfig):
    preset: Literal["default", "full"] = Field(
        "default", description="default: two clocks and short windows (~170 features); full: the whole "
                               "catalogue (>= 1,000 features).")
    full: bool = Field(False, description="Same as preset: full.")
    clocks: list[str] | None = Field(
        None, description="Bar clocks: time<N><ms|s|m|h>, tick<N> (trades), vol<X> (quantity, vol0p5 = 0.5), "
                          "ev<N> (events of any kind).")
    ma_windows: list[int] | None = Field(None, description="Periods of the moving averages, in bars.")
    osc_windows: list[int] | None = Field(None, description="Periods of RSI, CCI, Williams %R, MFI, ATR, NATR, ADX.")
    band_windows: list[int] | None = Field(None, description="Periods of the Bollinger and Keltner bands.")
    windows: list[int] | None = Field(
        None, description="Rolling windows (bars) of VWAP, volatility, OFI, TFI, VPIN, Kyle, Amihud, spread, "
                          "intensity and z-score features.")
    return_horizons: list[int] | None = Field(None, description="Return horizons, in bars.")
    imbalance_levels: list[int] | None = Field(None, description="Depth-imbalance levels of the L2 book.")
    ofi_levels: list[int] | None = Field(None, description="Levels of the multi-level order-flow imbalance.")
    half_lives_s: list[float] | None = Field(None, description="Half-lives (s) of the trade and quote intensities.")
    families: list[str] | None = Field(None, description="Families to keep (see `cryptoscalp features list`).")
    include: list[str] = Field([], description="Name globs to keep, e.g. 'trade.tick*.ema_*'.")
    exclude: list[str] = Field([], description="Name globs to drop (applied last).")
    emit: str = Field(
        "trade", description="When rows are emitted: trade, quote, book (complete messages), any (every "
                             "event), or a clock name (one row per bar close of that clock).")
    max_fill: int = Field(1000, ge=0, description="Empty time bars inserted per gap at most (the rest are counted).")
    normalise: NormaliseConfig | None = Field(None, description="Real-time normalisation stage (off by default).")
    xasset: CrossAssetConfig | None = Field(None, description="Cross-asset correlation and beta between the "
                                                              "profile's instruments (off by default).")

    @field_validator("clocks")
    @classmethod
    def _clocks(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            for name in v:
                parse_clock(name)
            if len(set(v)) != len(v):
                raise ValueError(f"duplicate clocks: {v}")
        return v

    @field_validator("ma_windows", "osc_windows", "band_windows", "windows", "return_horizons", "imbalance_levels",
                     "ofi_levels")
    @classmethod
    def _windows(cls, v: list[int] | None) -> list[int] | None:
        if v is not None:
            if any(not 1 <= w <= MAX_WINDOW for w in v):
                raise ValueError(f"every value must be in [1, {MAX_WINDOW:,}], got {v}")
            if len(set(v)) != len(v):
                raise ValueError(f"duplicates: {v}")
        return v

    @field_validator("half_lives_s")
    @classmethod
    def _half_lives(cls, v: list[float] | None) -> list[float] | None:
        if v is not None and any(not h > 0 for h in v):
            raise ValueError(f"half-lives must be > 0, got {v}")
        return v

    def setting(self, name: str) -> list[int] | list[float] | list[str]:
        """A list setting as given, else the preset's."""
        value = getattr(self, name)
        return value if value is not None else PRESETS[self.preset_name][name]

    @property
    def preset_name(self) -> str:
        return "full" if self.full else self.preset

    @model_validator(mode="after")
    def _check(self) -> StreamingFeaturesConfig:
        from cryptoscalp_features_streaming.catalogue import FAMILIES

        unknown = sorted(set(self.families or ()) - set(FAMILIES))
        if unknown:
            raise ValueError(f"families: unknown {unknown}; known: {', '.join(FAMILIES)}")
        clocks = [str(c) for c in self.setting("clocks")]
        if self.emit not in ("trade", "quote", "book", "any") and self.emit not in clocks:
            raise ValueError(f"emit: {self.emit!r} is neither trade, quote, book, any nor one of the clocks {clocks}")
        return self
