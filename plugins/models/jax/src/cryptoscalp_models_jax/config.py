"""Profile settings of the JAX models."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_core.registry import ComponentConfig

Task = Literal["regression", "binary", "multiclass"]

_TASK_HELP = ("What y is: `regression` (a real-valued label such as a forward return; training.target: label), "
              "`binary` (1 = up, 0 = not up; training.target: up), `multiclass` (0 / 1 / 2 = down / flat / up; "
              "training.target: class).")


class _JaxModelConfig(ComponentConfig):
    task: Task = Field("binary", description=_TASK_HELP)
    output: SignalKind = Field(SignalKind.TARGET_POSITION, description=(
        "target_position or probabilities (binary: [1 - p, p]; multiclass: [down, flat, up]). "
        "A regression gives target_position only."))
    clip_z: float = Field(8.0, gt=0, description=(
        "Standardised features are clipped to +-clip_z: a fat-tailed feature cannot swamp the others."))
    seed: int = Field(0, ge=0, description=(
        "Seed of the PRNGKey (initialisation, shuffling); same seed and data, same model."))

    @model_validator(mode="after")
    def _output_fits_task(self) -> _JaxModelConfig:
        if self.task == "regression" and self.output is SignalKind.PROBABILITIES:
            raise ValueError("a regression predicts a target position: output must be target_position")
        return self


class JaxMlpConfig(_JaxModelConfig):
    hidden: list[int] = Field([64, 32], max_length=8, description="Units of each hidden layer (empty: a linear model).")
    activation: Literal["relu", "tanh", "gelu"] = Field("relu", description="Activation of the hidden layers.")
    learning_rate: float = Field(1e-3, gt=0, le=1, description="Adam step size.")
    weight_decay: float = Field(1e-4, ge=0, description="Decoupled weight decay (AdamW) on the weight matrices.")
    epochs: int = Field(20, ge=1, le=10_000, description="Most passes over the data in fit.")
    batch_size: int = Field(256, ge=1, le=1_000_000, description="Rows per Adam step.")
    validation_fraction: float = Field(0.1, ge=0, lt=0.5, description=(
        "Latest share of the fit rows (time order) held out for early stopping; 0 turns it off."))
    patience: int = Field(5, ge=1, description="Epochs without a better validation loss before fit stops.")
    gain: float = Field(1.0, gt=0, description=(
        "regression: target position = tanh(gain * prediction in units of the label's RMS)."))

    @model_validator(mode="after")
    def _positive_units(self) -> JaxMlpConfig:
        if any(h < 1 or h > 4096 for h in self.hidden):
            raise ValueError(f"hidden: every layer needs 1..4096 units, got {self.hidden}")
        return self


class JaxOnlineLinearConfig(_JaxModelConfig):
    optimizer: Literal["adagrad", "adam"] = Field("adagrad", description="Per-coordinate adaptive step rule.")
    learning_rate: float = Field(0.05, gt=0, le=10, description="Base step size.")
    l2: float = Field(1e-4, ge=0, description="L2 penalty on the weights (not the intercept).")
    epochs: int = Field(3, ge=1, le=1000, description="Passes over the data in fit (partial_fit makes one).")
    batch_size: int = Field(32, ge=1, le=1_000_000, description="Rows per update.")
    shuffle: bool = Field(True, description="Shuffle rows between fit epochs (partial_fit keeps time order).")
    gain: float = Field(1.0, gt=0, description=(
        "regression: target position = tanh(gain * prediction in units of the label's RMS)."))
