"""Research building blocks shared by model plugins: labels, purged walk-forward splits, datasets.

* :mod:`.labels`: forward returns over horizons, fee-aware direction classes, triple-barrier labels;
  every label knows the interval ``[t0, t1]`` of market time it looks at.
* :mod:`.splits`: walk-forward folds with purging (training labels that overlap the test period are
  dropped) and an embargo after it, so no training row carries information from the test period.
* :mod:`.dataset`: features from a profile's feed and feature engine, aligned with the labels.
"""

from cryptoscalp_core.research.labels import Labels, direction_classes, forward_returns, triple_barrier
from cryptoscalp_core.research.splits import Fold, walk_forward

__all__ = ["Fold", "Labels", "direction_classes", "forward_returns", "triple_barrier", "walk_forward"]
