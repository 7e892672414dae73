"""``cryptoscalp backtest PROFILE`` and ``cryptoscalp report RUN``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cryptoscalp_core.cli.output import console, error_console
from cryptoscalp_core.container import ContainerError
from cryptoscalp_core.engine.report import LABELS, format_value
from cryptoscalp_core.profile import ProfileError


def summary_table(run_id: str, summary: dict[str, Any]) -> Table:
    table = Table(title=f"Backtest {run_id}", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, (label, _) in LABELS.items():
        if key in summary:
            table.add_row(label, format_value(key, summary[key]))
    for reason, count in sorted((summary.get("risk_rejections") or {}).items()):
        table.add_row(f"risk rejections {reason}", f"{count:,}")
    return table


def backtest(
    profile: Annotated[Path, typer.Argument(help="Profile YAML with mode: backtest.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for reports and series.")] = Path("runs"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a backtest, store the results, print the summary and write the HTML report."""
    from cryptoscalp_core.engine.run import BacktestSetupError, run_backtest

    columns = (SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
               TextColumn("{task.completed:,.0f} events"), TimeElapsedColumn())
    with Progress(*columns, console=error_console, disable=quiet, transient=True) as bar:
        task = bar.add_task("backtest", total=None)

        async def main() -> Any:
            return await run_backtest(profile, output_dir=output,
                                      progress=lambda n: bar.advance(task, n))

        try:
            result = anyio.run(main)
        except ProfileError as exc:
            error_console.print(exc.render(), markup=False)
            raise typer.Exit(1) from None
        except (ContainerError, BacktestSetupError) as exc:
            error_console.print(f"cannot run {profile}: {exc}", markup=False)
            raise typer.Exit(1) from None
    console.print(summary_table(result.run_id, result.summary))
    console.print(f"report: {result.report}")


def report(
    run_id: Annotated[str, typer.Argument(help="Run id printed by `cryptoscalp backtest`.")],
    store_url: Annotated[str, typer.Option("--store", help="Store URL.")] = "sqlite:///runs/cryptoscalp.db",
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder of reports.")] = Path("runs"),
) -> None:
    """Reopen a stored run: print its summary and rewrite its HTML report."""
    from cryptoscalp_core.engine.run import reopen_report
    from cryptoscalp_core.storage.sql_store import SqlStore

    store = SqlStore(store_url)
    try:
        run = store.get_run(run_id)
    finally:
        store.close()
    if run is None:
        error_console.print(f"no run {run_id!r} in {store_url}")
        raise typer.Exit(1)
    if run.status != "finished" or "series" not in run.summary:
        error_console.print(f"run {run_id} has status {run.status!r} and no results to report")
        raise typer.Exit(1)
    console.print(summary_table(run_id, run.summary))
    try:
        path = reopen_report(dict(run.summary), output)
    except OSError as exc:
        error_console.print(f"cannot rewrite the report: {exc}")
        raise typer.Exit(1) from None
    console.print(f"report: {path}")
