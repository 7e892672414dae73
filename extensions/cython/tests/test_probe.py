import numpy as np
from cryptoscalp_speedups._probe import ema
from hypothesis import given
from hypothesis import strategies as st


def reference_ema(x: list[float], alpha: float) -> list[float]:
    out, acc = [], None
    for v in x:
        acc = v if acc is None else acc + alpha * (v - acc)
        out.append(acc)
    return out


@given(st.lists(st.floats(-1e6, 1e6), max_size=200), st.floats(0.001, 1.0))
def test_ema_matches_reference(values: list[float], alpha: float) -> None:
    got = ema(np.asarray(values, dtype=np.float64), alpha)
    np.testing.assert_allclose(got, reference_ema(values, alpha), rtol=1e-12, atol=1e-9)
