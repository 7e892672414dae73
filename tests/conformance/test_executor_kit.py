"""The Executor suite passes a correct executor and fails each broken one on exactly its case."""

from __future__ import annotations

from collections.abc import Callable

SUITE = '''
from decimal import Decimal

import pytest
import sample_executors as x
from cryptoscalp_core.domain.orders import OrderSide
from cryptoscalp_core.testing.conformance import ExecutorConformance, OrderPrices


class Base(ExecutorConformance):
    timeout_s = 1.0
    executor_class = x.ToyExecutor

    @pytest.fixture
    def make_executor(self):
        return self.executor_class

    @pytest.fixture
    def instrument(self):
        return x.INSTRUMENT

    @pytest.fixture
    def order_prices(self):
        return {OrderSide.BUY: OrderPrices(resting=Decimal("99"), marketable=Decimal("105")),
                OrderSide.SELL: OrderPrices(resting=Decimal("102"), marketable=Decimal("95"))}


class TestGood(Base):
    pass

''' + "".join(f'''
class Test{name}(Base):
    executor_class = x.{name}Executor
''' for name in ("NotIdempotent", "Unchecked", "CancelUnknownRaises", "FilledFirst", "DictReconcile",
                 "Resurrecting"))

EXPECTED = {
    "TestNotIdempotent": {"EXEC-02"},
    "TestUnchecked": {"EXEC-03"},
    "TestCancelUnknownRaises": {"EXEC-04"},
    "TestFilledFirst": {"EXEC-06"},
    "TestDictReconcile": {"EXEC-07"},
    "TestResurrecting": {"EXEC-08"},
}


def test_executor_suite(run_suite: Callable[..., object]) -> None:
    outcome = run_suite(SUITE, "sample_executors")
    all_cases = {f"EXEC-{i:02d}" for i in range(1, 9)}
    assert outcome.passed("TestGood") == all_cases, outcome.output
    for cls, expected in EXPECTED.items():
        assert outcome.failed(cls) == expected, (cls, outcome.failed(cls), outcome.output[-3000:])
        assert outcome.passed(cls) == all_cases - expected, cls
