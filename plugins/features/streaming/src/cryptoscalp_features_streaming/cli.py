"""``cryptoscalp features list``: the catalogue of the ``streaming`` engine (name, family, parameters,
warm-up), for the full preset or the settings of a profile's ``features`` section."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Annotated

import typer

features_app = typer.Typer(help="Feature engines: list the streaming engine's catalogue.", no_args_is_help=True)


@features_app.command("list")
def list_features(
    family: Annotated[list[str] | None, typer.Option("--family", "-f", help="Only these families.")] = None,
    pattern: Annotated[list[str] | None, typer.Option("--pattern", "-p", help="Only names matching a glob.")] = None,
    preset: Annotated[str, typer.Option(help="default or full (ignored with --profile).")] = "full",
    profile: Annotated[Path | None, typer.Option(help="Use this profile's features settings.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List feature names with their family, parameters and warm-up (bars of their clock, or events)."""
    from cryptoscalp_features_streaming.catalogue import build_catalogue, select
    from cryptoscalp_features_streaming.config import StreamingFeaturesConfig

    try:
        if profile is not None:
            import yaml

            doc = yaml.safe_load(profile.read_text()) or {}
            section = doc.get("features") or {}
            settings = {k: v for k, v in section.items() if k != "use"}
            config = StreamingFeaturesConfig.model_validate(settings)
            specs = select(config, build_catalogue(config, [str(i) for i in doc.get("instruments") or ()]))
        else:
            config = StreamingFeaturesConfig.model_validate({"preset": preset})
            specs = build_catalogue(config)
    except (ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if family:
        specs = [s for s in specs if s.family in family]
    if pattern:
        specs = [s for s in specs if any(fnmatch.fnmatchcase(s.name, p) for p in pattern)]
    if as_json:
        typer.echo(json.dumps([{"name": s.name, "family": s.family, "clock": s.clock, "params": s.params,
                                "warmup": s.warmup} for s in specs], indent=1))
        return
    width = max((len(s.name) for s in specs), default=4)
    typer.echo(f"{'name':<{width}}  {'family':<10} {'warmup':>6}  params")
    for s in specs:
        typer.echo(f"{s.name:<{width}}  {s.family:<10} {s.warmup:>6}  {s.describe()}")
    typer.echo(f"{len(specs)} features")
