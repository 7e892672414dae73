"""Venue-agnostic market-data stages that compose any MarketFeed: the multi-source loader with failover,
the data validator, the market cache and the recorder. See ``docs/marketdata.md``."""
