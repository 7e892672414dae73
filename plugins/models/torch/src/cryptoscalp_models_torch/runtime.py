"""Where and how reproducibly torch runs: device choice, seeding, deterministic kernels, CPU threads."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

from cryptoscalp_models_torch.config import Device


def resolve_device(choice: Device) -> torch.device:
    """``auto`` → CUDA when a device is visible, else CPU; ``cuda`` without one is a clear error."""
    if choice == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if choice == "cuda":
        raise RuntimeError("device: cuda was asked for but torch sees no CUDA device "
                           "(a CPU-only torch build, or no GPU); use device: auto or cpu")
    return torch.device("cpu")


def use_threads(threads: int | None) -> None:
    """Set torch's intra-op thread count (a process-wide setting) only when it differs: the call is not free."""
    if threads is not None and torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Run a training step sequence reproducibly without disturbing the caller's random state.

    Inside: the global torch generators are forked and seeded, and deterministic algorithms are required
    (on CUDA this needs cuBLAS's fixed workspace, set before the first cuBLAS call). Both are restored after.
    """
    if device.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    devices = [device.index or 0] if device.type == "cuda" else []
    before = torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(before)
