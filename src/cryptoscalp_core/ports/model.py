"""Model port: features in, signals out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


class SignalKind(StrEnum):
    TARGET_POSITION = "target_position"  #: one column in [-1, 1]: fraction of the allowed position
    PROBABILITIES = "probabilities"  #: k columns summing to 1 (for example down / flat / up)


@runtime_checkable
class Model(Protocol):
    """A trainable mapping from feature rows to signals. Batch first: every method takes 2-D arrays.

    Contract:

    * ``X`` is float64 of shape ``(n, n_features)``, columns in the order of the feature engine's names;
      rows may contain NaN (not warmed up) and the model must not raise for them: its prediction for
      such a row is 0 (flat) or the uniform distribution.
    * :meth:`predict` returns shape ``(n,)`` for :attr:`signal_kind` ``TARGET_POSITION`` (values in
      [-1, 1]) or ``(n, k)`` for ``PROBABILITIES``. It never mutates the model.
    * :meth:`fit` trains from scratch; :meth:`partial_fit` continues training on new rows. ``y`` has the
      label shape of the model's family (documented by the plugin). Both are deterministic for a seed.
    * :meth:`save` writes everything needed into the directory ``path`` (created if missing);
      :meth:`load` is a classmethod that returns an equivalent model whose predictions are identical.
    * ``predict`` raises :class:`RuntimeError` if the model has parameters to learn and was neither fit
      nor loaded. A rule model with nothing to learn (an EMA crossover, say) predicts at once; it says so
      with :attr:`requires_fit` ``False``. Engines check :attr:`requires_fit` before a run.
    * A streaming rule may keep state from one :meth:`predict` call to the next (a crossing is relative to
      the previous row); such a model documents it, and rows must then be given in time order, once.
    """

    @property
    def signal_kind(self) -> SignalKind: ...

    @property
    def requires_fit(self) -> bool:
        """True while the model must be fit or loaded before :meth:`predict` can run."""
        ...

    def fit(self, X: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> None: ...

    def partial_fit(self, X: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> None: ...

    def predict(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...

    def save(self, path: Path) -> None: ...

    @classmethod
    def load(cls, path: Path) -> Model: ...
