"""``cryptoscalp train``: train a profile's model with walk-forward evaluation and register it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cryptoscalp_core.cli.output import console, error_console


def train(
    profile: Annotated[Path, typer.Argument(help="Profile with a model, features, feed and `training:`.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder of backtest reports.")] = Path("runs"),
) -> None:
    """Build the dataset, evaluate walk-forward out of sample, fit, register, and backtest net of fees."""
    import anyio

    from cryptoscalp_core.cli.backtest_cmd import summary_table
    from cryptoscalp_core.profile import ProfileError
    from cryptoscalp_core.research.train import train_profile

    try:
        report = anyio.run(lambda: train_profile(profile, output_dir=output, log=console.print))
    except ProfileError as exc:
        error_console.print(str(exc))
        raise typer.Exit(1) from None
    except (ValueError, TypeError, RuntimeError) as exc:
        error_console.print(f"training failed: {exc}")
        raise typer.Exit(1) from None
    table = Table("fold", "train rows", "test rows", "purged", "IC", "hit rate", "calibration error",
                  title="out-of-sample, purged walk-forward")
    for f in report.folds:
        table.add_row(str(f.fold), f"{f.train_rows:,}", f"{f.test_rows:,}", f"{f.purged:,}", _fmt(f.ic),
                      _fmt(f.hit_rate), _fmt(f.calibration_error))
    table.add_row("mean", "", "", "", _fmt(report.metrics["ic"]), _fmt(report.metrics["hit_rate"]),
                  _fmt(report.metrics["calibration_error"]))
    console.print(table)
    v = report.version
    console.print(f"registered {v.name} v{v.version} ({v.stage}); promote with: "
                  f"cryptoscalp models promote {v.name} {v.version}")
    if report.backtest is not None:
        console.print(summary_table(f"{v.name} v{v.version}", report.backtest))


def _fmt(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.4f}"
