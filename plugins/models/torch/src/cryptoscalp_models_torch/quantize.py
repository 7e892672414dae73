"""Dynamic int8 quantisation: weights of Linear and LSTM layers stored as int8, activations quantised on
the fly per batch (CPU only). No calibration data is needed, so it applies to any trained network.
Convolutions (TCN) and attention blocks keep float weights."""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn


def quantized_copy(network: nn.Module) -> nn.Module:
    """An int8 copy of ``network`` on the CPU (the original is untouched and stays trainable)."""
    from torch.ao.quantization import quantize_dynamic

    float_copy = copy.deepcopy(network).to("cpu").eval()
    # Linear layers inside a TransformerEncoderLayer stay float: the encoder's inference path
    # (networks/encoder.py) reads their weight tensors directly, which a quantised layer does not have.
    inside_encoder = {f"{name}.{child}" if name else child
                      for name, module in float_copy.named_modules() if isinstance(module, nn.TransformerEncoderLayer)
                      for child, _ in module.named_modules() if child}
    targets = {name for name, module in float_copy.named_modules()
               if isinstance(module, nn.Linear | nn.LSTM) and name not in inside_encoder}
    with warnings.catch_warnings():
        # torch >= 2.10 announces the move of eager quantisation to torchao; the API still works in 2.13
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantized: nn.Module = quantize_dynamic(float_copy, targets, dtype=torch.qint8)  # type: ignore[no-untyped-call]
        return quantized
