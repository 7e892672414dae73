"""PyTorch models for cryptoscalp: LSTM, TCN, multi-timeframe and order-book transformers, a cross-asset
graph network, an MLP and ensembles, with int8 quantisation and knowledge distillation."""

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

__all__ = ["FAMILIES", "BookTransformerModel", "DistillReport", "EnsembleModel", "GnnModel", "LstmModel",
           "MlpModel", "TcnModel", "TorchModel", "TransformerModel", "distill", "quantized"]
