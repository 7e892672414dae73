"""The jit-compiled pieces of ``jax-mlp``: initialisation, forward pass, one training pass, loss."""

from __future__ import annotations

import itertools
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from cryptoscalp_models_jax import heads
from cryptoscalp_models_jax.optim import AdamState, adam_step

Layers = list[tuple[jax.Array, jax.Array]]  # (W, b) per layer

_ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "gelu": jax.nn.gelu}


def init_layers(key: jax.Array, sizes: list[int], activation: str) -> Layers:
    """He (relu, gelu) or Glorot (tanh) normal weights, zero biases; the output layer is scaled down
    so an untrained network starts near a flat signal."""
    layers: Layers = []
    keys = jax.random.split(key, len(sizes) - 1)
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        gain = 1.0 if activation == "tanh" else 2.0
        std = jnp.sqrt(gain / (fan_in if activation != "tanh" else (fan_in + fan_out) / 2))
        if i == len(sizes) - 2:
            std = std * 0.1
        w = jax.random.normal(keys[i], (fan_in, fan_out), jnp.float32) * std
        layers.append((w, jnp.zeros(fan_out, jnp.float32)))
    return layers


def decay_tree(layers: Layers, weight_decay: float) -> list[tuple[jax.Array, jax.Array]]:
    """Per-leaf decay: weight matrices decay, biases do not."""
    return [(jnp.float32(weight_decay), jnp.float32(0.0)) for _ in layers]


def forward(layers: Layers, Z: jax.Array, activation: str) -> jax.Array:
    act = _ACTIVATIONS[activation]
    h = Z
    for w, b in layers[:-1]:
        h = act(h @ w + b)
    w, b = layers[-1]
    return h @ w + b


@partial(jax.jit, static_argnames=("activation",))
def predict_raw(layers: Layers, Z: jax.Array, activation: str) -> jax.Array:
    return forward(layers, Z, activation)


def _batch_loss(layers: Layers, Z: jax.Array, y: jax.Array, mask: jax.Array, task: str,
                activation: str) -> jax.Array:
    per_row = heads.loss(forward(layers, Z, activation), y, task)
    return jnp.sum(per_row * mask) / jnp.maximum(jnp.sum(mask), 1.0)


@partial(jax.jit, static_argnames=("task", "activation"))
def mean_loss(layers: Layers, Z: jax.Array, y: jax.Array, mask: jax.Array, task: str,
              activation: str) -> jax.Array:
    return _batch_loss(layers, Z, y, mask, task, activation)


@partial(jax.jit, static_argnames=("task", "activation"))
def train_pass(layers: Layers, opt: AdamState, Zb: jax.Array, yb: jax.Array, mb: jax.Array, lr: jax.Array,
               decay: Any, task: str, activation: str) -> tuple[Layers, AdamState, jax.Array]:
    """One pass of AdamW over the batches ``Zb`` (nb, bs, d) in order; all-padding batches are skipped
    (an Adam step on a zero gradient would still move the weights through its momentum)."""
    grad_fn = jax.value_and_grad(_batch_loss)

    def step(carry: tuple[Layers, AdamState], batch: tuple[jax.Array, jax.Array, jax.Array]
             ) -> tuple[tuple[Layers, AdamState], jax.Array]:
        params, state = carry
        Z, y, m = batch
        value, grads = grad_fn(params, Z, y, m, task, activation)
        new_params, new_state = adam_step(params, grads, state, lr, decay)
        live = jnp.any(m > 0)
        keep = jax.tree_util.tree_map(lambda new, old: jnp.where(live, new, old),
                                      (new_params, new_state), (params, state))
        return keep, value * jnp.sum(m)

    (layers, opt), losses = jax.lax.scan(step, (layers, opt), (Zb, yb, mb))
    return layers, opt, jnp.sum(losses) / jnp.maximum(jnp.sum(mb), 1.0)
