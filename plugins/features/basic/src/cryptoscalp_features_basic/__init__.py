"""cryptoscalp-features-basic: a streaming numpy feature engine (component ``basic``)."""

from cryptoscalp_features_basic.config import BasicFeaturesConfig, feature_names
from cryptoscalp_features_basic.engine import BasicFeatureEngine

__all__ = ["BasicFeatureEngine", "BasicFeaturesConfig", "feature_names"]
