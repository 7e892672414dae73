"""``cryptoscalp record PROFILE`` and ``cryptoscalp paper PROFILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
from rich.table import Table

from cryptoscalp_core.cli.backtest_cmd import summary_table
from cryptoscalp_core.cli.output import console, error_console
from cryptoscalp_core.container import ContainerError
from cryptoscalp_core.profile import ProfileError

Duration = Annotated[float | None, typer.Option("--duration", "-d", min=0.0,
                                                help="Stop after this many seconds (default: Ctrl-C or feed end).")]
MetricsPort = Annotated[int | None, typer.Option("--metrics-port", min=1, max=65535, help=(
    "Serve the feed's counters for Prometheus on 127.0.0.1:PORT/metrics (needs the metrics extra)."))]


def feed_table(metrics: dict[str, Any], title: str = "Market data") -> Table:
    """Gaps, resyncs, reconnects, failovers and drops by reason, as ``cryptoscalp`` prints them."""
    table = Table(title=title, title_justify="left")
    table.add_column("counter")
    table.add_column("value", justify="right")
    for key, value in metrics.items():
        if key == "dropped":
            for reason, n in value.items():
                table.add_row(f"dropped {reason}", f"{n:,}")
            if not value:
                table.add_row("dropped", "0")
        elif isinstance(value, float):
            table.add_row(key, f"{value:,.3f}")
        else:
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    return table


def _fail(profile: Path, exc: BaseException) -> typer.Exit:
    if isinstance(exc, ProfileError):
        error_console.print(exc.render(), markup=False)
    else:
        error_console.print(f"cannot run {profile}: {exc}", markup=False)
    return typer.Exit(1)


def record(
    profile: Annotated[Path, typer.Argument(help="Profile YAML with a feed section.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Root of the Parquet layout.")] = Path("data"),
    duration: Duration = None,
    raw: Annotated[bool, typer.Option("--raw/--no-raw", help="Also record raw frames if the feed exposes them.")]
    = True,
    metrics_port: MetricsPort = None,
) -> None:
    """Record the profile's feed to <output>/<venue>/<SYMBOL>/<kind>/<date>.parquet (the replay layout)."""
    from cryptoscalp_core.marketdata.record_run import run_record

    async def main() -> Any:
        return await run_record(profile, output, duration_s=duration, raw=raw, metrics_port=metrics_port)

    try:
        result = anyio.run(main)
    except (ProfileError, ContainerError, ImportError) as exc:
        raise _fail(profile, exc) from None
    table = Table(title=f"Recorded ({result.stopped_by})", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for path, rows in sorted(result.files.items()):
        table.add_row(path, f"{rows:,}")
    console.print(table)
    console.print(feed_table(result.feed))


def paper(
    profile: Annotated[Path, typer.Argument(help="Profile YAML with mode: paper.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for reports and series.")] = Path("runs"),
    duration: Duration = None,
    metrics_port: MetricsPort = None,
) -> None:
    """Paper-trade: live feed, wall clock, simulated venue; stores the run and prints its summary."""
    from cryptoscalp_core.engine.paper import run_paper
    from cryptoscalp_core.engine.run import BacktestSetupError

    async def main() -> Any:
        return await run_paper(profile, duration_s=duration, output_dir=output, metrics_port=metrics_port)

    try:
        result = anyio.run(main)
    except (ProfileError, ContainerError, BacktestSetupError, ImportError) as exc:
        raise _fail(profile, exc) from None
    table = summary_table(result.run_id, result.summary)
    table.title = f"Paper {result.run_id} ({result.summary.get('stopped_by', '')})"
    console.print(table)
    console.print(feed_table(result.summary.get("feed", {})))
    console.print(f"report: {result.report}")
