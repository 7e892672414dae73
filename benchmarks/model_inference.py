"""Inference speed of the torch model family and what compression buys.

    python benchmarks/model_inference.py [--rows 50000] [--features 16] [--threads 1] [--device cpu]

For each family at its default size: single-decision latency (predict on one row, as a live engine calls
it) p50/p99 in eager mode, with the network traced by TorchScript, compiled by torch.compile (where the
machine has a compiler for it) and with dynamic int8 quantisation; then batch throughput (rows/s of one
predict call over many rows). Compression: an LSTM+TCN ensemble teacher is trained on a synthetic signal,
quantised and distilled into a small MLP student; agreement with the teacher and rank IC against the
labels before/after, and latency before/after. Targets: p99 <= 300 us per decision, >= 100,000 rows/s.
Figures are noisy on a shared machine; compare rows of one run.
"""

from __future__ import annotations

import argparse
import math
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


def _window(model: TorchModel, f: int) -> torch.Tensor:
    return torch.zeros(1, model.seq_len, f)


def traced(model: TorchModel, f: int) -> TorchModel | None:
    """The model predicting through a TorchScript trace of its network (None where tracing fails)."""
    copy = model.clone()
    assert copy.network is not None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            copy.inference = torch.jit.freeze(torch.jit.trace(copy.network.eval(), _window(copy, f)))  # type: ignore[no-untyped-call]
        if hasattr(copy.network, "forward_stream"):
            return None  # the trace fixes the stream length; the TCN's stream path cannot use it
        copy.predict(np.zeros((1, f)))
        copy.reset()
        return copy
    except Exception:
        return None


def compiled(model: TorchModel, f: int) -> TorchModel | None:
    copy = model.clone()
    assert copy.network is not None
    if hasattr(copy.network, "forward_stream"):
        return None
    try:
        copy.inference = torch.compile(copy.network.eval(), dynamic=False)  # type: ignore[assignment]
        for _ in range(3):
            copy.predict(np.zeros((1, f)))
        copy.reset()
        return copy
    except Exception:
        return None


def fmt(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:,.0f}"


def latency_row(model: Any, X: np.ndarray) -> tuple[float, float]:
    if model is None:
        return math.nan, math.nan
    lat = decision_latency(model, X)
    return lat.p50_us, lat.p99_us


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the batch throughput test")
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--decisions", type=int, default=1_000, help="single-row predict calls timed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--skip-compile", action="store_true", help="leave torch.compile out (slow to warm up)")
    args = parser.parse_args()
    f = args.features
    common = {"epochs": 1, "seed": 0, "device": args.device, "threads": args.threads, "batch_size": 512}
    X, y = synthetic(max(args.rows, 4_000), f)
    fit_rows = slice(0, 4_000)
    print(f"torch {torch.__version__}, {args.threads} thread(s), device {args.device}, {f} features")
    print(f"{'family':24} {'seq':>4} {'eager p50/p99 us':>18} {'script p50/p99':>16} {'compile p50/p99':>16} "
          f"{'int8 p50/p99':>14} {'batch rows/s':>13} {'int8 rows/s':>12}")
    for name, build in families(f, common).items():
        model = build()
        model.fit(X[fit_rows], y[fit_rows])
        rows = X[: args.decisions + 50]
        eager = latency_row(model, rows)
        single = model.members[0] if isinstance(model, EnsembleModel) else model
        script = latency_row(traced(model, f), rows) if isinstance(model, TorchModel) else (math.nan, math.nan)
        comp = (latency_row(compiled(model, f), rows) if isinstance(model, TorchModel) and not args.skip_compile
                else (math.nan, math.nan))
        q = quantized(model)
        q8 = latency_row(q, rows)
        thr, qthr = batch_throughput(model, X[: args.rows]), batch_throughput(q, X[: args.rows])
        seq = max(m.seq_len for m in model.members) if isinstance(model, EnsembleModel) else single.seq_len
        print(f"{name:24} {seq:>4} {fmt(eager[0]):>8}/{fmt(eager[1]):>8} {fmt(script[0]):>7}/{fmt(script[1]):>7} "
              f"{fmt(comp[0]):>7}/{fmt(comp[1]):>7} {fmt(q8[0]):>6}/{fmt(q8[1]):>6} {fmt(thr):>13} {fmt(qthr):>12}")

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
        thr = batch_throughput(m, Xt[: args.rows])
        print(f"{label:24} {agreement(ref, out, m.signal_kind):>16.3f} {ic:>13.4f} {fmt(p50):>8} {fmt(p99):>8} "
              f"{fmt(thr):>10}")


if __name__ == "__main__":
    main()
