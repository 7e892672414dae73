"""The training loop shared by every torch model: seeded mini-batches of windows, AdamW, optional hold-out
with early stopping, per-epoch figures kept in the model's history and, when asked, written to TensorBoard."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from cryptoscalp_models_torch.config import TorchModelConfig

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def position_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared error between the tanh position and the (scaled, clipped) target."""
    return torch.mean((out - target) ** 2)


def probability_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the predicted log-probabilities against (possibly soft) target distributions."""
    return -torch.mean(torch.sum(target * out, dim=1))


def score(out: torch.Tensor) -> torch.Tensor:
    """One number per row, positive for "up": the position, or P(last class) - P(first class)."""
    return out[:, 0] if out.shape[1] == 1 else out[:, -1].exp() - out[:, 0].exp()


def _corr(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = float(torch.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / den if den > 0 else math.nan


class TrainingLog:
    """Epoch figures for the model's history and, with ``tensorboard_dir``, a SummaryWriter."""

    def __init__(self, directory: str | None, tag: str) -> None:
        self.tag = tag
        self.writer: Any = None
        if directory is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as exc:  # the optional extra is missing
                raise RuntimeError("tensorboard_dir needs the tensorboard package: "
                                   "pip install 'cryptoscalp-models-torch[tensorboard]'") from exc
            self.writer = SummaryWriter(log_dir=directory)

    def record(self, step: int, figures: dict[str, float]) -> None:
        if self.writer is not None:
            for name, value in figures.items():
                if math.isfinite(value):
                    self.writer.add_scalar(f"{self.tag}/{name}", value, step)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.flush()
            self.writer.close()


@dataclass(slots=True)
class TrainingRun:
    """One call of fit or partial_fit: ``Z`` holds ``offset`` context rows then one row per target."""

    network: nn.Module
    optimizer: torch.optim.Optimizer
    loss: Loss
    config: TorchModelConfig
    seq_len: int
    log: TrainingLog
    first_step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)

    def run(self, Z: torch.Tensor, targets: torch.Tensor, rows: npt.NDArray[np.int64], epochs: int,
            generator: torch.Generator, *, holdout: bool) -> None:
        cfg = self.config
        span = torch.arange(self.seq_len, device=Z.device)
        n_val = int(len(rows) * cfg.validation_fraction) if holdout else 0
        train_rows = torch.as_tensor(rows[:len(rows) - n_val], device=Z.device)
        val_rows = torch.as_tensor(rows[len(rows) - n_val:], device=Z.device)
        best, best_state, waited = math.inf, None, 0
        for epoch in range(epochs):
            self.network.train()
            order = (train_rows[torch.randperm(len(train_rows), generator=generator).to(Z.device)]
                     if cfg.shuffle else train_rows)
            total, seen = 0.0, 0
            for lo in range(0, len(order), cfg.batch_size):
                batch = order[lo:lo + cfg.batch_size]
                out = self.network(Z[batch[:, None] + span])
                loss = self.loss(out, targets[batch])
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                # one bad batch (a jump in the data) must not throw the weights far away
                nn.utils.clip_grad_norm_(self.network.parameters(), 1.0)
                self.optimizer.step()
                total += float(loss.detach()) * len(batch)
                seen += len(batch)
            figures = {"epoch": float(self.first_step + epoch), "train_loss": total / max(seen, 1)}
            if n_val:
                figures |= self._validate(Z, targets, val_rows, span)
            self.history.append(figures)
            self.log.record(self.first_step + epoch, {k: v for k, v in figures.items() if k != "epoch"})
            if n_val and cfg.patience is not None:
                if figures["val_loss"] < best:
                    best, waited = figures["val_loss"], 0
                    best_state = copy.deepcopy(self.network.state_dict())
                else:
                    waited += 1
                    if waited >= cfg.patience:
                        break
        if best_state is not None:
            self.network.load_state_dict(best_state)
        self.network.eval()

    def _validate(self, Z: torch.Tensor, targets: torch.Tensor, rows: torch.Tensor,
                  span: torch.Tensor) -> dict[str, float]:
        self.network.eval()
        outs = []
        with torch.no_grad():
            for lo in range(0, len(rows), self.config.predict_batch):
                outs.append(self.network(Z[rows[lo:lo + self.config.predict_batch, None] + span]))
        out = torch.cat(outs)
        t = targets[rows]
        target_score = t[:, 0] if t.shape[1] == 1 else t[:, -1] - t[:, 0]
        return {"val_loss": float(self.loss(out, t)), "val_corr": _corr(score(out), target_score)}
