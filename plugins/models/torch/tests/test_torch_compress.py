"""Quantised models stay close to their float originals; distilled students agree with their teacher."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_models_torch import distill, quantized
from cryptoscalp_models_torch.measure import agreement
from cryptoscalp_models_torch.testing import tiny_model

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_core.testing.conformance import regression_dataset

X, Y = regression_dataset(600, seed=5)
X_TEST = regression_dataset(300, seed=6)[0]
X_UNLABELLED = regression_dataset(1500, seed=7)[0]  # distillation needs no labels: the teacher provides them


@pytest.mark.parametrize("component", ["torch-lstm", "torch-mlp", "torch-transformer", "torch-ensemble"])
def test_quantised_close_to_float(component: str, tmp_path: Path) -> None:
    model = tiny_model(component, epochs=6)
    model.fit(X, Y)
    q = quantized(model)  # type: ignore[arg-type]
    ref, out = model.predict(X_TEST), q.predict(X_TEST)
    assert not np.array_equal(ref, out), "int8 weights should change the numbers a little"
    assert np.max(np.abs(ref - out)) < 0.1
    assert np.corrcoef(ref, out)[0, 1] > 0.98
    q.save(tmp_path / "q")  # float weights on disk, re-quantised on load
    loaded = type(q).load(tmp_path / "q")
    q.reset()
    loaded.reset()
    np.testing.assert_array_equal(loaded.predict(X_TEST), q.predict(X_TEST))


def test_quantising_an_unfitted_model_is_refused() -> None:
    with pytest.raises(RuntimeError, match="trained"):
        quantized(tiny_model("torch-lstm"))  # type: ignore[arg-type]


@pytest.mark.parametrize("output", ["target_position", "probabilities"])
def test_student_agrees_with_ensemble_teacher(output: str) -> None:
    teacher = tiny_model("torch-ensemble", output=output)
    y = Y if output == "target_position" else np.digitize(Y, [-0.2, 0.2]).astype(np.float64)
    teacher.fit(X, y)
    student, report = distill(teacher, X_UNLABELLED)
    assert student.signal_kind is SignalKind(output)
    teacher.reset()  # type: ignore[attr-defined]
    on_new = agreement(teacher.predict(X_TEST), student.predict(X_TEST), SignalKind(output))
    assert report.agreement > 0.85, report
    assert on_new > 0.8, on_new  # rows neither saw in training
    assert report.correlation > 0.9, report
    assert report.student_p50_us > 0 and report.teacher_p50_us > 0
    _, with_labels = distill(teacher, X, labels=Y)
    assert with_labels.teacher_ic > 0.05, with_labels  # the teacher sees the signal ...
    assert abs(with_labels.student_ic - with_labels.teacher_ic) < 0.1, with_labels  # ... and so does the student
