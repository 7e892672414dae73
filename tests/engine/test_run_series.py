"""A run's saved series: what np.load reads back is what the run had."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cryptoscalp_core.engine.run import save_series, series_path


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 500), fills=st.integers(0, 500), data=st.data())
def test_saved_series_read_back_exactly(tmp_path_factory: object, n: int, fills: int, data: st.DataObject) -> None:
    out = Path(tmp_path_factory.mktemp("runs"))  # type: ignore[attr-defined]
    floats = hnp.arrays(np.float64, n, elements=st.floats(allow_nan=True, allow_infinity=True))
    series = {"ts": data.draw(hnp.arrays(np.int64, n)), "price": data.draw(floats), "pnl": data.draw(floats)}
    fill_arrays = {"ts": data.draw(hnp.arrays(np.int64, fills)), "side": data.draw(hnp.arrays(np.int8, fills))}
    path = save_series(out, "bt-1", series, fill_arrays)
    assert path == series_path(out, "bt-1")
    got = np.load(path)
    assert sorted(got.files) == ["fill_side", "fill_ts", "pnl", "price", "ts"]
    for name, want in [*series.items(), *((f"fill_{k}", v) for k, v in fill_arrays.items())]:
        assert got[name].dtype == want.dtype
        assert got[name].tobytes() == want.tobytes()
    assert [p.name for p in path.parent.iterdir()] == ["series.npz"]  # no temporary file left behind
