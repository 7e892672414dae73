"""Walk-forward folds never train on rows whose labels reach into the test period."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptoscalp_core.research.labels import Labels
from cryptoscalp_core.research.splits import walk_forward


@st.composite
def labels(draw: st.DrawFn) -> Labels:
    n = draw(st.integers(12, 120))
    t0 = np.sort(np.asarray(draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n)), dtype=np.int64))
    spans = np.asarray(draw(st.lists(st.integers(0, 80), min_size=n, max_size=n)), dtype=np.int64)
    values = np.asarray(draw(st.lists(st.sampled_from([-1.0, 0.0, 1.0, np.nan]), min_size=n, max_size=n)))
    return Labels(values, t0, t0 + spans)


@given(labels(), st.integers(1, 4), st.integers(0, 50), st.sampled_from(["expanding", "rolling"]))
def test_no_training_label_overlaps_its_test_period(lab: Labels, n_folds: int, embargo: int, mode: str) -> None:
    if lab.valid.sum() < n_folds + 1:
        with pytest.raises(ValueError, match="cannot make"):
            walk_forward(lab, n_folds, embargo_ns=embargo, mode=mode)
        return
    for fold in walk_forward(lab, n_folds, embargo_ns=embargo, mode=mode):
        assert not set(fold.train) & set(fold.test)
        assert lab.valid[fold.train].all() and lab.valid[fold.test].all()
        assert np.all(lab.t0[fold.test] >= fold.test_start_ns) and np.all(lab.t0[fold.test] <= fold.test_end_ns)
        # purged: every training label ended before the test period began (walk-forward trains on the past)
        assert np.all(lab.t1[fold.train] < fold.test_start_ns)


def test_purging_removes_exactly_the_overlapping_rows() -> None:
    t0 = np.arange(10, dtype=np.int64) * 10
    t1 = t0 + np.array([5, 5, 5, 5, 25, 5, 5, 5, 5, 5])  # row 4's label reaches t=65
    lab = Labels(np.zeros(10), t0, t1)
    folds = walk_forward(lab, 1)  # train on rows 0-4, test on rows 5-9 (t = 50..90)
    assert folds[0].train.tolist() == [0, 1, 2, 3]
    assert folds[0].purged == 1
