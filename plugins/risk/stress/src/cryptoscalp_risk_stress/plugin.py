"""Hook implementations only: the ``cryptoscalp risk stress`` command."""

from __future__ import annotations

import typer

from cryptoscalp_core import hookimpl


@hookimpl
def cryptoscalp_register_commands(app: typer.Typer) -> None:
    from cryptoscalp_risk_stress.commands import register

    register(app)
