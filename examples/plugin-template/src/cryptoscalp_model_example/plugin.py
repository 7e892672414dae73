"""Hook implementations only: what the ``example-ridge`` entry point gives the plugin host.

Keep this module light: the host imports it at start-up for every run, so heavy imports (a deep-learning
framework, say) belong inside the factory or the model module.
"""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_model_example.config import RidgeConfig
from cryptoscalp_model_example.model import RidgeModel


def make_model(config: RidgeConfig) -> RidgeModel:
    """Ridge regression to a target position in [-1, 1] (tanh of the linear score)."""
    return RidgeModel(alpha=config.alpha, gain=config.gain)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.MODEL, "example-ridge", make_model, RidgeConfig)
