"""Profile settings of the ``synthetic`` feed."""

from __future__ import annotations

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig
from cryptoscalp_feed_synthetic import parameters as model_params

#: 2024-01-01T00:00:00Z: a fixed default start keeps runs reproducible (a wall-clock start would not be).
DEFAULT_START_NS = 1_704_067_200_000_000_000

Override = float | list[float] | list[list[float]]


class SyntheticFeedConfig(ComponentConfig):
    params: str | None = Field(
        None, description=("Model parameters: a shipped set by name (`binance-usdm-btcusdt`) or the path of a "
                           "params JSON file written by `python -m cryptoscalp_feed_synthetic.estimate`. "
                           "Default: `binance-usdm-btcusdt`."))
    overrides: dict[str, Override] = Field(
        default_factory=dict, description=("Numbers replacing those of the params file, by dotted path: "
                                           "`hawkes.beta`, `levels.0.add_rate`, `hawkes.mu`, `latency.floor_ms`…"))
    seed: int = Field(0, ge=0, description="Random seed; the same seed and settings give identical batches.")
    start_ns: int = Field(DEFAULT_START_NS, ge=0, description="ts_event of the first message, ns since the epoch.")
    duration_s: float | None = Field(3600.0, gt=0, allow_inf_nan=False,
                                     description="Simulated seconds; the feed ends after them. null: no limit.")
    max_events: int | None = Field(None, gt=0, description=(
        "Most rows to yield (whole venue messages only); the feed ends there. null: no limit."))
    chunk_rows: int = Field(65536, ge=1, le=10_000_000, description=(
        "Rows simulated per step, and the largest batch. Batches are runs of one kind, so most are smaller."))
    instrument: int | str = Field(0, description=(
        "Which of the profile's instruments to simulate: its index or its id (`binance-usdm:BTCUSDT`)."))
    mid_price: float = Field(60000.0, gt=0, allow_inf_nan=False,
                             description="Mid price at the start, in quote currency (rounded to the tick grid).")

    @model_validator(mode="after")
    def _params_load(self) -> SyntheticFeedConfig:
        # Reading one small JSON file here lets `cryptoscalp profile check` report a wrong path or
        # override before any run starts, with the path of the bad setting.
        try:
            model_params.load(self.params, self.overrides)
        except model_params.ParamsError as exc:
            raise ValueError(str(exc)) from None
        return self
