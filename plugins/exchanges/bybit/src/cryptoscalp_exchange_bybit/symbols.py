"""Topic names of Bybit v5 public linear streams, and how topics are spread over connections."""

from __future__ import annotations

from collections.abc import Sequence

from cryptoscalp_exchange_bybit.config import BybitFeedConfig


def book_topic(depth: int, symbol: str) -> str:
    return f"orderbook.{depth}.{symbol}"


def topics_for(config: BybitFeedConfig, symbol: str) -> list[str]:
    """Every topic the config asks for one symbol, in a stable order."""
    out: list[str] = []
    if config.depth:
        out.append(book_topic(config.depth, symbol))
    if config.quotes:
        out.append(book_topic(1, symbol))
    if config.trades:
        out.append(f"publicTrade.{symbol}")
    if config.marks:
        out.append(f"tickers.{symbol}")
    return out


def split_connections(topics: Sequence[str], max_chars: int) -> list[list[str]]:
    """Group topics so the characters of each connection's ``args`` stay within ``max_chars`` (Bybit
    counts the topic strings of a public connection against a 21,000-character limit)."""
    groups: list[list[str]] = []
    size = 0
    for topic in topics:
        if not groups or size + len(topic) > max_chars:
            groups.append([])
            size = 0
        groups[-1].append(topic)
        size += len(topic)
    return groups


def chunks(topics: Sequence[str], n: int) -> list[list[str]]:
    """Subscribe requests of at most ``n`` topics each."""
    return [list(topics[i:i + n]) for i in range(0, len(topics), n)]
