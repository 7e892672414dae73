"""Hook implementations of the ``models-jax`` plugin."""

from __future__ import annotations

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_models_jax.config import JaxMlpConfig, JaxOnlineLinearConfig


def make_jax_mlp(config: JaxMlpConfig) -> object:
    """Multilayer perceptron (AdamW, early stopping), jit-compiled with JAX, on standardised features."""
    from cryptoscalp_models_jax.mlp import JaxMlpModel  # jax loads only when a profile uses the model

    return JaxMlpModel(config)


def make_jax_online_linear(config: JaxOnlineLinearConfig) -> object:
    """Online linear learner with jit-compiled Adagrad/Adam partial_fit updates and running standardisation."""
    from cryptoscalp_models_jax.online_linear import JaxOnlineLinearModel

    return JaxOnlineLinearModel(config)


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.MODEL, "jax-mlp", make_jax_mlp, JaxMlpConfig)
    registry.add(ComponentKind.MODEL, "jax-online-linear", make_jax_online_linear, JaxOnlineLinearConfig)
