"""Feed counters reach Prometheus' exposition format (read at scrape time) and the printed table."""

from __future__ import annotations

from typing import Any

import pytest

from cryptoscalp_core.cli.market_cmd import feed_table
from cryptoscalp_core.marketdata.multi_source import FailoverRule, MultiSourceFeed

prometheus_client = pytest.importorskip("prometheus_client", reason="needs the core's metrics extra")


def test_counters_are_exposed_at_scrape_time(scripted: Any) -> None:
    from cryptoscalp_core.marketdata.prometheus import FeedCollector

    a, b = scripted([]), scripted([])
    a.stats.gaps, b.stats.resyncs = 2, 3
    a.stats.drop("malformed", 4)
    feed = MultiSourceFeed([a, b], ["a", "b"], 1, FailoverRule(1, 1, 1, 1, 1, 1), "sequence")
    feed.failovers = 5
    registry = prometheus_client.CollectorRegistry()
    registry.register(FeedCollector(feed, "btc"))
    text = prometheus_client.generate_latest(registry).decode()
    assert 'cryptoscalp_feed_gaps_total{feed="btc"} 2.0' in text
    assert 'cryptoscalp_feed_resyncs_total{feed="btc"} 3.0' in text
    assert 'cryptoscalp_feed_dropped_total{feed="btc",reason="malformed"} 4.0' in text
    assert 'cryptoscalp_feed_failovers_total{feed="btc"} 5.0' in text
    b.stats.gaps = 7  # a later scrape sees the new value: nothing is cached between scrapes
    assert 'cryptoscalp_feed_gaps_total{feed="btc"} 9.0' in prometheus_client.generate_latest(registry).decode()


def test_feed_table_lists_every_counter() -> None:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(feed_table({"gaps": 1, "resyncs": 2, "dropped": {"price_jump": 3}, "failovers": 4,
                              "clock_offset_ms": 5.5}))
    text = console.export_text()
    for needle in ("gaps", "resyncs", "dropped price_jump", "failovers", "5.500"):
        assert needle in text
