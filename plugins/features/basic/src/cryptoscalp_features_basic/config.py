"""Profile settings of the ``basic`` feature engine and the feature names they produce."""

from __future__ import annotations

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig

#: Largest window or span, in events. It bounds the carried tails (one float per event of the longest
#: window, per instrument).
MAX_WINDOW = 1_000_000
_WINDOW_FIELDS = ("ema_spans", "sma_windows", "return_horizons", "flow_windows", "ofi_windows")


class BasicFeaturesConfig(ComponentConfig):
    """Windows are counted in events of the instrument, not in time: trade features in trades, ``ofi_*``
    in quote updates. Each is an int in [1, 1,000,000], without duplicates within a list."""

    ema_spans: list[int] = Field(
        [20, 100], description="EMA spans in trades: trade_ema_<span>, alpha = 2 / (span + 1).")
    sma_windows: list[int] = Field(
        [50], description="Simple moving averages of the trade price over the last N trades: trade_sma_<N>.")
    return_horizons: list[int] = Field(
        [10], description="Log return of the trade price over the last N trades: logret_<N>.")
    flow_windows: list[int] = Field(
        [100], description="Trade-flow imbalance sum(side*qty)/sum(qty) over the last N trades: tfi_<N>.")
    quotes: bool = Field(
        True, description="Quote features (mid, spread_bps, microprice_dev_bps, l1_imbalance, ofi_<N>).")
    ofi_windows: list[int] = Field(
        [100], description="Order-flow imbalance (Cont-Kukanov-Stoikov) summed over the last N quote "
                            "updates, in quantity units: ofi_<N>. Only with quotes on.")

    @model_validator(mode="after")
    def _check(self) -> BasicFeaturesConfig:
        for field in _WINDOW_FIELDS:
            values: list[int] = getattr(self, field)
            if any(not 1 <= v <= MAX_WINDOW for v in values):
                raise ValueError(f"{field}: every window must be in [1, {MAX_WINDOW:,}], got {values}")
            if len(set(values)) != len(values):
                # Two equal windows would give two columns of the same name.
                raise ValueError(f"{field} has duplicates: {list(values)}")
        if not feature_names(self):
            raise ValueError("no features configured: give at least one window or turn quotes on")
        return self

    @property
    def trade_features(self) -> tuple[str, ...]:
        return (
            *(f"trade_ema_{s}" for s in self.ema_spans),
            *(f"trade_sma_{w}" for w in self.sma_windows),
            *(f"logret_{h}" for h in self.return_horizons),
            *(f"tfi_{w}" for w in self.flow_windows),
        )

    @property
    def quote_features(self) -> tuple[str, ...]:
        if not self.quotes:
            return ()
        return ("mid", "spread_bps", "microprice_dev_bps", "l1_imbalance", *(f"ofi_{w}" for w in self.ofi_windows))


def feature_names(config: BasicFeaturesConfig) -> tuple[str, ...]:
    """Column order of the engine: trade features first, then quote features."""
    return config.trade_features + config.quote_features
