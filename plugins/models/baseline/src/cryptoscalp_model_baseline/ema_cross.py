"""``ema-cross``: long after the fast average crosses above the slow one, flat (or short) after it crosses
below.

This is a rule, not a learned model, and its ``predict`` is **streaming**: the regime (long / flat or
short) is remembered from row to row *and from one predict call to the next*, because a crossing is a
change relative to the previous row, including the last row of the previous call. Feed it rows in time
order, each row once. Two consequences:

* predict advances the model's state (the port's "predict never mutates" does not hold for this
  component; the conformance case MODEL-05 is marked as an expected failure in the plugin's tests);
* ``fit`` / ``partial_fit`` learn nothing from the data (y is ignored): they only check the shape of X.
  As a rule with nothing to learn it predicts without a fit (the port allows this for rule models).

The state is one stream: X carries no instrument, so with several instruments in a run their rows would
be compared with each other. Use it with one instrument (the usual scalping profile).

Definitions, per row with ``d = fast - slow``:

* a row where either column is NaN (or infinite) predicts 0 (flat, the port's rule for unusable rows)
  and leaves the state as it was;
* ``d == 0`` is on neither side: the row keeps the current regime and a later sign is compared with the
  last non-zero sign, so "+, 0, +" is no crossing and "-, 0, +" is one (at the "+");
* a crossing above (last non-zero sign -, now +) makes the regime +1, a crossing below (+ to -) makes it 0,
  or -1 with ``allow_short``;
* before the first crossing the regime is 0: the rule waits for a crossing rather than assume one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_model_baseline._common import F64, as_matrix, not_ready, read_json, write_json
from cryptoscalp_model_baseline.config import EmaCrossConfig

_FILE = "ema_cross.json"


class EmaCrossModel:
    def __init__(self, config: EmaCrossConfig, fast_column: int, slow_column: int) -> None:
        self.config = config
        self.columns = (fast_column, slow_column)
        self._ready = True  # a rule: nothing to learn before predicting
        self._last_sign = 0  # sign of d at the last usable row with d != 0; 0 before any
        self._crossed = False  # a crossing has been seen, so the regime follows the last sign

    @property
    def requires_fit(self) -> bool:
        return False  # a rule: nothing to learn

    @property
    def signal_kind(self) -> SignalKind:
        return SignalKind.TARGET_POSITION

    def _position(self, sign: npt.NDArray[np.float64] | float) -> F64:
        """Target position of the regime entered by a crossing to ``sign`` (+1 or -1)."""
        short = -1.0 if self.config.allow_short else 0.0
        return np.where(np.asarray(sign) > 0, 1.0, short)

    def fit(self, X: F64, y: F64) -> None:
        """Nothing to learn: checks X's shape and marks the model ready. The streaming state is kept."""
        as_matrix(X, max(self.columns) + 1)
        self._ready = True

    def partial_fit(self, X: F64, y: F64) -> None:
        self.fit(X, y)

    def predict(self, X: F64) -> F64:
        """Target positions for consecutive rows (streaming: advances the regime, see the module doc)."""
        if not self._ready:
            raise not_ready(self)
        X = as_matrix(X, max(self.columns) + 1)
        d = X[:, self.columns[0]] - X[:, self.columns[1]]
        usable = np.isfinite(d)
        sign = np.sign(np.where(usable, d, 0.0))
        moved = sign != 0  # rows that are on one side (usable, since unusable rows have sign 0)
        signs = sign[moved]
        before = float(self._position(self._last_sign)) if self._crossed else 0.0
        if len(signs) == 0:
            return np.where(usable, before, 0.0)
        previous = np.concatenate(([self._last_sign], signs[:-1]))
        crossing = (previous != 0) & (signs != previous)
        crossed = self._crossed | np.logical_or.accumulate(crossing)
        regime = np.where(crossed, self._position(signs), 0.0)  # regime after each row that moved
        # Every other row keeps the regime of the last row that moved (or the one before the call).
        last_moved = np.cumsum(moved) - 1
        held = np.where(last_moved >= 0, regime[np.maximum(last_moved, 0)], before)
        self._last_sign, self._crossed = int(signs[-1]), bool(crossed[-1])
        return np.where(usable, held, 0.0)

    def reset(self) -> None:
        """Forget the regime (a new stream starts); readiness is kept."""
        self._last_sign, self._crossed = 0, False

    def save(self, path: Path) -> None:
        write_json(Path(path), _FILE, {
            "kind": "ema-cross", "config": self.config.model_dump(mode="json"), "columns": list(self.columns),
            "ready": self._ready, "last_sign": self._last_sign, "crossed": self._crossed,
        })

    @classmethod
    def load(cls, path: Path) -> EmaCrossModel:
        data = read_json(Path(path), _FILE, "ema-cross")
        model = cls(EmaCrossConfig.model_validate(data["config"]), *data["columns"])
        model._ready, model._last_sign, model._crossed = data["ready"], data["last_sign"], data["crossed"]
        return model
