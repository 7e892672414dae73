"""Inference speed of the torch model family and what compression buys.

    python benchmarks/model_inference.py [--rows 50000] [--features 16] [--threads 1] [--device cpu]

For each family at its default size: single-decision latency (predict on one row, as a live engine calls
it) p50/p99 with each inference backend (eager torch, a frozen TorchScript trace, ONNX Runtime when the
`onnx` extra is installed, torch.compile where the machine has a compiler for it) and with dynamic int8
quantisation; then batch throughput (rows/s of one predict call over many rows, backend `auto`: series
paths for the TCN and the multi-timeframe Transformer, the runner's window batches otherwise). ``best``
is the lowest p99 of the float backends. ``--clock cpu`` reports the CPU time of the calls instead of the
wall clock: on a machine shared with other work the wall p99 is the scheduler's time slice (a few ms), not
the model's. Compression: an LSTM+TCN ensemble teacher is trained on a synthetic signal,
quantised and distilled into a small MLP student; agreement with the teacher and rank IC against the
labels before/after, and latency before/after. Targets: p99 <= 300 us per decision, >= 100,000 rows/s.
Figures are noisy on a shared machine; compare rows of one run.
"""

from __future__ import annotations

import argparse
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from cryptoscalp_models_torch import EnsembleModel, TorchModel, distill, quantized
from cryptoscalp_models_torch.config import (
    BookTransformerConfig,
    EnsembleConfig,
    GnnConfig,
    LstmConfig,
    MlpConfig,
    TcnConfig,
    TransformerConfig,
)
from cryptoscalp_models_torch.families import (
    BookTransformerModel,
    GnnModel,
    LstmModel,
    MlpModel,
    TcnModel,
    TransformerModel,
)
from cryptoscalp_models_torch.measure import agreement, batch_throughput, decision_latency, signal_score

from cryptoscalp_core.research.metrics import information_coefficient


def synthetic(n: int, f: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Features with a lagged and a current-row component in the label (what sequence models are for)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    z = np.zeros(n)
    z[3:] = 0.6 * X[:-3, 0] - 0.4 * X[3:, 1] + 0.3 * X[3:, 2] * X[3:, 3]
    return X, np.tanh(z) + rng.normal(scale=0.5, size=n)


def families(f: int, common: dict[str, Any]) -> dict[str, Callable[[], TorchModel | EnsembleModel]]:
    half = f // 2
    names = tuple([f"btc.depth_bid_{i + 1}" for i in range(5)] + [f"btc.depth_ask_{i + 1}" for i in range(5)]
                  + [f"x{i}" for i in range(f - 10)])
    return {
        "torch-lstm": lambda: LstmModel(LstmConfig(**common)),
        "torch-tcn": lambda: TcnModel(TcnConfig(**common)),
        "torch-transformer": lambda: TransformerModel(TransformerConfig(**common)),
        "torch-book-transformer": lambda: BookTransformerModel(BookTransformerConfig(**common), names),
        "torch-gnn": lambda: GnnModel(GnnConfig(nodes={"BTC": list(range(half)), "ETH": list(range(half, 2 * half))},
                                                returns={"BTC": 0, "ETH": half}, **common)),
        "torch-mlp": lambda: MlpModel(MlpConfig(**common)),
        "torch-ensemble": lambda: EnsembleModel(EnsembleConfig.model_validate(
            {"members": [{"use": "torch-lstm", **common}, {"use": "torch-tcn", **common}]})),
    }


def with_backend(model: TorchModel | EnsembleModel, backend: str) -> TorchModel | EnsembleModel | None:
    """A copy predicting through ``backend`` (None where it is not available for this network)."""
    members = model.members if isinstance(model, EnsembleModel) else [model]
    copies = []
    for m in members:
        copy = m.clone()
        copy.config = type(m.config).model_validate(m.config.model_dump() | {"inference_backend": backend})
        copy.refresh_inference()
        try:
            copy.predict(np.zeros((1, copy.n_features)))
        except RuntimeError:
            return None
        copy.reset()
        copies.append(copy)
    if isinstance(model, EnsembleModel):
        out = EnsembleModel(model.config)
        out.members = copies
        return out
    return copies[0]


def compiled(model: TorchModel, f: int) -> TorchModel | None:
    copy = with_backend(model, "eager")
    assert isinstance(copy, TorchModel) and copy.network is not None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copy.inference = torch.compile(copy.network.eval(), dynamic=False)  # type: ignore[assignment]
            copy.refresh_runner()
            for _ in range(3):
                copy.predict(np.zeros((1, f)))
        copy.reset()
        return copy
    except Exception:
        return None


def fmt(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:,.0f}"


CLOCK = "wall"


def latency_row(model: Any, X: np.ndarray) -> tuple[float, float]:
    if model is None:
        return math.nan, math.nan
    lat = decision_latency(model, X)
    return (lat.p50_us, lat.p99_us) if CLOCK == "wall" else (lat.cpu_p50_us, lat.cpu_p99_us)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the batch throughput test")
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--decisions", type=int, default=1_000, help="single-row predict calls timed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--skip-compile", action="store_true", help="leave torch.compile out (slow to warm up)")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                        help="time calls by the wall clock, or by the CPU time they used (a shared machine)")
    args = parser.parse_args()
    global CLOCK
    CLOCK = args.clock
    f = args.features
    common = {"epochs": 1, "seed": 0, "device": args.device, "threads": args.threads, "batch_size": 512}
    X, y = synthetic(max(args.rows, 4_000), f)
    fit_rows = slice(0, 4_000)
    print(f"torch {torch.__version__}, {args.threads} thread(s), device {args.device}, {f} features, "
          f"{args.clock} clock, load average {os.getloadavg()[0]:.2f}")
    print(f"{'family':24} {'seq':>4} {'eager p50/p99':>14} {'script p50/p99':>15} {'onnxrt p50/p99':>15} "
          f"{'compile p50/p99':>16} {'int8 p50/p99':>14} {'best p99':>9} {'batch rows/s':>13} {'int8 rows/s':>12}")
    for name, build in families(f, common).items():
        model = build()
        model.fit(X[fit_rows], y[fit_rows])
        rows = X[: args.decisions + 50]
        lat = {backend: latency_row(with_backend(model, backend), rows)
               for backend in ("eager", "torchscript", "onnxruntime")}
        single = model.members[0] if isinstance(model, EnsembleModel) else model
        comp = (latency_row(compiled(model, f), rows) if isinstance(model, TorchModel) and not args.skip_compile
                else (math.nan, math.nan))
        best = min((p99 for _, p99 in (*lat.values(), comp) if math.isfinite(p99)), default=math.nan)
        q = quantized(model)
        q8 = latency_row(q, rows)
        thr, qthr = (batch_throughput(m, X[: args.rows], clock=args.clock) for m in (model, q))
        seq = max(m.seq_len for m in model.members) if isinstance(model, EnsembleModel) else single.seq_len
        cells = " ".join(f"{fmt(a):>6}/{fmt(b):>7}" for a, b in lat.values())
        print(f"{name:24} {seq:>4} {cells} {fmt(comp[0]):>7}/{fmt(comp[1]):>8} {fmt(q8[0]):>6}/{fmt(q8[1]):>7} "
              f"{fmt(best):>9} {fmt(thr):>13} {fmt(qthr):>12}")

    print("\ncompression of an LSTM+TCN ensemble teacher (trained 4 epochs on 20,000 rows; scored on 5,000 new rows)")
    teach_common = {**common, "epochs": 4}
    teacher = EnsembleModel(EnsembleConfig.model_validate(
        {"members": [{"use": "torch-lstm", **teach_common}, {"use": "torch-tcn", **teach_common}]}))
    Xt, yt = synthetic(30_000, f, seed=1)
    teacher.fit(Xt[:20_000], yt[:20_000])
    test_X, test_y = Xt[25_000:], yt[25_000:]
    student, _ = distill(teacher, Xt[:25_000])  # distillation reads the teacher, not the labels
    q_teacher = quantized(teacher)
    teacher.reset()
    ref = teacher.predict(test_X)
    print(f"{'model':24} {'agree w/ teacher':>16} {'IC vs labels':>13} {'p50 us':>8} {'p99 us':>8} {'rows/s':>10}")
    for label, m in (("teacher (float)", teacher), ("teacher int8", q_teacher), ("student mlp (distilled)", student)):
        m.reset()
        out = m.predict(test_X)
        m.reset()
        ic = information_coefficient(signal_score(out, m.signal_kind), test_y)
        p50, p99 = latency_row(m, test_X[:args.decisions + 50])
        thr = batch_throughput(m, Xt[: args.rows], clock=args.clock)
        print(f"{label:24} {agreement(ref, out, m.signal_kind):>16.3f} {ic:>13.4f} {fmt(p50):>8} {fmt(p99):>8} "
              f"{fmt(thr):>10}")


if __name__ == "__main__":
    main()
