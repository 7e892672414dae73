"""Temporal convolutional network: residual blocks of dilated causal 1-D convolutions.

Block ``i`` has dilation ``2**i``; the receptive field is ``1 + (kernel - 1) * (2**blocks - 1)`` rows and
equals the model's ``seq_len``, so the output for a row depends on exactly its window. Because the
convolutions are causal, running them once over a long stream gives every row's output in one pass
(:meth:`TcnNet.forward_series`): the same numbers as window by window, at a fraction of the cost.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional

from cryptoscalp_models_torch.networks.head import SignalHead


class CausalBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.pad = (kernel - 1) * dilation
        self.conv = nn.Conv1d(c_in, c_out, kernel, dilation=dilation)
        self.drop = nn.Dropout(dropout)
        self.skip = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.drop(torch.relu(self.conv(functional.pad(x, (self.pad, 0)))))
        out: torch.Tensor = torch.relu(y + self.skip(x))
        return out


class TcnNet(nn.Module):
    def __init__(self, n_features: int, outputs: int, probabilities: bool, *, channels: list[int], kernel: int,
                 dropout: float) -> None:
        super().__init__()
        widths = [n_features, *channels]
        self.blocks = nn.Sequential(*(CausalBlock(widths[i], widths[i + 1], kernel, 2**i, dropout)
                                      for i in range(len(channels))))
        self.head = SignalHead(channels[-1], outputs, probabilities)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(x.transpose(1, 2))
        out: torch.Tensor = self.head(h[:, :, -1])
        return out

    def forward_series(self, x: torch.Tensor, first: int) -> torch.Tensor:
        """Outputs for positions ``first..`` of one stream ``(1, T, n_features)``: ``(T - first, k)``."""
        h = self.blocks(x.transpose(1, 2))[0, :, first:]
        out: torch.Tensor = self.head(h.transpose(0, 1))
        return out
