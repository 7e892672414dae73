"""Tiny settings of every component, for fast tests (this plugin's and its users'): a few epochs of
networks a few units wide, on the CPU."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from cryptoscalp_core.ports.model import Model
from cryptoscalp_models_torch.config import (
    BookTransformerConfig,
    EnsembleConfig,
    GnnConfig,
    LstmConfig,
    MlpConfig,
    TcnConfig,
    TransformerConfig,
)
from cryptoscalp_models_torch.ensemble import EnsembleModel
from cryptoscalp_models_torch.families import (
    BookTransformerModel,
    GnnModel,
    LstmModel,
    MlpModel,
    TcnModel,
    TransformerModel,
)

COMMON: dict[str, Any] = {"epochs": 3, "batch_size": 64, "seed": 7, "device": "cpu"}


@dataclass
class Names:
    names: tuple[str, ...]


#: the conformance dataset's four columns, named like a depth feature engine's
BOOK_NAMES = Names(("btc.depth_bid_2", "btc.depth_ask_1", "btc.depth_bid_1", "btc.depth_ask_2"))

SETTINGS: dict[str, dict[str, Any]] = {
    "torch-lstm": {"seq_len": 6, "hidden": 8},
    "torch-tcn": {"channels": [8, 8], "kernel_size": 2},
    "torch-transformer": {"timeframes": [1, 3], "tokens_per_timeframe": 2, "d_model": 8, "heads": 2, "layers": 1},
    "torch-mlp": {"seq_len": 2, "hidden": [16]},
    "torch-book-transformer": {"d_model": 8, "heads": 2, "layers": 1},
    "torch-gnn": {"nodes": {"BTC": [0, 1], "ETH": [2, 3]}, "returns": {"BTC": 0, "ETH": 2}, "seq_len": 8,
                  "hidden": 8, "layers": 1},
    "torch-ensemble": {"members": [{"use": "torch-lstm", "seq_len": 4, "hidden": 8, **COMMON},
                                   {"use": "torch-tcn", "channels": [8], "kernel_size": 3, **COMMON}]},
}


def tiny_model(component: str, **overrides: Any) -> Model:
    """A fresh, seeded model of ``component`` with the tiny settings (plus ``overrides``)."""
    settings = {**SETTINGS[component], **overrides}
    if component == "torch-ensemble":
        own = {k: v for k, v in overrides.items() if k in EnsembleConfig.model_fields}
        shared = {k: v for k, v in overrides.items() if k not in own or k == "output"}
        members = [{**m, **shared} for m in SETTINGS[component]["members"]]
        return EnsembleModel(EnsembleConfig.model_validate({**own, "members": members}))
    settings = {**COMMON, **settings}
    factories: dict[str, Callable[[dict[str, Any]], Model]] = {
        "torch-lstm": lambda s: LstmModel(LstmConfig.model_validate(s)),
        "torch-tcn": lambda s: TcnModel(TcnConfig.model_validate(s)),
        "torch-transformer": lambda s: TransformerModel(TransformerConfig.model_validate(s)),
        "torch-mlp": lambda s: MlpModel(MlpConfig.model_validate(s)),
        "torch-book-transformer": lambda s: BookTransformerModel(BookTransformerConfig.model_validate(s),
                                                                 BOOK_NAMES.names),
        "torch-gnn": lambda s: GnnModel(GnnConfig.model_validate(s)),
    }
    return factories[component](settings)


#: components whose predict keeps a stream (their window is longer than one row)
STREAMING = ("torch-lstm", "torch-tcn", "torch-transformer", "torch-mlp", "torch-gnn", "torch-ensemble")
ALL = (*STREAMING, "torch-book-transformer")


def class_dataset(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The conformance features with three classes (down / flat / up) from the same linear signal."""
    from cryptoscalp_core.testing.conformance import regression_dataset

    X, y = regression_dataset(n, seed=seed)
    return X, np.digitize(y, [-0.2, 0.2]).astype(np.float64)
