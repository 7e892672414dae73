"""JAX model family for cryptoscalp: ``jax-mlp`` and ``jax-online-linear`` behind the Model port.

The plugin registers both components (see :mod:`.plugin`); jax itself is imported only when a model is
built, so listing plugins or validating a profile stays fast.
"""
