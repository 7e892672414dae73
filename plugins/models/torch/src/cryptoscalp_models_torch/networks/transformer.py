"""Multi-timeframe Transformer: tokens are bars of several clocks built from the same window.

For each timeframe ``s`` (rows per bar) the last ``tokens * s`` rows are averaged in blocks of ``s`` rows,
giving ``tokens`` bars oldest first; every bar is projected to ``d_model`` and tagged with a learnt
timeframe embedding and a learnt position-within-timeframe embedding, so attention can relate a fast bar
to the slow bar it sits in. The window is ``max(timeframes) * tokens`` rows.
"""

from __future__ import annotations

import torch
from torch import nn

from cryptoscalp_models_torch.networks.encoder import SummaryEncoder
from cryptoscalp_models_torch.networks.head import SignalHead


class MultiTimeframeNet(nn.Module):
    def __init__(self, n_features: int, outputs: int, probabilities: bool, *, timeframes: list[int], tokens: int,
                 d_model: int, heads: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.timeframes = list(timeframes)
        self.tokens = tokens
        self.project = nn.Linear(n_features, d_model)
        self.timeframe_embedding = nn.Parameter(torch.randn(len(timeframes), 1, d_model) * 0.02)
        self.position_embedding = nn.Parameter(torch.randn(1, tokens, d_model) * 0.02)
        self.encoder = SummaryEncoder(d_model, heads, layers, dropout)
        self.head = SignalHead(d_model, outputs, probabilities)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, width = x.shape
        bars = []
        for i, s in enumerate(self.timeframes):
            block = x[:, x.shape[1] - s * self.tokens:].reshape(batch, self.tokens, s, width).mean(dim=2)
            bars.append(self.project(block) + self.timeframe_embedding[i] + self.position_embedding)
        out: torch.Tensor = self.head(self.encoder(torch.cat(bars, dim=1)))
        return out
