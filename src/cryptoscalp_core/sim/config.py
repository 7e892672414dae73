"""Settings of the simulated venue (also the profile settings of the executor component ``sim``).

Profile example::

    executor:
      use: sim
      latency: {entry: {kind: lognormal, median_ms: 8, sigma: 0.4}, response: {kind: constant, ms: 5}}
      queue_model: prob-queue
      fees_bps: {maker: 2, taker: 5}
      leverage: 10

``latency`` also accepts one model for both directions: ``latency: {kind: constant, ms: 5}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from cryptoscalp_core.registry import ComponentConfig


class ConstantLatency(ComponentConfig):
    """Always ``ms`` milliseconds."""

    kind: Literal["constant"] = "constant"
    ms: float = Field(5.0, ge=0, description="latency in milliseconds")


class LognormalLatency(ComponentConfig):
    """``median_ms * exp(sigma * z)``, z standard normal: positive and right-skewed like real networks."""

    kind: Literal["lognormal"] = "lognormal"
    median_ms: float = Field(gt=0, description="median latency in milliseconds")
    sigma: float = Field(0.5, ge=0, description="standard deviation of the log of the latency")


class NormalLatency(ComponentConfig):
    """``mean_ms + jitter_ms * z``, floored at zero."""

    kind: Literal["normal"] = "normal"
    mean_ms: float = Field(ge=0, description="mean latency in milliseconds")
    jitter_ms: float = Field(0.0, ge=0, description="standard deviation in milliseconds")


class ReplayLatency(ComponentConfig):
    """Latencies measured on a real venue, in nanoseconds: a ``.npy`` array or a ``.csv`` / ``.txt`` file
    with one number per line (the first column is used). They are replayed in order and cyclically, from
    an offset chosen by the seed. The file is read on first use, not when the profile is validated."""

    kind: Literal["replay"] = "replay"
    path: Path = Field(description="file of int64 nanosecond latencies (.npy, .csv or .txt)")

    @model_validator(mode="after")
    def _known_suffix(self) -> ReplayLatency:
        if self.path.suffix.lower() not in (".npy", ".csv", ".txt"):
            raise ValueError(f"latency replay file must be .npy, .csv or .txt, got {self.path.name!r}")
        return self


LatencyModel = Annotated[ConstantLatency | LognormalLatency | NormalLatency | ReplayLatency,
                         Field(discriminator="kind")]


class LatencyConfig(ComponentConfig):
    """``entry``: local send -> venue arrival of orders and cancels; ``response``: venue event -> local
    receipt of acknowledgements, fills and cancels."""

    entry: LatencyModel = Field(default_factory=ConstantLatency)
    response: LatencyModel = Field(default_factory=ConstantLatency)

    @model_validator(mode="before")
    @classmethod
    def _one_model_for_both(cls, data: Any) -> Any:
        # ``latency: {kind: constant, ms: 5}`` is the common case: the same model in both directions.
        if isinstance(data, dict) and "kind" in data:
            return {"entry": data, "response": data}
        return data


class FeesBps(ComponentConfig):
    """Fee rates in basis points of notional; a negative maker fee is a rebate."""

    maker: float = Field(2.0, description="bps charged on maker (resting) fills")
    taker: float = Field(5.0, description="bps charged on taker (aggressive) fills")


class SimVenueConfig(ComponentConfig):
    """The simulated venue: latency, queue-position model, fees, margin and liquidation."""

    latency: LatencyConfig = Field(
        default_factory=LatencyConfig,
        description="one model for both directions ({kind: constant, ms: 5}) or {entry: …, response: …}; "
                    "kinds: constant (ms), lognormal (median_ms, sigma), normal (mean_ms, jitter_ms), replay (path)")
    queue_model: Literal["risk-averse", "prob-queue"] = Field(
        "prob-queue", description="how cancellations at an order's price level move it in the queue")
    queue_power: float = Field(2.0, gt=0, description="n of f(x) = x**n in the prob-queue model")
    fees_bps: FeesBps | None = Field(None, description="fee rates; null: the instrument's maker/taker fees")
    leverage: float = Field(10.0, gt=0, description="initial margin = notional / leverage")
    initial_balance: float = Field(10_000.0, ge=0, description="starting wallet balance in quote currency")
    maintenance_margin_rate: float = Field(0.005, ge=0, lt=1, description="liquidation below this x notional")
    liquidation: bool = Field(True, description="close every position when equity falls below maintenance")
    seed: int = Field(0, ge=0, description="seed of the latency samplers")
