"""``cryptoscalp optimize PROFILE --space space.yaml``: walk-forward hyperparameter search with Optuna."""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Annotated, Any

import typer

DEFAULT_STORAGE = "sqlite:///runs/optuna.db"


def optimize(
    profile: Annotated[Path, typer.Argument(help="Profile with feed, features, model and `training:`.")],
    space: Annotated[Path, typer.Option("--space", help="YAML: dotted profile paths -> distributions.")],
    trials: Annotated[int, typer.Option("--trials", min=1, help="Finished trials the study should reach.")] = 20,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes on this machine.")] = 1,
    storage: Annotated[str, typer.Option("--storage", help="Optuna RDB URL: SQLite file (default) or "
                                         "postgresql+psycopg://... for workers on many machines.")] = DEFAULT_STORAGE,
    study: Annotated[str, typer.Option("--study", help="Study name; an existing one is joined.")] = "",
    score: Annotated[str, typer.Option("--score", help="ic (out-of-sample IC) or net-return "
                                       "(net-of-fees return of each test period).")] = "ic",
    pruner: Annotated[str, typer.Option("--pruner", help="median or none.")] = "median",
    seed: Annotated[int | None, typer.Option("--seed", help="Sampler seed (worker i uses seed + i).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Best-params overlay YAML "
                                             "(default runs/optuna/<study>.best.yaml).")] = None,
    backtest_best: Annotated[bool, typer.Option("--backtest-best", help="Backtest the best overlay with "
                                                "the full engine afterwards.")] = False,
) -> None:
    """Search the space walk-forward, print the best parameters and write them as a profile overlay."""
    import optuna

    from cryptoscalp_core.cli.output import console, error_console
    from cryptoscalp_research_optuna.objective import SCORES, walk_forward_objective
    from cryptoscalp_research_optuna.overlay import write_overlay
    from cryptoscalp_research_optuna.space import load_space
    from cryptoscalp_research_optuna.study import WorkerSpec, open_study, run_workers, storage_for

    if score not in SCORES:
        error_console.print(f"--score must be one of {', '.join(SCORES)}, got {score!r}")
        raise typer.Exit(2)
    try:
        search = load_space(space)
        name = study or re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{profile.stem}-{score}")
        store = storage_for(storage)
        attrs = {"profile": str(profile.resolve()), "score": score,
                 "space": sorted(search.dimensions)}
        the_study = open_study(store, name, seed=seed, pruner=pruner, attrs=attrs)
    except (ValueError, OSError) as exc:
        error_console.print(f"optimize: {exc}")
        raise typer.Exit(1) from None
    workdir = Path("runs") / "optuna" / "trials"
    factory = functools.partial(walk_forward_objective, profile.resolve(), space.resolve(), score, workdir)
    spec = WorkerSpec(storage_url=storage, study=name, n_trials=trials, objective=factory, seed=seed, pruner=pruner)
    console.print(f"study {name!r} in {_safe_url(storage)}: {len(the_study.trials)} trials so far, "
                  f"target {trials}, {workers} worker(s), score {score}")
    codes = run_workers(spec, workers)
    if any(codes):
        error_console.print(f"[yellow]worker exit codes: {codes}[/]")
    the_study = optuna.load_study(study_name=name, storage=store)
    _report(the_study, console)
    try:
        best = the_study.best_trial
    except ValueError:
        error_console.print("no trial completed: nothing to write")
        raise typer.Exit(1) from None
    values = search.decode(best.params)
    target = out or Path("runs") / "optuna" / f"{name}.best.yaml"
    write_overlay(profile, values, target, comment=(
        f"Best of study {name!r} (trial {best.number}, {score} = {best.value:+.6g}, walk-forward out of sample).\n"
        f"Written by: cryptoscalp optimize {profile} --space {space} --study {name}\n"
        f"Run it: cryptoscalp backtest {target}"))
    console.print(f"best overlay written to {target}")
    if backtest_best:
        _backtest(target, console)


def _report(study: Any, console: Any) -> None:
    from optuna.trial import TrialState
    from rich.table import Table

    states = [t.state for t in study.trials]
    console.print(", ".join(f"{s.name.lower()} {states.count(s)}" for s in TrialState if states.count(s)))
    done = [t for t in study.trials if t.state is TrialState.COMPLETE]
    table = Table("trial", "value", "folds", "params", title="best trials (walk-forward, out of sample)")
    for t in sorted(done, key=lambda t: -(t.value if t.value is not None and math.isfinite(t.value) else -1e300))[:5]:
        folds = " ".join(f"{v:+.4g}" for v in t.user_attrs.get("fold_scores", []))
        table.add_row(str(t.number), f"{t.value:+.6g}", folds, ", ".join(f"{k}={v}" for k, v in t.params.items()))
    console.print(table)


def _backtest(path: Path, console: Any) -> None:
    """Backtest the overlay with the full engine; a model that needs training is first fit on every
    labelled row of the profile's data, as ``cryptoscalp train`` does (nothing is registered)."""
    import anyio

    from cryptoscalp_core.cli.backtest_cmd import summary_table
    from cryptoscalp_core.engine.run import run_backtest
    from cryptoscalp_core.plugins import default_host
    from cryptoscalp_core.profile import load_profile
    from cryptoscalp_core.research.dataset import build_dataset
    from cryptoscalp_core.research.train import make_labels, target_for
    from cryptoscalp_research_optuna.objective import build_model

    host = default_host()
    resolved = load_profile(path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
    data = anyio.run(lambda: build_dataset(path, host=host))
    model = build_model(resolved, data.names)
    if model.requires_fit:
        labels, _ = make_labels(data, resolved.profile.training)
        y = target_for(labels.values, resolved.profile.training.target)
        model.fit(data.X[labels.valid], y[labels.valid])
    result = anyio.run(lambda: run_backtest(path, host=host, model=model))
    console.print(summary_table(path.stem, result.summary))


def _safe_url(url: str) -> str:
    """The storage URL without a password."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
