"""Hook implementations of the ``model-baseline`` plugin."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_model_baseline._common import HasNames, resolve_column
from cryptoscalp_model_baseline.config import EmaCrossConfig, ImbalanceConfig, LogisticConfig
from cryptoscalp_model_baseline.ema_cross import EmaCrossModel
from cryptoscalp_model_baseline.imbalance import ImbalanceModel
from cryptoscalp_model_baseline.logistic import OnlineLogisticModel


def make_ema_cross(config: EmaCrossConfig, *, features: HasNames) -> EmaCrossModel:
    """Long after the fast EMA crosses above the slow one, flat (or short) after it crosses below."""
    return EmaCrossModel(config, resolve_column(features, config.fast, "fast"),
                         resolve_column(features, config.slow, "slow"))


def make_imbalance(config: ImbalanceConfig, *, features: HasNames) -> ImbalanceModel:
    """Target clip(k * z(OFI), -1, 1) with a dead band, z from running moments of the OFI column."""
    return ImbalanceModel(config, resolve_column(features, config.column, "column"))


def make_online_logistic(config: LogisticConfig) -> OnlineLogisticModel:
    """Online logistic regression (Adagrad, L2) on standardised features: P(up) as position or probabilities."""
    return OnlineLogisticModel(config)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.MODEL, "ema-cross", make_ema_cross, EmaCrossConfig)
    registry.add(ComponentKind.MODEL, "baseline-imbalance", make_imbalance, ImbalanceConfig)
    registry.add(ComponentKind.MODEL, "online-logistic", make_online_logistic, LogisticConfig)
