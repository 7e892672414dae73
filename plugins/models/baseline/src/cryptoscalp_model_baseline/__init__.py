"""cryptoscalp-model-baseline: rule and online baseline models (``ema-cross``, ``baseline-imbalance``,
``online-logistic``)."""

from cryptoscalp_model_baseline.config import EmaCrossConfig, ImbalanceConfig, LogisticConfig
from cryptoscalp_model_baseline.ema_cross import EmaCrossModel
from cryptoscalp_model_baseline.imbalance import ImbalanceModel
from cryptoscalp_model_baseline.logistic import OnlineLogisticModel

__all__ = ["EmaCrossConfig", "EmaCrossModel", "ImbalanceConfig", "ImbalanceModel", "LogisticConfig",
           "OnlineLogisticModel"]
