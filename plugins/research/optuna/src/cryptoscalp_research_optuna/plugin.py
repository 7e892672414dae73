"""Hook implementations of the ``research-optuna`` plugin: the ``cryptoscalp optimize`` command."""

from __future__ import annotations

import typer

from cryptoscalp_core import hookimpl


@hookimpl
def cryptoscalp_register_commands(app: typer.Typer) -> None:
    from cryptoscalp_research_optuna.cli import optimize  # optuna itself loads only when the command runs

    app.command("optimize", help="Walk-forward hyperparameter search with Optuna; writes the best overlay.")(optimize)
