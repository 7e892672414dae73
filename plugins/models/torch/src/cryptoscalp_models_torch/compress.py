"""Compression for inference: dynamic int8 quantisation and knowledge distillation, each with the signal
agreement lost and the latency gained measured on the caller's rows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.research.metrics import information_coefficient
from cryptoscalp_models_torch.config import EnsembleConfig, MlpConfig
from cryptoscalp_models_torch.ensemble import EnsembleModel
from cryptoscalp_models_torch.families import MlpModel
from cryptoscalp_models_torch.measure import agreement, correlation, decision_latency, signal_score
from cryptoscalp_models_torch.model import TorchModel

F64 = npt.NDArray[np.float64]


def quantized(model: TorchModel | EnsembleModel) -> TorchModel | EnsembleModel:
    """A copy that predicts with int8 Linear/LSTM weights (``quantize: true``); the original is untouched.
    Saved copies keep float weights and re-quantise on load, so they stay trainable."""
    if isinstance(model, EnsembleModel):
        out = EnsembleModel(EnsembleConfig.model_validate(model.config.model_dump() | {
            "members": [m.model_dump() | {"quantize": True} for m in model.config.members]}))
        out.members = [_quantized_member(m) for m in model.members]
        return out
    return _quantized_member(model)


def _quantized_member(model: TorchModel) -> TorchModel:
    if model.network is None:
        raise RuntimeError("quantise a trained model (fit, partial_fit or load it first)")
    copy = model.clone()
    copy.config = type(model.config).model_validate(model.config.model_dump() | {"quantize": True})
    copy.refresh_inference()
    return copy


@dataclass(frozen=True, slots=True)
class CompressionReport:
    """A reference model (the teacher, or the float model) versus its compressed form (the student, or the
    int8 copy) on the same rows."""

    agreement: float  #: share of rows with the same direction (or most likely class)
    correlation: float  #: correlation of the two signal scores
    teacher_ic: float  #: rank IC of the teacher score against ``labels`` (NaN without labels)
    student_ic: float
    teacher_p50_us: float
    teacher_p99_us: float
    student_p50_us: float
    student_p99_us: float


DistillReport = CompressionReport


def compare(reference: Model, compressed: Model, X: F64, labels: F64 | None = None, *,
            latency_rows: int = 600) -> CompressionReport:
    """Signals of both models on ``X`` (fresh streams) and their single-decision latency."""
    for m in (reference, compressed):
        _reset(m)
    a, b = reference.predict(X), compressed.predict(X)
    kind = reference.signal_kind
    sa, sb = signal_score(a, kind), signal_score(b, kind)

    def ic(s: F64) -> float:
        return information_coefficient(s, labels) if labels is not None else math.nan

    for m in (reference, compressed):
        _reset(m)
    rows = X[:latency_rows]
    la, lb = decision_latency(reference, rows), decision_latency(compressed, rows)
    return CompressionReport(agreement(a, b, kind), correlation(sa, sb), ic(sa), ic(sb),
                             la.p50_us, la.p99_us, lb.p50_us, lb.p99_us)


def distill(teacher: Model, X: F64, student: TorchModel | None = None, *,
            labels: F64 | None = None) -> tuple[TorchModel, CompressionReport]:
    """Train ``student`` (default: a small ``torch-mlp`` over the teacher's window, at most 16 rows) on the
    teacher's soft outputs over ``X`` (no labels needed): its tanh position regresses on the teacher's
    position, or its log-probabilities on the teacher's class distribution (cross-entropy with soft
    targets). Returns the student and how it compares (IC against ``labels`` when given)."""
    _reset(teacher)
    soft = teacher.predict(X)
    _reset(teacher)
    if student is None:
        student = MlpModel(MlpConfig(output=teacher.signal_kind, seq_len=min(history_of(teacher), 16),
                                     hidden=[32, 16], epochs=30, learning_rate=3e-3))
    if student.signal_kind is not teacher.signal_kind:
        raise ValueError(f"student output {student.signal_kind} differs from the teacher's {teacher.signal_kind}")
    # the teacher's positions are already positions: no rescaling of the targets
    student.config = type(student.config).model_validate(student.config.model_dump() | {"target_scale": 1.0})
    student.fit(X, soft)
    return student, compare(teacher, student, X, labels)


def history_of(model: Model) -> int:
    """Rows of history a model reads per decision (1 for a model that is not a torch model)."""
    if isinstance(model, EnsembleModel):
        return max(m.seq_len for m in model.members)
    return model.seq_len if isinstance(model, TorchModel) else 1


def _reset(model: Model) -> None:
    reset = getattr(model, "reset", None)
    if callable(reset):
        reset()
