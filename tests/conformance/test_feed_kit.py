"""The MarketFeed suite passes a correct feed and fails each broken one on exactly its case."""

from __future__ import annotations

from collections.abc import Callable

SUITE = '''
import pytest
import sample_feeds as f
from cryptoscalp_core.testing.conformance import MarketFeedConformance


class Base(MarketFeedConformance):
    n_instruments = f.N_INSTRUMENTS
    feed_class = f.SyntheticFeed

    @pytest.fixture
    def make_feed(self):
        return self.feed_class


class TestGood(Base):
    pass

''' + "".join(f'''
class Test{name}(Base):
    feed_class = f.{name}Feed
''' for name in ("BadDtype", "UnsortedWithin", "UnsortedAcross", "NanPrice", "BadInstrument", "StartOnce",
                 "IgnoresStop", "Miscounting"))

EXPECTED = {
    "TestBadDtype": {"FEED-01"},
    "TestUnsortedWithin": {"FEED-02"},
    "TestUnsortedAcross": {"FEED-03"},
    "TestNanPrice": {"FEED-04"},
    "TestBadInstrument": {"FEED-05"},
    "TestStartOnce": {"FEED-06"},
    "TestIgnoresStop": {"FEED-07"},
    "TestMiscounting": {"FEED-08"},
}


def test_feed_suite(run_suite: Callable[..., object]) -> None:
    outcome = run_suite(SUITE, "sample_feeds")
    all_cases = {f"FEED-{i:02d}" for i in range(1, 9)}
    assert outcome.passed("TestGood") == all_cases, outcome.output
    for cls, expected in EXPECTED.items():
        assert outcome.failed(cls) == expected, (cls, outcome.failed(cls))
        assert outcome.passed(cls) == all_cases - expected, cls
