"""One-row event arrays against their reference, ``np.array([row], dtype)`` of the core's dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from cryptoscalp_speedups import eventrows
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import MARK_DTYPE, QUOTE_DTYPE, TRADE_DTYPE

i64 = st.integers(-(2**63), 2**63 - 1)
u16 = st.integers(0, 65535)
f64 = st.floats(allow_nan=True, allow_infinity=True)


def same(got: np.ndarray, want: np.ndarray) -> bool:
    return got.dtype == want.dtype and got.shape == (1,) and got.tobytes() == want.tobytes()


@settings(max_examples=60, deadline=None)
@given(i64, i64, u16, st.sampled_from([1, -1]), i64, f64, f64)
def test_trade_row(ts: int, recv: int, inst: int, side: int, tid: int, price: float, qty: float) -> None:
    assert same(eventrows.trade_row(ts, recv, inst, side, tid, price, qty),
                np.array([(ts, recv, inst, side, tid, price, qty)], TRADE_DTYPE))


@settings(max_examples=60, deadline=None)
@given(i64, i64, u16, i64, f64, f64, f64, f64)
def test_quote_row(ts: int, recv: int, inst: int, seq: int, bp: float, bq: float, ap: float, aq: float) -> None:
    assert same(eventrows.quote_row(ts, recv, inst, seq, bp, bq, ap, aq),
                np.array([(ts, recv, inst, seq, bp, bq, ap, aq)], QUOTE_DTYPE))


@settings(max_examples=60, deadline=None)
@given(i64, i64, u16, f64, f64, f64, i64)
def test_mark_row(ts: int, recv: int, inst: int, mark: float, index: float, rate: float, nxt: int) -> None:
    assert same(eventrows.mark_row(ts, recv, inst, mark, index, rate, nxt),
                np.array([(ts, recv, inst, mark, index, rate, nxt)], MARK_DTYPE))


def test_dtypes_are_the_cores_and_rows_are_writable() -> None:
    assert eventrows.TRADE_DTYPE == TRADE_DTYPE and eventrows.QUOTE_DTYPE == QUOTE_DTYPE
    assert eventrows.MARK_DTYPE == MARK_DTYPE
    row = eventrows.quote_row(1, 2, 3, 4, 5.0, 6.0, 7.0, 8.0)
    row["ts_recv"] = 9
    assert row["ts_recv"][0] == 9


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError):
        eventrows.trade_row(0, 0, 70000, 1, 0, 1.0, 1.0)
    with pytest.raises(OverflowError):
        eventrows.quote_row(2**63, 0, 0, 0, 1.0, 1.0, 1.0, 1.0)
