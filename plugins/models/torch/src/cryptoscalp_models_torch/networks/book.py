"""Order-book Transformer: one token per depth level, attention across levels of the current row.

Level ``i`` becomes the token ``W [bid_i, ask_i] + level_embedding_i``; when the row has other features
they form one more context token. The model reads the book as it is now (window of one row): depth
shape, not its history, is what it learns from.
"""

from __future__ import annotations

import torch
from torch import nn

from cryptoscalp_models_torch.networks.encoder import SummaryEncoder
from cryptoscalp_models_torch.networks.head import SignalHead


class BookNet(nn.Module):
    bids: torch.Tensor
    asks: torch.Tensor
    others: torch.Tensor

    def __init__(self, outputs: int, probabilities: bool, *, bids: list[int], asks: list[int], others: list[int],
                 d_model: int, heads: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.register_buffer("bids", torch.tensor(bids, dtype=torch.long), persistent=False)
        self.register_buffer("asks", torch.tensor(asks, dtype=torch.long), persistent=False)
        self.register_buffer("others", torch.tensor(others, dtype=torch.long), persistent=False)
        self.level = nn.Linear(2, d_model)
        self.level_embedding = nn.Parameter(torch.randn(1, len(bids), d_model) * 0.02)
        self.context = nn.Linear(len(others), d_model) if others else None
        self.encoder = SummaryEncoder(d_model, heads, layers, dropout)
        self.head = SignalHead(d_model, outputs, probabilities)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        row = x[:, -1]
        levels = torch.stack((row[:, self.bids], row[:, self.asks]), dim=-1)  # (batch, levels, 2)
        tokens = self.level(levels) + self.level_embedding
        if self.context is not None:
            tokens = torch.cat((tokens, self.context(row[:, self.others]).unsqueeze(1)), dim=1)
        out: torch.Tensor = self.head(self.encoder(tokens))
        return out
