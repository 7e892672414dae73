"""Graph network over instruments whose edges are the rolling correlation of their returns.

In each window the instruments' return columns give a correlation matrix ``C``; positive and negative
correlations are two edge types (``A+ = max(C, 0)``, ``A- = max(-C, 0)``, no self edges, rows normalised),
so a leader that moves with or against the target passes a message of its own sign. Node states start
from each instrument's features in the decision row and are updated ``layers`` times by
``h' = relu(h W_self + A+ h W_pos + A- h W_neg)``; the head reads the target node and the mean node.
"""

from __future__ import annotations

import torch
from torch import nn

from cryptoscalp_models_torch.networks.head import SignalHead

_EPS = 1e-6


def rolling_correlation(r: torch.Tensor) -> torch.Tensor:
    """Correlation of the columns of each window: ``(batch, rows, nodes)`` → ``(batch, nodes, nodes)``;
    a constant column correlates 0 with everything."""
    d = r - r.mean(dim=1, keepdim=True)
    cov = d.transpose(1, 2) @ d
    var = torch.diagonal(cov, dim1=1, dim2=2)
    norm = torch.sqrt(var.unsqueeze(2) * var.unsqueeze(1))
    return torch.where(norm > _EPS, cov / norm.clamp_min(_EPS), torch.zeros_like(cov))


class MessageLayer(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.self_ = nn.Linear(width, width)
        self.pos = nn.Linear(width, width, bias=False)
        self.neg = nn.Linear(width, width, bias=False)

    def forward(self, h: torch.Tensor, a_pos: torch.Tensor, a_neg: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.self_(h) + self.pos(a_pos @ h) + self.neg(a_neg @ h))


class CrossAssetGnn(nn.Module):
    node_columns: torch.Tensor
    return_columns: torch.Tensor

    def __init__(self, outputs: int, probabilities: bool, *, node_columns: list[list[int]], return_columns: list[int],
                 target: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.register_buffer("node_columns", torch.tensor(node_columns, dtype=torch.long), persistent=False)
        self.register_buffer("return_columns", torch.tensor(return_columns, dtype=torch.long), persistent=False)
        self.target = target
        self.embed = nn.Linear(len(node_columns[0]), hidden)
        self.node_embedding = nn.Parameter(torch.randn(len(node_columns), hidden) * 0.02)
        self.layers = nn.ModuleList(MessageLayer(hidden) for _ in range(layers))
        self.drop = nn.Dropout(dropout)
        self.head = SignalHead(2 * hidden, outputs, probabilities)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        corr = rolling_correlation(x[:, :, self.return_columns])
        eye = torch.eye(corr.shape[-1], dtype=corr.dtype, device=corr.device)
        corr = corr * (1 - eye)
        a_pos, a_neg = corr.clamp_min(0), (-corr).clamp_min(0)
        a_pos = a_pos / (1 + a_pos.sum(dim=2, keepdim=True))
        a_neg = a_neg / (1 + a_neg.sum(dim=2, keepdim=True))
        h = torch.relu(self.embed(x[:, -1][:, self.node_columns]) + self.node_embedding)  # (batch, nodes, hidden)
        for layer in self.layers:
            h = self.drop(layer(h, a_pos, a_neg))
        out: torch.Tensor = self.head(torch.cat((h[:, self.target], h.mean(dim=1)), dim=1))
        return out
