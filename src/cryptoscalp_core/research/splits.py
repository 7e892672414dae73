"""Walk-forward folds with purging and embargo (López de Prado's rules for overlapping labels).

The rows are split by time into ``n_folds + 1`` consecutive blocks; fold ``k`` tests on block ``k + 1``
and trains on the earlier blocks (``expanding``) or on the ``train_blocks`` blocks just before it
(``rolling``). Two rules keep test information out of training:

* **purge**: a training row whose label interval ``[t0, t1]`` reaches into the test period is dropped;
* **embargo**: training rows that start within ``embargo_ns`` after the test period are dropped too (they
  matter only for folds that train on data after the test block; walk-forward never does, but the rule
  is applied uniformly so the folds stay valid if reused in both directions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.research.labels import Labels


@dataclass(frozen=True, slots=True)
class Fold:
    train: npt.NDArray[np.int64]  #: row indices
    test: npt.NDArray[np.int64]
    test_start_ns: int
    test_end_ns: int  #: inclusive
    purged: int  #: training rows removed by purging and embargo


def walk_forward(labels: Labels, n_folds: int, *, embargo_ns: int = 0, mode: str = "expanding",
                 train_blocks: int = 1, min_train: int = 1) -> list[Fold]:
    """Folds over the rows with a label (NaN labels are in no fold), in time order."""
    if n_folds < 1:
        raise ValueError("n_folds must be at least 1")
    if mode not in ("expanding", "rolling"):
        raise ValueError(f"mode must be 'expanding' or 'rolling', got {mode!r}")
    rows = np.flatnonzero(labels.valid)
    if len(rows) < n_folds + 1:
        raise ValueError(f"{len(rows)} labelled rows cannot make {n_folds} folds")
    order = rows[np.argsort(labels.t0[rows], kind="stable")]
    blocks = np.array_split(order, n_folds + 1)
    folds: list[Fold] = []
    for k in range(1, n_folds + 1):
        test = blocks[k]
        first = 0 if mode == "expanding" else max(0, k - train_blocks)
        candidates = np.concatenate(blocks[first:k])
        start, end = int(labels.t0[test].min()), int(labels.t0[test].max())
        t0, t1 = labels.t0[candidates], labels.t1[candidates]
        overlaps = (t1 >= start) & (t0 <= end)
        embargoed = (t0 > end) & (t0 <= end + embargo_ns)
        keep = ~(overlaps | embargoed)
        train = candidates[keep]
        if len(train) < min_train:
            continue
        folds.append(Fold(np.sort(train), np.sort(test), start, end, int((~keep).sum())))
    return folds
