"""cryptoscalp-features-streaming: 1,000+ streaming features over bar clocks (component ``streaming``)."""

from cryptoscalp_features_streaming.catalogue import FeatureSpec, build_catalogue, select
from cryptoscalp_features_streaming.config import StreamingFeaturesConfig
from cryptoscalp_features_streaming.engine import StreamingFeatureEngine

__all__ = ["FeatureSpec", "StreamingFeatureEngine", "StreamingFeaturesConfig", "build_catalogue", "select"]
