"""Multi-timeframe Transformer: tokens are bars of several clocks built from the same window.

For each timeframe ``s`` (rows per bar) the last ``tokens * s`` rows are averaged in blocks of ``s`` rows,
giving ``tokens`` bars oldest first; every bar is projected to ``d_model`` and tagged with a learnt
timeframe embedding and a learnt position-within-timeframe embedding, so attention can relate a fast bar
to the slow bar it sits in. The window is ``max(timeframes) * tokens`` rows.

Over a long series (:meth:`MultiTimeframeNet.forward_series`) consecutive windows share their bars: the
bar of ``s`` rows ending at row ``e`` is the same whichever window it sits in (only its position embedding
changes), so the bars and their projections are computed once per row of the series and gathered into
each window's tokens, instead of averaging and projecting ``tokens * len(timeframes)`` bars per window.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

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

    def forward_series(self, x: torch.Tensor, first: int) -> torch.Tensor:
        """Outputs for positions ``first..`` of one stream ``(1, T, n_features)``: ``(T - first, k)``; the
        rows before ``first`` are context and ``first`` is at least the window length minus one."""
        z = x[0]
        ends = torch.arange(first, z.shape[0], device=z.device)[:, None]  # one row per output
        back = torch.arange(self.tokens - 1, -1, -1, device=z.device)[None]  # bars oldest first
        bars = []
        for i, s in enumerate(self.timeframes):
            # row j of means averages rows j..j+s-1 of the series: the bar that ends at row j + s - 1
            means = functional.avg_pool1d(z.t()[None], s, stride=1)[0].t() if s > 1 else z
            projected = self.project(means) + self.timeframe_embedding[i]
            bars.append(projected[ends - s * back - (s - 1)] + self.position_embedding)
        out: torch.Tensor = self.head(self.encoder(torch.cat(bars, dim=1)))
        return out
