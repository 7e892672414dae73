"""``torch-ensemble``: the weighted mean of its members' signals (positions, or probability rows).

Every member is trained on the same rows and labels (each with its own settings and seed), keeps its own
standardisation and its own prediction stream; the ensemble is streaming exactly when a member is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from cryptoscalp_core.ports.model import SignalKind
from cryptoscalp_models_torch.config import EnsembleConfig
from cryptoscalp_models_torch.families import FAMILIES
from cryptoscalp_models_torch.model import TorchModel

F64 = npt.NDArray[np.float64]
_JSON = "torch_ensemble.json"


def _member_config(member: object) -> dict[str, object]:
    from pydantic import BaseModel

    assert isinstance(member, BaseModel)
    return {k: v for k, v in member.model_dump(mode="json").items() if k != "use"}


class EnsembleModel:
    component = "torch-ensemble"

    def __init__(self, config: EnsembleConfig, feature_names: Sequence[str] | None = None) -> None:
        self.config = config
        self.members: list[TorchModel] = []
        for spec in config.members:
            family = FAMILIES[spec.use]
            self.members.append(family(family.config_type.model_validate(_member_config(spec)), feature_names))
        w = np.asarray(config.weights if config.weights is not None else [1.0] * len(self.members))
        self.weights = w / w.sum()

    def __repr__(self) -> str:
        return f"EnsembleModel({', '.join(m.component for m in self.members)})"

    @property
    def signal_kind(self) -> SignalKind:
        return self.config.output

    @property
    def requires_fit(self) -> bool:
        return any(m.requires_fit for m in self.members)

    def fit(self, X: F64, y: npt.ArrayLike) -> None:
        for m in self.members:
            m.fit(X, y)

    def partial_fit(self, X: F64, y: npt.ArrayLike) -> None:
        for m in self.members:
            m.partial_fit(X, y)

    def predict(self, X: F64) -> F64:
        out = sum(w * m.predict(X) for w, m in zip(self.weights, self.members, strict=True))
        result = np.asarray(out, dtype=np.float64)
        if self.config.output is SignalKind.PROBABILITIES:
            result /= result.sum(axis=1, keepdims=True)
            return result
        return np.clip(result, -1.0, 1.0)

    def reset(self) -> None:
        for m in self.members:
            m.reset()

    def save(self, path: Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for i, m in enumerate(self.members):
            m.save(path / f"member_{i}")
        (path / _JSON).write_text(json.dumps({"kind": self.component, "config": self.config.model_dump(mode="json")},
                                             indent=2, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> EnsembleModel:
        path = Path(path)
        meta = json.loads((path / _JSON).read_text())
        if meta.get("kind") != cls.component:
            raise ValueError(f"{path} holds a {meta.get('kind')!r} model, not {cls.component!r}")
        model = cls(EnsembleConfig.model_validate(meta["config"]))
        model.members = [type(m).load(path / f"member_{i}") for i, m in enumerate(model.members)]
        return model
