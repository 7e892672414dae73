"""The ``cryptoscalp`` command. Plugins add sub-commands through ``cryptoscalp_register_commands``."""

from __future__ import annotations

import logging
import sys

import typer

from cryptoscalp_core.cli import backtest_cmd, market_cmd, models_cmd, plugins_cmd, profile_cmd, research_cmd
from cryptoscalp_core.cli.output import console, error_console


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="cryptoscalp",
        help="High-frequency scalping framework for crypto perpetual futures.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.command("version", help="Show the core version and installed plugin versions.")(plugins_cmd.version)
    app.command("plugins", help="List installed plugins, their components, and load errors.")(
        plugins_cmd.plugins
    )
    app.add_typer(profile_cmd.app, name="profile")
    app.command("backtest", help="Run a backtest profile and write its report.")(backtest_cmd.backtest)
    app.command("report", help="Reopen a stored backtest run.")(backtest_cmd.report)
    app.add_typer(models_cmd.app, name="models")
    app.command("train", help="Train a profile's model walk-forward, register it and backtest it.")(
        research_cmd.train)
    app.command("paper", help="Paper-trade a profile: live feed, wall clock, simulated venue.")(market_cmd.paper)
    app.command("record", help="Record a profile's feed to the Parquet layout the replay feed reads.")(
        market_cmd.record)
    from cryptoscalp_core.plugins import default_host

    host = default_host()
    for impl in host.pm.hook.cryptoscalp_register_commands.get_hookimpls():
        try:
            impl.function(app=app)
        except Exception as exc:  # one plugin's broken command must not take the CLI down
            error_console.print(f"[yellow]plugin {impl.plugin_name!r} failed to add commands: {exc}[/]")
    return app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    app = build_app()
    app()


__all__ = ["build_app", "console", "main"]
