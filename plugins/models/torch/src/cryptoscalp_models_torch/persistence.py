"""Files of a saved torch model: settings and shapes in JSON, weights and optimiser state in a
``weights_only`` torch file, standardisation and stream context in ``.npz``.

Weights are always written from the CPU in float32 (a quantised inference copy is rebuilt on load), so a
model trained on a GPU loads on a CPU-only machine and vice versa.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import torch

from cryptoscalp_models_torch.runtime import resolve_device, seeded
from cryptoscalp_models_torch.scaling import Standardiser

if TYPE_CHECKING:
    from cryptoscalp_models_torch.model import TorchModel

M = TypeVar("M", bound="TorchModel")
_JSON, _WEIGHTS, _ARRAYS = "torch_model.json", "weights.pt", "arrays.npz"
FORMAT = 1


def _cpu(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _cpu(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cpu(v) for v in obj]
    return obj


def write_model(path: Path, model: TorchModel) -> None:
    assert model.network is not None and model.scaler is not None and model.optimizer is not None
    path.mkdir(parents=True, exist_ok=True)
    meta = {"kind": model.component, "format": FORMAT, "config": model.config.model_dump(mode="json"),
            "n_features": model.n_features, "n_outputs": model.n_outputs, "target_scale": model.target_scale,
            "feature_names": list(model.feature_names) if model.feature_names is not None else None,
            "updates": model.updates, "history": model.history, "extra": model.extra_state()}
    (path / _JSON).write_text(json.dumps(meta, indent=2, sort_keys=True))
    torch.save({"network": _cpu(model.network.state_dict()), "optimizer": _cpu(model.optimizer.state_dict())},
               path / _WEIGHTS)
    np.savez(path / _ARRAYS, mean=model.scaler.mean, scale=model.scaler.scale, stream=model.stream,
             train_tail=model.train_tail)


def read_model(path: Path, cls: type[M]) -> M:
    meta = json.loads((path / _JSON).read_text())
    if meta.get("kind") != cls.component:
        raise ValueError(f"{path} holds a {meta.get('kind')!r} model, not {cls.component!r}")
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: saved in format {meta.get('format')}, this version reads {FORMAT}")
    model = cls(cls.config_type.model_validate(meta["config"]), meta["feature_names"])
    model.n_features, model.n_outputs = int(meta["n_features"]), int(meta["n_outputs"])
    model.target_scale, model.updates = float(meta["target_scale"]), int(meta["updates"])
    model.history = list(meta["history"])
    model.set_extra_state(meta["extra"])
    with np.load(path / _ARRAYS) as arrays:
        model.scaler = Standardiser(arrays["mean"], arrays["scale"], model.config.clip)
        model.stream, model.train_tail = arrays["stream"], arrays["train_tail"]
    state = torch.load(path / _WEIGHTS, map_location="cpu", weights_only=True)
    model.device = resolve_device(model.config.device)
    with seeded(model.config.seed, model.device):
        network = model.build_network()
    network.load_state_dict(state["network"])
    model.network = network.to(model.device)
    model.optimizer = model.make_optimizer(model.network)
    model.optimizer.load_state_dict(state["optimizer"])
    model.refresh_inference()
    return model
