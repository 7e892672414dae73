"""Hypothesis throws malformed pushes at the decoder: never an exception, always a counted drop."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from cryptoscalp_exchange_okx.book_sync import BookSync
from cryptoscalp_exchange_okx.decode import PushDecoder
from cryptoscalp_exchange_okx.prices import TickParser
from cryptoscalp_exchange_okx.testing import synthetic_tape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cryptoscalp_core.domain.events import DTYPES, valid_rows
from cryptoscalp_core.ports.market_feed import FeedStats

TAPE = synthetic_tape(30, seed=5)
CHANNELS = ["books", "trades", "bbo-tbt", "tickers", "mark-price", "funding-rate", "nope", 3, None]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=8), st.sampled_from(["0", "-1", "1e308", "NaN", "inf", "65000.1", "", "buy"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
                           max_leaves=12)


def _decoder() -> tuple[PushDecoder, FeedStats]:
    stats = FeedStats()
    sync = BookSync("BTC-USDT-SWAP", 0, TickParser(Decimal("0.1")), stats)
    return PushDecoder({"BTC-USDT-SWAP": 0}, {"BTC-USDT-SWAP": sync}, stats, "books"), stats


def _mutate(push: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    doc = orjson.loads(orjson.dumps(push))
    node = doc
    for key in path[:-1]:
        in_list = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if (isinstance(node, dict) and key in node) or in_list:
            node = node[key]
        else:
            return doc
    last = path[-1]
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int) and last < len(node)):
        node[last] = value
    return doc


def _paths(doc: Any, prefix: list[Any]) -> list[list[Any]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, [*prefix, k])
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, [*prefix, i])
    return out


def _may_be_silent(doc: dict[str, Any]) -> bool:
    """Pushes that legitimately yield no rows: funding (folded into the next MARK) and a book update
    left without levels (an idle heartbeat)."""
    arg = doc.get("arg")
    channel = arg.get("channel") if isinstance(arg, dict) else None
    if channel == "funding-rate":
        return True
    data = doc.get("data")
    if channel == "books" and isinstance(data, list) and data and isinstance(data[0], dict):
        return not data[0].get("bids") and not data[0].get("asks")
    return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(TAPE) - 1), st.data(), json_values)
def test_mutated_pushes_never_raise(index: int, data: st.DataObject, value: Any) -> None:
    decoder, stats = _decoder()
    decoder.decode(TAPE[0], 1)  # a live book so updates are sequenced and applied
    push = TAPE[index]
    path = data.draw(st.sampled_from(_paths(push, [])))
    mutated = _mutate(push, path, value)
    before = dict(stats.dropped), stats.gaps
    batch = decoder.decode(mutated, 2)
    if batch is None:
        counted = stats.dropped != before[0] or stats.gaps != before[1]
        assert counted or _may_be_silent(mutated), (mutated, stats)
    else:
        assert batch.rows.dtype == DTYPES[batch.kind]
        check = valid_rows(batch.rows)
        assert check.total_dropped == 0, check.dropped  # nothing invalid ever gets out


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    decoder, stats = _decoder()
    doc = value if isinstance(value, dict) else {"arg": {"channel": "trades", "instId": "BTC-USDT-SWAP"}, "data": value}
    batch = decoder.decode(doc, 1)
    if batch is not None:
        assert valid_rows(batch.rows).total_dropped == 0
    else:
        assert stats.dropped or stats.gaps


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CHANNELS), st.lists(json_values, max_size=3))
def test_unknown_or_odd_channels(channel: Any, data: list[Any]) -> None:
    decoder, stats = _decoder()
    decoder.decode({"arg": {"channel": channel, "instId": "BTC-USDT-SWAP"}, "action": "update", "data": data}, 1)
    assert sum(stats.dropped.values()) + stats.gaps >= 0  # reached without an exception
