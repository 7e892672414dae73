"""``cryptoscalp data download``: Binance's public USD-M archive → verified zips → the Parquet layout.

Raw zips and their checksum sidecars are mirrored under ``<out>/_archive/`` (so a re-run skips what is
already verified), converted rows go to ``<out>/<venue>/<SYMBOL>/<kind>/<YYYY-MM-DD>.parquet``. The
exit status is 0 only when every requested file was obtained and converted.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from cryptoscalp_feed_replay.download.archive import DEFAULT_BASE_URL, TYPES

data_app = typer.Typer(help="Market data: download Binance's public archive into the replay Parquet layout.",
                       no_args_is_help=True)

MIRROR = "_archive"


def _split(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _days(start: date, end: date) -> list[date]:
    if end < start:
        raise typer.BadParameter(f"--end {end} is before --start {start}")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@data_app.command("download")
def download(
    symbols: Annotated[list[str], typer.Option("--symbol", "-s", help="Symbol(s), repeated or comma-separated.")],
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (UTC).")],
    end: Annotated[str | None, typer.Option(help="Last day, inclusive (default: --start).")] = None,
    types: Annotated[list[str] | None, typer.Option("--type", "-t",
                                                   help=f"Archive types (default: all of {', '.join(TYPES)}).")] = None,
    out: Annotated[Path, typer.Option(help="Root of the Parquet layout.")] = Path("data"),
    base_url: Annotated[str, typer.Option(help="Archive host.")] = DEFAULT_BASE_URL,
    venue: Annotated[str, typer.Option(help="Venue folder of the layout.")] = "binance-usdm",
    retries: Annotated[int, typer.Option(min=0, help="Retries on 5xx, 429 and timeouts.")] = 5,
    backoff: Annotated[float, typer.Option(min=0, help="First retry delay in seconds (doubles).")] = 1.0,
    timeout: Annotated[float, typer.Option(min=0.1, help="Socket timeout in seconds.")] = 30.0,
) -> None:
    """Fetch daily trades / aggTrades / bookTicker / 1m klines zips, verify their SHA-256, convert."""
    from rich.progress import Progress
    from rich.table import Table

    from cryptoscalp_core.cli.output import console
    from cryptoscalp_feed_replay.download.archive import Fetcher
    from cryptoscalp_feed_replay.download.job import Job, run_job

    try:
        first = date.fromisoformat(start)
        last = date.fromisoformat(end) if end else first
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    kinds = _split(types or list(TYPES))
    unknown = sorted(set(kinds) - set(TYPES))
    if unknown:
        raise typer.BadParameter(f"unknown type(s) {unknown}; choose from {list(TYPES)}")
    jobs = [Job(kind, symbol.upper(), day) for symbol in _split(symbols) for kind in kinds
            for day in _days(first, last)]
    fetcher = Fetcher(timeout=timeout, retries=retries, backoff=backoff)
    results = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("downloading", total=len(jobs))
        for job in jobs:
            progress.update(task, description=f"{job.kind} {job.symbol} {job.day}")
            results.append(run_job(job, fetcher, base_url, out, out / MIRROR, venue))
            progress.advance(task)
    table = Table("type", "symbol", "day", "status", "rows", "detail")
    for result in results:
        style = "green" if result.ok else "red"
        table.add_row(result.job.kind, result.job.symbol, str(result.job.day), f"[{style}]{result.status}[/]",
                      str(result.rows) if result.rows is not None else "", result.detail)
    console.print(table)
    failed = [r for r in results if not r.ok]
    for r in failed:  # one unwrapped line each, whatever the terminal width: easy to grep and to copy
        console.print(f"{r.status}: {r.job.kind} {r.job.symbol} {r.job.day}: {r.detail}", soft_wrap=True,
                      markup=False)
    if failed:
        console.print(f"[red]{len(failed)} of {len(results)} file(s) not obtained[/]")
        raise typer.Exit(code=1)
