"""``cryptoscalp profile check|reference``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cryptoscalp_core.cli.output import console, error_console
from cryptoscalp_core.container import ContainerError, build_container
from cryptoscalp_core.plugins import default_host
from cryptoscalp_core.profile import ProfileError, load_profile
from cryptoscalp_core.profile.reference import render_reference

app = typer.Typer(help="Validate profiles and document their settings.", no_args_is_help=True)


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Profile YAML files.", show_default=False)],
) -> None:
    """Validate profiles (settings of every component, instruments, wiring) without running anything."""
    host = default_host()
    failed = 0
    for path in files:
        try:
            resolved = load_profile(path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
            build_container(resolved, host)
        except ProfileError as exc:
            failed += 1
            error_console.print(exc.render(), markup=False)
            continue
        except ContainerError as exc:
            failed += 1
            error_console.print(f"invalid profile {path}: {exc}", markup=False)
            continue
        p = resolved.profile
        parts = [f"{name}={c.spec.name}" for name, c in resolved.components.items()]
        parts += [f"{name}=[{', '.join(c.spec.name for c in stack)}]"
                  for name, stack in resolved.stacks.items() if stack]
        console.print(f"[green]ok[/] {escape(str(path))}: {p.mode}, {len(resolved.instruments)} instrument(s); "
                      + escape(", ".join(parts)))
    if failed:
        raise typer.Exit(1)


@app.command("reference")
def reference(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Print the settings reference of every installed component, generated from its config model."""
    text = render_reference(default_host().registry)
    if output is None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        output.write_text(text)
        console.print(f"wrote {output}")
