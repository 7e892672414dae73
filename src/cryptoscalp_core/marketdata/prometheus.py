"""Prometheus exposition of a feed's counters (optional extra ``metrics``: prometheus-client).

A collector reads :func:`~cryptoscalp_core.marketdata.bounded.feed_metrics` when Prometheus scrapes, so
the feed pays nothing per event. Metrics (all labelled ``feed``)::

    cryptoscalp_feed_events_total, _gaps_total, _resyncs_total, _reconnects_total
    cryptoscalp_feed_dropped_total{reason}
    cryptoscalp_feed_failovers_total, _failbacks_total            (multi-source)
    cryptoscalp_feed_metric{name}                                 every other number the feed reports
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cryptoscalp_core.marketdata.bounded import feed_metrics

METRICS_HINT = "metrics export needs prometheus-client: pip install 'cryptoscalp-core[metrics]'"
_COUNTERS = ("events", "gaps", "resyncs", "reconnects", "failovers", "failbacks")


class FeedCollector:
    def __init__(self, feed: object, name: str = "feed") -> None:
        self.feed, self.name = feed, name

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        values = feed_metrics(self.feed)
        for key in _COUNTERS:
            value = values.pop(key, None)
            if isinstance(value, int | float):
                family = CounterMetricFamily(f"cryptoscalp_feed_{key}", f"feed {key}", labels=["feed"])
                family.add_metric([self.name], float(value))
                yield family
        dropped = values.pop("dropped", {})
        family = CounterMetricFamily("cryptoscalp_feed_dropped", "rows dropped, by reason", labels=["feed", "reason"])
        if isinstance(dropped, dict):
            for reason, n in dropped.items():
                family.add_metric([self.name, reason], float(n))
        yield family
        gauge = GaugeMetricFamily("cryptoscalp_feed_metric", "other feed figures", labels=["feed", "name"])
        for key, value in values.items():
            if isinstance(value, int | float):
                gauge.add_metric([self.name, key], float(value))
        yield gauge


def serve_feed_metrics(feed: object, port: int, host: str = "127.0.0.1") -> Any:
    """Serve ``/metrics`` for ``feed`` on ``host:port`` (a daemon thread); returns the registry."""
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError as exc:
        raise ImportError(METRICS_HINT) from exc
    registry = CollectorRegistry()
    registry.register(FeedCollector(feed))
    start_http_server(port, addr=host, registry=registry)
    return registry
