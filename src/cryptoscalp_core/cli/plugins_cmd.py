"""``cryptoscalp plugins`` and ``cryptoscalp version``."""

from __future__ import annotations

import json
import platform
from typing import Annotated

import typer
from rich.table import Table

from cryptoscalp_core import __version__
from cryptoscalp_core.cli.output import console
from cryptoscalp_core.plugins import PluginHost, default_host


def _as_json(host: PluginHost) -> str:
    return json.dumps(
        {
            "plugins": [
                {"name": p.name, "distribution": p.dist, "version": p.version, "module": p.module,
                 "components": [{"kind": c.kind.value, "name": c.name, "description": c.description}
                                for c in p.components]}
                for p in host.plugins
            ],
            "errors": [{"name": e.name, "distribution": e.dist, "version": e.version, "stage": e.stage,
                        "error": e.error} for e in host.errors],
            "blocked": host.blocked,
        },
        indent=2,
    )


def plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    host = default_host()
    if as_json:
        console.print_json(_as_json(host))
        raise typer.Exit(1 if host.errors else 0)
    table = Table(title="Installed plugins", title_justify="left")
    for column in ("plugin", "distribution", "version", "components"):
        table.add_column(column)
    for info in host.plugins:
        comps = "\n".join(f"{c.kind.value}: {c.name}" for c in info.components) or "-"
        table.add_row(info.name, info.dist or "-", info.version or "-", comps)
    console.print(table)
    if host.blocked:
        console.print(f"blocked by environment: {', '.join(host.blocked)}")
    if host.errors:
        errors = Table(title="Plugins that failed to load", title_justify="left", style="red")
        for column in ("plugin", "distribution", "stage", "error"):
            errors.add_column(column)
        for err in host.errors:
            errors.add_row(err.name, f"{err.dist} {err.version}".strip(), err.stage, err.error)
        console.print(errors)
        raise typer.Exit(1)


def version() -> None:
    host = default_host()
    console.print(f"cryptoscalp-core {__version__} (Python {platform.python_version()})")
    for info in host.plugins:
        if info.dist and info.dist != "cryptoscalp-core":
            console.print(f"  {info.dist} {info.version}")
