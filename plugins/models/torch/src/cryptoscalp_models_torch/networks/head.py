"""The output layer shared by every network: a linear map to a tanh position or class log-probabilities."""

from __future__ import annotations

import torch
from torch import nn


class SignalHead(nn.Module):
    def __init__(self, width: int, outputs: int, probabilities: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(width, outputs)
        self.probabilities = probabilities

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        z = self.linear(h)
        return torch.log_softmax(z, dim=-1) if self.probabilities else torch.tanh(z)
