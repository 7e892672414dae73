"""``cryptoscalp models``: list, show, promote and roll back registered model versions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.table import Table

from cryptoscalp_core.cli.output import console, error_console

app = typer.Typer(help="The model registry: versions, stages, promotion and rollback.", no_args_is_help=True)

StoreOption = Annotated[str, typer.Option("--store", help="Store URL holding the registry.")]
ArtifactsOption = Annotated[Path | None, typer.Option("--artifacts", help="Artifact root (default: models/ "
                                                                       "beside a SQLite store file).")]
DEFAULT_STORE = "sqlite:///runs/cryptoscalp.db"


def _registry(store_url: str, artifacts: Path | None):  # type: ignore[no-untyped-def]
    from cryptoscalp_core.model_registry import ArtifactStore, ModelRegistry
    from cryptoscalp_core.model_registry.registry import artifact_root
    from cryptoscalp_core.plugins import default_host
    from cryptoscalp_core.storage.sql_store import SqlStore

    store = SqlStore(store_url)
    store.migrate()
    return store, ModelRegistry(store, ArtifactStore(artifact_root(store, artifacts)), host=default_host())


def _when(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ns / 1e9)) if ns else ""


@app.command("list")
def list_models(name: Annotated[str | None, typer.Argument(help="Only this model.")] = None,
                store_url: StoreOption = DEFAULT_STORE, artifacts: ArtifactsOption = None,
                as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Registered versions, newest first per model."""
    store, _ = _registry(store_url, artifacts)
    try:
        versions = store.model_versions(name)
    finally:
        store.close()
    if as_json:
        console.print_json(json.dumps([msgspec.to_builtins(v) for v in versions]))
        return
    table = Table("model", "version", "stage", "component", "created (UTC)", "data", "metrics", "parent")
    for v in versions:
        span = f"{_when(v.data_start_ns)} → {_when(v.data_end_ns)}" if v.data_start_ns and v.data_end_ns else ""
        metrics = ", ".join(f"{k}={x:.4g}" for k, x in sorted(v.metrics.items()))
        table.add_row(v.name, str(v.version), str(v.stage), v.component, _when(v.created_ns), span, metrics,
                      v.parent or "")
    console.print(table if versions else "no registered models")


@app.command("show")
def show(name: str, version: Annotated[int | None, typer.Argument()] = None,
         store_url: StoreOption = DEFAULT_STORE, artifacts: ArtifactsOption = None) -> None:
    """One version's full record (the production one by default) and the model's stage history."""
    from cryptoscalp_core.model_registry import RegistryError
    from cryptoscalp_core.ports.store import ModelStage

    store, registry = _registry(store_url, artifacts)
    try:
        entry = registry.resolve(name, version=version, stage=None if version else ModelStage.PRODUCTION)
        history = store.model_stage_history(name)
    except RegistryError as exc:
        error_console.print(str(exc))
        raise typer.Exit(1) from None
    finally:
        store.close()
    console.print_json(json.dumps(msgspec.to_builtins(entry)))
    for change in history:
        console.print(f"{_when(change.ts_ns)}  v{change.version}: {change.from_stage or '-'} → {change.to_stage}"
                      f"  {change.reason}")


@app.command("promote")
def promote(name: str, version: int,
            stage: Annotated[str, typer.Option("--stage", help="shadow, production or retired.")] = "production",
            reason: Annotated[str, typer.Option("--reason")] = "", store_url: StoreOption = DEFAULT_STORE,
            artifacts: ArtifactsOption = None) -> None:
    """Move a version to a stage (production retires the current production version)."""
    from cryptoscalp_core.model_registry import ArtifactIntegrityError, RegistryError
    from cryptoscalp_core.ports.store import ModelStage, StageTransitionError

    store, registry = _registry(store_url, artifacts)
    try:
        if stage == ModelStage.PRODUCTION:
            # never put into production a model whose files do not match the registry
            entry = registry.resolve(name, version=version)
            registry.artifacts.open(entry.artifact_uri, entry.artifact_sha256)
        moved = registry.promote(name, version, ModelStage(stage), reason)
    except (StageTransitionError, RegistryError, ArtifactIntegrityError, ValueError) as exc:
        error_console.print(str(exc))
        raise typer.Exit(1) from None
    finally:
        store.close()
    console.print(f"{moved.name} v{moved.version} is now {moved.stage}")


@app.command("rollback")
def rollback(name: str, reason: Annotated[str, typer.Option("--reason")] = "",
             store_url: StoreOption = DEFAULT_STORE, artifacts: ArtifactsOption = None) -> None:
    """Put back in production the version that was there before the current one."""
    from cryptoscalp_core.ports.store import StageTransitionError

    store, registry = _registry(store_url, artifacts)
    try:
        moved = registry.rollback(name, reason)
    except StageTransitionError as exc:
        error_console.print(str(exc))
        raise typer.Exit(1) from None
    finally:
        store.close()
    console.print(f"{moved.name} v{moved.version} is back in production")
