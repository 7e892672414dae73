"""LSTM over the window; the last step's hidden state feeds the head."""

from __future__ import annotations

import torch
from torch import nn

from cryptoscalp_models_torch.networks.head import SignalHead


class LstmNet(nn.Module):
    def __init__(self, n_features: int, outputs: int, probabilities: bool, *, hidden: int, layers: int,
                 dropout: float) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.head = SignalHead(hidden, outputs, probabilities)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        signal: torch.Tensor = self.head(self.drop(out[:, -1]))
        return signal
