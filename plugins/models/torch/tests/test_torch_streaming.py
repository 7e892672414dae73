"""Streaming predict equals batch predict; determinism for a seed; save/load mid-stream; training resumes."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_models_torch.testing import ALL, STREAMING, tiny_model

from cryptoscalp_core.testing.conformance import regression_dataset

X, Y = regression_dataset(200, seed=3)
X_NEW = regression_dataset(60, seed=4)[0]


@pytest.mark.parametrize("component", STREAMING)
def test_streaming_equals_batch(component: str) -> None:
    """Rows given one at a time, or in uneven chunks, predict what the whole batch predicts."""
    model = tiny_model(component)
    model.fit(X, Y)
    model.reset()  # type: ignore[attr-defined]
    batch = model.predict(X_NEW)
    model.reset()  # type: ignore[attr-defined]
    one = np.concatenate([model.predict(X_NEW[i:i + 1]) for i in range(len(X_NEW))])
    model.reset()  # type: ignore[attr-defined]
    cuts = [0, 3, 4, 17, 40, len(X_NEW)]
    chunks = np.concatenate([model.predict(X_NEW[a:b]) for a, b in itertools.pairwise(cuts)])
    np.testing.assert_allclose(one, batch, atol=2e-6)
    np.testing.assert_allclose(chunks, batch, atol=2e-6)


@pytest.mark.parametrize("component", STREAMING)
def test_stream_context_matters(component: str) -> None:
    """The previous call's rows are the next call's context: a row predicted after history differs from
    the same row predicted at the start of a stream (otherwise streaming would be a no-op)."""
    model = tiny_model(component)
    model.fit(X, Y)
    model.reset()  # type: ignore[attr-defined]
    cold = model.predict(X_NEW[:1])
    model.reset()  # type: ignore[attr-defined]
    warm = model.predict(X_NEW)[-1:]
    model.reset()  # type: ignore[attr-defined]
    model.predict(X_NEW[:-1])
    np.testing.assert_allclose(model.predict(X_NEW[-1:]), warm, atol=2e-6)
    assert not np.array_equal(cold, model.predict(X_NEW[:1]))


@pytest.mark.parametrize("component", ALL)
def test_seed_decides_the_model(component: str) -> None:
    """The same seed gives bit-identical predictions; another seed gives other weights."""
    a, b = tiny_model(component), tiny_model(component)
    a.fit(X, Y)
    b.fit(X, Y)
    np.testing.assert_array_equal(a.predict(X_NEW), b.predict(X_NEW))
    if component != "torch-ensemble":
        c = tiny_model(component, seed=8)
        c.fit(X, Y)
        a.reset()  # type: ignore[attr-defined]
        assert not np.array_equal(a.predict(X_NEW), c.predict(X_NEW))


@pytest.mark.parametrize("component", ALL)
def test_save_load_mid_stream_and_resume_training(component: str, tmp_path: Path) -> None:
    """A model saved mid-stream continues the stream identically after load, and partial_fit after load
    trains exactly as partial_fit on the original (optimiser state and seeds are saved)."""
    model = tiny_model(component)
    model.fit(X, Y)
    model.predict(X_NEW[:25])
    model.save(tmp_path / "m")
    loaded = type(model).load(tmp_path / "m")
    np.testing.assert_array_equal(model.predict(X_NEW[25:]), loaded.predict(X_NEW[25:]))
    model.partial_fit(X[:80], Y[:80])
    loaded.partial_fit(X[:80], Y[:80])
    model.reset()  # type: ignore[attr-defined]
    loaded.reset()  # type: ignore[attr-defined]
    np.testing.assert_array_equal(model.predict(X_NEW), loaded.predict(X_NEW))


def test_partial_fit_continues_training() -> None:
    """partial_fit moves the weights from where fit left them (not a restart): fit + partial_fit differs
    from fit alone and from partial_fit alone."""
    base = tiny_model("torch-lstm")
    base.fit(X, Y)
    cont = tiny_model("torch-lstm")
    cont.fit(X, Y)
    cont.partial_fit(X_NEW, np.tanh(X_NEW[:, 0]))
    fresh = tiny_model("torch-lstm")
    fresh.partial_fit(X_NEW, np.tanh(X_NEW[:, 0]))
    p_base, p_cont, p_fresh = (m.predict(X) for m in (base, cont, fresh))
    assert not np.array_equal(p_base, p_cont) and not np.array_equal(p_cont, p_fresh)
    assert np.corrcoef(p_base, p_cont)[0, 1] > 0.5  # one more epoch nudges, it does not replace


def test_width_and_label_errors() -> None:
    model = tiny_model("torch-tcn")
    with pytest.raises(ValueError, match="rows but y has"):
        model.fit(X, Y[:-1])
    model.fit(X, Y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])
    probs = tiny_model("torch-tcn", output="probabilities")
    with pytest.raises(ValueError, match="class indices"):
        probs.fit(X, Y)  # real values are not class indices
