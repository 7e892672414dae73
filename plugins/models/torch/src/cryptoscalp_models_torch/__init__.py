"""PyTorch models for cryptoscalp: LSTM, TCN, multi-timeframe and order-book transformers, a cross-asset
graph network, an MLP and ensembles, with int8 quantisation and knowledge distillation.

The names below are imported on first use (so plugin discovery, which imports this package, does not
import torch)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptoscalp_models_torch.compress import DistillReport, distill, quantized
    from cryptoscalp_models_torch.ensemble import EnsembleModel
    from cryptoscalp_models_torch.families import (
        FAMILIES,
        BookTransformerModel,
        GnnModel,
        LstmModel,
        MlpModel,
        TcnModel,
        TransformerModel,
    )
    from cryptoscalp_models_torch.model import TorchModel

_WHERE = {"DistillReport": "compress", "distill": "compress", "quantized": "compress", "EnsembleModel": "ensemble",
          "FAMILIES": "families", "BookTransformerModel": "families", "GnnModel": "families",
          "LstmModel": "families", "MlpModel": "families", "TcnModel": "families",
          "TransformerModel": "families", "TorchModel": "model"}

__all__ = ["FAMILIES", "BookTransformerModel", "DistillReport", "EnsembleModel", "GnnModel", "LstmModel",
           "MlpModel", "TcnModel", "TorchModel", "TransformerModel", "distill", "quantized"]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value
