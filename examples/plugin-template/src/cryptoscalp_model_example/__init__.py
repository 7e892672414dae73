"""Example cryptoscalp model plugin: a ridge regression that outputs a target position.

The plugin registers the ``example-ridge`` model component (see :mod:`.plugin`); the model itself is
:class:`~cryptoscalp_model_example.model.RidgeModel`.
"""

from cryptoscalp_model_example.config import RidgeConfig
from cryptoscalp_model_example.model import RidgeModel

__all__ = ["RidgeConfig", "RidgeModel"]
