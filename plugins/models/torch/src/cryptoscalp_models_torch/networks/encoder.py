"""A Transformer encoder over tokens with a learnt summary token whose output feeds the head.

Training runs torch's ``nn.TransformerEncoder`` (post-norm layers, ReLU feed-forward of width
``2 * d_model``). Inference (eval mode) computes the same function with plain tensor operations
(:func:`encoder_layer`), which is several times faster for the short token sequences used here:

- softmax as ``exp(s - max) / sum`` (torch's CPU softmax is slow along a last dimension of ~10 values;
  an ONNX export keeps the Softmax operator, which ONNX Runtime runs fast);
- the last layer is evaluated for the summary token only. Nothing reads the other tokens' outputs of
  the last layer, so computing them was wasted work: only the keys and values of every token are needed.

The parameters and their names are those of ``nn.TransformerEncoder``, so saved weights load unchanged.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional


def encoder_layer(layer: nn.TransformerEncoderLayer, x: torch.Tensor, queries: int | None = None) -> torch.Tensor:
    """``layer`` (post-norm, ReLU, eval mode) on ``x`` ``(batch, tokens, d)``; with ``queries`` only the
    first ``queries`` tokens' outputs ``(batch, queries, d)`` are computed (keys and values use every token)."""
    attn = layer.self_attn
    batch, n, d = x.shape
    heads = attn.num_heads
    hd = d // heads
    m = n if queries is None else queries
    w, b = attn.in_proj_weight, attn.in_proj_bias
    flat = x.reshape(batch * n, d)  # 2-D operands: one GEMM with its bias per projection
    if queries is None:
        qkv = functional.linear(flat, w, b)
        q, k, v, rest = qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:], flat
    else:
        rest = x[:, :m].reshape(batch * m, d)
        q = functional.linear(rest, w[:d], b[:d])
        kv = functional.linear(flat, w[d:], b[d:])
        k, v = kv[:, :d], kv[:, d:]
    q = q.reshape(batch, m, heads, hd).transpose(1, 2) * (1.0 / math.sqrt(hd))
    k = k.reshape(batch, n, heads, hd).transpose(1, 2)
    v = v.reshape(batch, n, heads, hd).transpose(1, 2)
    s = q @ k.transpose(-1, -2)  # (batch, heads, m, n)
    if torch.onnx.is_in_onnx_export():
        p = torch.softmax(s, dim=-1)  # one fused operator in ONNX Runtime
    else:
        e = torch.exp(s - s.amax(dim=-1, keepdim=True))
        p = e / e.sum(dim=-1, keepdim=True)
    a = (p @ v).transpose(1, 2).reshape(batch * m, d)
    h = layer.norm1(rest + attn.out_proj(a))
    out: torch.Tensor = layer.norm2(h + layer.linear2(torch.relu(layer.linear1(h)))).reshape(batch, m, d)
    return out


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
        x = torch.cat((summary, tokens), dim=1)
        if self.training:
            x = self.encoder(x)[:, 0]
        else:
            layers = list(self.encoder.layers)
            for layer in layers[:-1]:
                x = encoder_layer(layer, x)
            x = encoder_layer(layers[-1], x, queries=1)[:, 0]
        out: torch.Tensor = self.norm(x)
        return out
