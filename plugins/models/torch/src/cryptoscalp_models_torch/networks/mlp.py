"""Feed-forward network over the flattened window: the small, fast student of distillation."""

from __future__ import annotations

import torch
from torch import nn

from cryptoscalp_models_torch.networks.head import SignalHead


class MlpNet(nn.Module):
    def __init__(self, n_features: int, outputs: int, probabilities: bool, *, seq_len: int, hidden: list[int],
                 dropout: float) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = n_features * seq_len
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.body = nn.Sequential(*layers)
        self.head = SignalHead(width, outputs, probabilities)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.head(self.body(x.flatten(1)))
        return out
