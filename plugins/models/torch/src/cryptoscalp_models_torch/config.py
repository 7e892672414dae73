"""Profile settings of the torch model family: one shared training block plus each family's sizes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_core.registry import ComponentConfig

Device = Literal["auto", "cpu", "cuda"]
#: a feature column: its name, a glob over the feature engine's names, or its 0-based index
Column = str | int


class TorchModelConfig(ComponentConfig):
    """Settings every torch model shares: output, training loop, standardisation, device, logging."""

    output: SignalKind = Field(SignalKind.TARGET_POSITION, description=(
        "target_position (one column in [-1, 1], tanh head, squared-error loss) or probabilities "
        "(k columns, softmax head, cross-entropy loss)."))
    classes: int | None = Field(None, ge=2, le=64, description=(
        "Number of classes for probabilities; default: largest class index in the first fit + 1 (at least 2)."))
    target_scale: float | Literal["auto"] = Field("auto", description=(
        "target_position: y is multiplied by it and clipped to [-1, 1] before the loss; auto maps the "
        "99th percentile of |y| in the first fit to 1 (so raw forward returns become positions)."))
    epochs: int = Field(10, ge=1, le=10_000, description="Passes over the data in fit.")
    partial_fit_epochs: int = Field(1, ge=1, le=1000, description="Passes over the new rows in partial_fit.")
    learning_rate: float = Field(1e-3, gt=0, le=1.0, description="Adam step size.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW decoupled weight decay.")
    batch_size: int = Field(256, ge=1, le=1_000_000, description="Windows per optimiser step.")
    dropout: float = Field(0.0, ge=0, lt=1, description="Dropout inside the network while training.")
    shuffle: bool = Field(True, description="Shuffle windows between epochs (seeded).")
    seed: int = Field(0, ge=0, description="Seeds initialisation, shuffling and dropout: same seed and data, "
                                           "same model.")
    device: Device = Field("auto", description="auto: CUDA when available, else CPU.")
    threads: int | None = Field(1, ge=1, le=256, description=(
        "torch intra-op CPU threads (process-wide) set when the model trains or predicts; 1 is fastest "
        "for single decisions and makes CPU results independent of the machine; null leaves torch's."))
    clip: float = Field(10.0, gt=0, description="Standardised features are clipped to [-clip, clip].")
    validation_fraction: float = Field(0.0, ge=0, lt=0.5, description=(
        "Last fraction of the labelled rows (in time) held out of fit to report validation loss and IC."))
    patience: int | None = Field(None, ge=1, description=(
        "Stop fit after this many epochs without a better validation loss and keep the best weights "
        "(needs validation_fraction > 0)."))
    predict_batch: int = Field(1024, ge=1, description=(
        "Rows per forward pass in a large predict call; about a thousand keeps each pass's activations in "
        "the CPU cache (faster than bigger passes for these network sizes)."))
    inference_backend: Literal["auto", "onnxruntime", "torchscript", "eager"] = Field("auto", description=(
        "What runs the network at predict time on the CPU: onnxruntime (needs the `onnx` extra), "
        "torchscript (a frozen trace for single rows), eager; auto takes the first that reproduces the "
        "network on probe windows. CUDA always runs eager."))
    quantize: bool = Field(False, description=(
        "Predict with dynamic int8 quantisation of Linear/LSTM layers (CPU); weights are trained and saved "
        "in float, the quantised copy is rebuilt after fit, partial_fit and load."))
    tensorboard_dir: str | None = Field(None, description=(
        "Write training loss and validation metrics per epoch here (needs the tensorboard package)."))

    @model_validator(mode="after")
    def _patience_needs_validation(self) -> TorchModelConfig:
        if self.patience is not None and self.validation_fraction == 0:
            raise ValueError("patience needs validation_fraction > 0 (early stopping watches the held-out loss)")
        return self


class LstmConfig(TorchModelConfig):
    seq_len: int = Field(16, ge=1, le=4096, description="Rows per input window (the row itself and earlier).")
    hidden: int = Field(32, ge=1, le=4096, description="LSTM hidden units.")
    layers: int = Field(1, ge=1, le=8, description="Stacked LSTM layers.")


class TcnConfig(TorchModelConfig):
    channels: list[int] = Field(default_factory=lambda: [32, 32, 32], min_length=1, description=(
        "Channels of each causal convolution block; block i has dilation 2**i."))
    kernel_size: int = Field(3, ge=2, le=16, description="Convolution kernel width.")

    @field_validator("channels")
    @classmethod
    def _positive(cls, v: list[int]) -> list[int]:
        if any(c < 1 for c in v):
            raise ValueError("every block needs at least one channel")
        return v

    @property
    def seq_len(self) -> int:
        """The receptive field: the rows one output depends on."""
        return int(1 + (self.kernel_size - 1) * (2 ** len(self.channels) - 1))


class TransformerConfig(TorchModelConfig):
    timeframes: list[int] = Field(default_factory=lambda: [1, 4, 16], min_length=1, description=(
        "Bar clocks in rows: each timeframe s gives tokens that average s consecutive rows."))
    tokens_per_timeframe: int = Field(4, ge=1, le=256, description="Tokens (bars) of each timeframe.")
    d_model: int = Field(32, ge=4, le=1024, description="Token width.")
    heads: int = Field(2, ge=1, le=64, description=(
        "Attention heads (divides d_model). The default 2 heads of width 16 have the parameters of any other "
        "split of d_model, with fewer and larger attention products, which run faster on a CPU."))
    layers: int = Field(2, ge=1, le=12, description="Encoder layers.")

    @model_validator(mode="after")
    def _shape(self) -> TransformerConfig:
        if self.d_model % self.heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by heads {self.heads}")
        if len(set(self.timeframes)) != len(self.timeframes) or min(self.timeframes) < 1:
            raise ValueError(f"timeframes must be distinct positive row counts, got {self.timeframes}")
        return self

    @property
    def seq_len(self) -> int:
        return int(max(self.timeframes) * self.tokens_per_timeframe)


def _bid_levels() -> list[Column]:
    return ["*.depth_bid_*"]


def _ask_levels() -> list[Column]:
    return ["*.depth_ask_*"]


class BookTransformerConfig(TorchModelConfig):
    bid_columns: list[Column] = Field(default_factory=_bid_levels, min_length=1, description=(
        "Columns of the bid depth levels (names, globs or indices); levels are ordered by the number at "
        "the end of the name (depth_bid_1 is the best)."))
    ask_columns: list[Column] = Field(default_factory=_ask_levels, min_length=1, description=(
        "Columns of the ask depth levels, as bid_columns; as many levels as bids."))
    context: bool = Field(True, description="Add one token made of every other feature column.")
    d_model: int = Field(32, ge=4, le=1024, description="Token width.")
    heads: int = Field(2, ge=1, le=64, description=(
        "Attention heads (divides d_model). The default 2 heads of width 16 have the parameters of any other "
        "split of d_model, with fewer and larger attention products, which run faster on a CPU."))
    layers: int = Field(2, ge=1, le=12, description="Encoder layers.")

    @model_validator(mode="after")
    def _heads(self) -> BookTransformerConfig:
        if self.d_model % self.heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by heads {self.heads}")
        return self


class GnnConfig(TorchModelConfig):
    nodes: dict[str, list[Column]] = Field(min_length=2, description=(
        "Instrument → its feature columns (names, globs or indices); every instrument has the same "
        "number of columns, in matching order."))
    returns: dict[str, Column] = Field(description=(
        "Instrument → the column of its return; edges are the rolling correlation of these returns."))
    target: str | None = Field(None, description="Instrument whose signal is output (default: the first).")
    seq_len: int = Field(32, ge=3, le=4096, description="Rows of the rolling correlation window.")
    hidden: int = Field(32, ge=1, le=4096, description="Node embedding width.")
    layers: int = Field(2, ge=1, le=8, description="Message-passing layers.")

    @model_validator(mode="after")
    def _consistent(self) -> GnnConfig:
        if set(self.returns) != set(self.nodes):
            raise ValueError(f"returns must name the same instruments as nodes ({sorted(self.nodes)}), "
                             f"got {sorted(self.returns)}")
        if self.target is not None and self.target not in self.nodes:
            raise ValueError(f"target {self.target!r} is not among nodes {sorted(self.nodes)}")
        return self


class MlpConfig(TorchModelConfig):
    seq_len: int = Field(1, ge=1, le=4096, description="Rows flattened into one input (1: the row alone).")
    hidden: list[int] = Field(default_factory=lambda: [64, 32], description="Hidden layer widths.")


class LstmMember(LstmConfig):
    use: Literal["torch-lstm"]


class TcnMember(TcnConfig):
    use: Literal["torch-tcn"]


class TransformerMember(TransformerConfig):
    use: Literal["torch-transformer"]


class MlpMember(MlpConfig):
    use: Literal["torch-mlp"]


class BookTransformerMember(BookTransformerConfig):
    use: Literal["torch-book-transformer"]


class GnnMember(GnnConfig):
    use: Literal["torch-gnn"]


Member = Annotated[LstmMember | TcnMember | TransformerMember | MlpMember | BookTransformerMember | GnnMember,
                   Field(discriminator="use")]


def _default_members() -> list[Member]:
    return [LstmMember(use="torch-lstm"), TcnMember(use="torch-tcn")]


class EnsembleConfig(ComponentConfig):
    output: SignalKind = Field(SignalKind.TARGET_POSITION, description=(
        "Signal kind of the ensemble; a member that does not set output inherits it."))
    members: list[Member] = Field(default_factory=_default_members, min_length=1, description=(
        "Member models, each `{use: torch-lstm|torch-tcn|torch-transformer|torch-mlp|torch-book-transformer|"
        "torch-gnn, ...its settings}`."))
    weights: list[float] | None = Field(None, description="Weight of each member's signal (default equal).")

    @model_validator(mode="before")
    @classmethod
    def _inherit_output(cls, data: object) -> object:
        if isinstance(data, dict) and "output" in data:
            data = dict(data)
            members = data.get("members", [{"use": "torch-lstm"}, {"use": "torch-tcn"}])
            if isinstance(members, list):
                data["members"] = [{"output": data["output"], **m} if isinstance(m, dict) else m for m in members]
        return data

    @model_validator(mode="after")
    def _check(self) -> EnsembleConfig:
        wrong = [m.use for m in self.members if m.output is not self.output]
        if wrong:
            raise ValueError(f"members {wrong} output differs from the ensemble's {self.output.value}")
        if self.weights is not None:
            if len(self.weights) != len(self.members):
                raise ValueError(f"{len(self.weights)} weights for {len(self.members)} members")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
        return self
