"""The ports: the contracts every component and plugin codes to. One Protocol per module."""

from cryptoscalp_core.ports.cache import Cache
from cryptoscalp_core.ports.clock import Clock
from cryptoscalp_core.ports.diagnostics import Diagnostics, Health, HealthReport, Remediation
from cryptoscalp_core.ports.event_bus import BusMessage, EventBus
from cryptoscalp_core.ports.executor import Executor, ReconcileReport
from cryptoscalp_core.ports.features import FeatureEngine, FeatureRows
from cryptoscalp_core.ports.market_feed import EventBatch, FeedStats, MarketFeed
from cryptoscalp_core.ports.model import Model, SignalKind
from cryptoscalp_core.ports.risk import PortfolioState, RiskAction, RiskDecision, RiskLayer
from cryptoscalp_core.ports.secrets import MissingSecretError, Secret, SecretStore
from cryptoscalp_core.ports.store import AuditEvent, DuplicateOrderError, RunRecord, Store

__all__ = [
    "AuditEvent",
    "BusMessage",
    "Cache",
    "Clock",
    "Diagnostics",
    "DuplicateOrderError",
    "EventBatch",
    "EventBus",
    "Executor",
    "FeatureEngine",
    "FeatureRows",
    "FeedStats",
    "Health",
    "HealthReport",
    "MarketFeed",
    "MissingSecretError",
    "Model",
    "PortfolioState",
    "ReconcileReport",
    "Remediation",
    "RiskAction",
    "RiskDecision",
    "RiskLayer",
    "Secret",
    "SecretStore",
    "SignalKind",
    "RunRecord",
    "Store",
]
