"""The core's RiskLayer (with capabilities) and Plugin conformance suites, pointed at account-guard."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.plugin import make_account_guard

from cryptoscalp_core.ports.risk import RiskLayer
from cryptoscalp_core.registry import ComponentKind
from cryptoscalp_core.testing.conformance import PluginConformance, RiskLayerCapabilityConformance


class TestAccountGuardLayer(RiskLayerCapabilityConformance):
    max_examples = 60

    @pytest.fixture
    def make_layer(self) -> Callable[[], RiskLayer]:
        config = AccountGuardConfig(max_daily_loss=1000, max_drawdown_pct=5, max_margin_ratio=0.5,
                                    kill_margin_ratio=0.9, min_liquidation_distance_bps=300)
        return lambda: make_account_guard(config)


class TestAccountGuardPlugin(PluginConformance):
    entry_point = "account-guard"
    distribution = "cryptoscalp-risk-account-guard"
    components = ((ComponentKind.RISK, "account-guard"),)

    @pytest.fixture
    def component_settings(self) -> Mapping[str, Mapping[str, Any]]:
        return {"account-guard": {"max_daily_loss": 100}}
