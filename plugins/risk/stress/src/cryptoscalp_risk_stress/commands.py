"""``cryptoscalp risk stress PROFILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def risk_group(app: typer.Typer) -> typer.Typer:
    """The ``risk`` command group, shared with other risk plugins (created by whichever comes first)."""
    for info in app.registered_groups:
        if info.name == "risk" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Risk operations: kill switch, stress tests.", no_args_is_help=True)
    app.add_typer(group, name="risk")
    return group


def register(app: typer.Typer) -> None:
    group = risk_group(app)

    @group.command("stress")
    def stress(
        profile: Annotated[Path, typer.Argument(help="Profile whose feed gives the market data.")],
        position: Annotated[list[str] | None, typer.Option(
            "--position", "-p", help="INSTRUMENT=QTY to stress a simulated portfolio (repeatable).")] = None,
        run: Annotated[str, typer.Option(help="Stress the end positions of this stored run.")] = "",
        output: Annotated[Path, typer.Option("--output", "-o", help="Folder of the report.")] = Path("runs"),
        max_events: Annotated[int | None, typer.Option(help="Read at most this many market events.")] = None,
    ) -> None:
        """Apply historical and hypothetical shocks to the current or a simulated portfolio; write the report."""
        import anyio

        from cryptoscalp_core.container import ContainerError
        from cryptoscalp_core.plugins import default_host
        from cryptoscalp_core.profile import ProfileError
        from cryptoscalp_risk_stress.runner import run_stress

        try:
            outcome = anyio.run(lambda: run_stress(profile, default_host(), output_dir=output,
                                                   positions=position or [], run_id=run, max_events=max_events))
        except ProfileError as exc:
            typer.echo(exc.render(), err=True)
            raise typer.Exit(1) from None
        except (ContainerError, ValueError) as exc:
            typer.echo(f"cannot stress {profile}: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"portfolio: {outcome.portfolio}")
        typer.echo(f"worst scenario: {outcome.worst} ({outcome.worst_total:,.2f})")
        typer.echo(f"report: {outcome.report}")
