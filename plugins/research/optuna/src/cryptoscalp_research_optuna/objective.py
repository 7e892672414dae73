"""The walk-forward objective of ``cryptoscalp optimize``.

Per trial: the trial's values are written as an overlay of the profile (validated like any profile),
its dataset is built (the feed through the feature engine, cached per process while the feed, features
and instruments stay the same), labelled per ``training:``, and cut into purged walk-forward folds. Per
fold a fresh model is trained on the fold's purged training rows (if it requires a fit) and scores the
test period:

* ``ic``: Spearman rank correlation of the signal with the forward return (the label's horizon);
* ``net-return``: the net-of-fees return of the test period (:func:`.scoring.net_return`), with the
  profile's ``trading.min_trade_fraction`` and the instrument's taker fee.

After fold ``k`` the mean so far is reported as the intermediate value at step ``k``, so the pruner can
stop a trial whose first folds are worse than the median of earlier trials. The trial's value is the
mean over folds.
"""

from __future__ import annotations

import inspect
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import optuna

from cryptoscalp_core.plugins import PluginHost, default_host
from cryptoscalp_core.ports.model import Model
from cryptoscalp_core.profile import ResolvedProfile, load_profile
from cryptoscalp_core.research.dataset import Dataset, build_dataset
from cryptoscalp_core.research.metrics import information_coefficient, score
from cryptoscalp_core.research.splits import walk_forward
from cryptoscalp_core.research.train import make_labels, target_for
from cryptoscalp_research_optuna.overlay import write_overlay
from cryptoscalp_research_optuna.scoring import mean_finite, net_return
from cryptoscalp_research_optuna.space import SearchSpace

Score = Literal["ic", "net-return"]
SCORES: tuple[Score, ...] = ("ic", "net-return")
_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class FeatureNames:
    names: tuple[str, ...]


def build_model(resolved: ResolvedProfile, names: tuple[str, ...]) -> Model:
    """A fresh model from the profile's model section (a rule model that reads columns gets the names)."""
    section = resolved.components.get("model")
    if section is None:
        raise ValueError("the profile has no model section")
    factory = section.spec.factory
    wanted = inspect.signature(factory).parameters
    deps: dict[str, Any] = {}
    if "features" in wanted:
        deps["features"] = FeatureNames(names)
    if "instruments" in wanted:
        deps["instruments"] = resolved.instruments
    model: Model = factory(section.config, **deps)
    return model


def fold_scores(resolved: ResolvedProfile, data: Dataset, how: Score,
                on_fold: Any = None) -> list[float]:
    """Out-of-sample score of every walk-forward fold; ``on_fold(k, mean_so_far)`` after each."""
    settings = resolved.profile.training
    labels, fwd = make_labels(data, settings)
    y = target_for(labels.values, settings.target)
    folds = walk_forward(labels, settings.folds, embargo_ns=settings.embargo_ms * _MS, mode=settings.mode)
    if not folds:
        raise ValueError("no walk-forward fold has training rows: more data or fewer folds")
    fees = [float(i.taker_fee) or settings.label.fee_rate for i in resolved.instruments]
    band = resolved.profile.trading.min_trade_fraction
    out: list[float] = []
    for k, fold in enumerate(folds):
        model = build_model(resolved, data.names)
        if model.requires_fit:
            model.fit(data.X[fold.train], y[fold.train])
        s = score(model.predict(data.X[fold.test]), model.signal_kind)
        if how == "ic":
            value = information_coefficient(s, fwd[fold.test])
        else:
            value = 0.0
            insts = data.instrument[fold.test]
            for inst in np.unique(insts):
                mine = insts == inst
                pts, price = data.price_path(int(inst))
                value += net_return(s[mine], data.ts[fold.test][mine], pts, price,
                                    fee_rate=fees[int(inst)], min_trade_fraction=band)
            value /= max(1, len(np.unique(insts)))
        out.append(value)
        if on_fold is not None:
            on_fold(k, mean_finite(out))
    return out


class WalkForwardObjective:
    """Callable for ``study.optimize``; one instance per worker process (it caches the last dataset)."""

    def __init__(self, profile: Path, space: SearchSpace, how: Score, workdir: Path,
                 host: PluginHost | None = None) -> None:
        if how not in SCORES:
            raise ValueError(f"score must be one of {', '.join(SCORES)}, got {how!r}")
        self.profile, self.space, self.how, self.workdir = Path(profile), space, how, Path(workdir)
        self.host = host
        self._cache: tuple[str, Dataset] | None = None

    def _dataset(self, path: Path, resolved: ResolvedProfile, host: PluginHost) -> Dataset:
        p = resolved.profile
        key = json.dumps({"feed": p.feed.redacted() if p.feed else None,
                          "features": p.features.redacted() if p.features else None,
                          "instruments": [str(i) for i in p.instruments]}, sort_keys=True, default=str)
        if self._cache is None or self._cache[0] != key:
            import anyio

            data = anyio.run(lambda: build_dataset(path, host=host))
            self._cache = (key, data)
        return self._cache[1]

    def __call__(self, trial: optuna.Trial) -> float:
        host = self.host or default_host()
        values = self.space.suggest(trial)
        path = write_overlay(self.profile, values, self.workdir / f"trial-{os.getpid()}-{trial.number}.yaml")
        try:
            resolved = load_profile(path, host.registry, resolver=host.hook.cryptoscalp_resolve_instrument)
            data = self._dataset(path, resolved, host)
            trial.set_user_attr("pid", os.getpid())

            def report(k: int, mean: float) -> None:
                if math.isfinite(mean):
                    trial.report(mean, k)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned after fold {k}")

            scores = fold_scores(resolved, data, self.how, report)
        finally:
            path.unlink(missing_ok=True)
        trial.set_user_attr("fold_scores", scores)
        value = mean_finite(scores)
        if not math.isfinite(value):
            raise ValueError("every fold scored NaN (a constant signal has no IC)")
        return value


def walk_forward_objective(profile: Path, space_path: Path, how: Score, workdir: Path) -> WalkForwardObjective:
    """Picklable factory of the objective for worker processes (each loads the space itself)."""
    from cryptoscalp_research_optuna.space import load_space

    return WalkForwardObjective(profile, load_space(space_path), how, workdir)
