"""The estimator on the real recordings reproduces the shipped parameter files.

Needs the real market-data folder (core's ``market_data_dir`` fixture: skipped when it is absent, failed
when ``CRYPTOSCALP_REQUIRE_DATA=1``). The estimator is deterministic; the tolerance only absorbs how far
an optimiser's stopping point may move on another platform's floating point.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cryptoscalp_feed_synthetic import parameters as model_params
from cryptoscalp_feed_synthetic.estimate import estimate, main

from cryptoscalp_core.testing.services import data_required

pytestmark = pytest.mark.shared_data

SHIPPED = {"binance-usdm-btcusdt": "btcusdt_20240808.gz", "binance-usdm-ethusdt": "ethusdt_20240808.gz"}
MODEL_KEYS = ("levels", "fresh_level", "hawkes", "market_size", "prints", "in_spread", "latency")


def recording(market_data_dir: Path, name: str) -> Path:
    path = market_data_dir / "binance-usdm" / "hftbacktest" / name
    if not path.is_file():
        message = f"{name} is not in the market-data folder {market_data_dir}"
        if data_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module", params=sorted(SHIPPED))
def fitted(request: pytest.FixtureRequest, market_data_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    shipped = json.loads(model_params.locate(request.param).read_text())  # type: ignore[union-attr]
    return estimate(recording(market_data_dir, SHIPPED[request.param])), shipped


def leaves(obj: Any, path: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        return {k: v for key, val in obj.items() for k, v in leaves(val, f"{path}.{key}".lstrip(".")).items()}
    if isinstance(obj, list):
        return {k: v for i, val in enumerate(obj) for k, v in leaves(val, f"{path}.{i}").items()}
    return {path: obj}


def test_model_numbers_reproduce(fitted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    new, shipped = fitted
    for key in MODEL_KEYS:
        got, want = leaves(new[key]), leaves(shipped[key])
        assert got.keys() == want.keys(), key
        for name, value in want.items():
            # boundary estimates (an excitation ~1e-9, a shape at its bound ~1e-7) are zero in effect
            assert got[name] == pytest.approx(value, rel=2e-3, abs=1e-5), f"{key}.{name}"


def test_source_and_counts_reproduce_exactly(fitted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    new, shipped = fitted
    assert new["source"] == shipped["source"]
    for name in ("market_orders", "buys", "trades", "trades_merged_into_orders", "cross_side_same_ms"):
        assert new["diagnostics"]["hawkes"][name] == shipped["diagnostics"]["hawkes"][name], name
    assert new["diagnostics"]["hawkes"]["loglik"] == pytest.approx(shipped["diagnostics"]["hawkes"]["loglik"],
                                                                  rel=1e-5)


def test_fit_diagnostics_are_sound(fitted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    new, _ = fitted
    h = new["diagnostics"]["hawkes"]
    assert h["converged"] and 0 < h["branching_ratio"] < 1
    se = np.r_[h["se_mu"], np.ravel(h["se_alpha"]), h["se_beta"]]
    assert np.isfinite(se).all() and (se > 0).all()
    # merging same-millisecond same-side prints into one order is what makes trades > orders
    assert h["trades"] == h["market_orders"] + h["trades_merged_into_orders"]
    assert model_params.ModelParams.from_dict(new).hawkes.branching_ratio == pytest.approx(h["branching_ratio"],
                                                                                           rel=1e-4)


def test_command_line_writes_a_loadable_file(market_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "params" / "x.json"
    assert main([str(recording(market_data_dir, "btcusdt_20230404.gz")), "--out", str(out), "--levels", "3"]) == 0
    loaded = model_params.load(str(out))
    assert len(loaded.levels) == 3 and loaded.source["date"] == "2023-04-04"  # microsecond-stamped file
