"""A Transformer encoder over tokens with a learnt summary token whose output feeds the head."""

from __future__ import annotations

import torch
from torch import nn


class SummaryEncoder(nn.Module):
    def __init__(self, d_model: int, heads: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.summary = nn.Parameter(torch.zeros(1, 1, d_model))
        layer = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=2 * d_model, dropout=dropout,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """``(batch, n_tokens, d_model)`` → the summary token's output ``(batch, d_model)``."""
        summary = self.summary.expand(tokens.shape[0], -1, -1)
        out: torch.Tensor = self.norm(self.encoder(torch.cat((summary, tokens), dim=1))[:, 0])
        return out
