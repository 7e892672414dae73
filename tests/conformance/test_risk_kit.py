"""The RiskLayer suite passes a correct layer and fails each broken one on exactly its case."""

from __future__ import annotations

from collections.abc import Callable

SUITE = '''
import pytest
import sample_risk as r
from cryptoscalp_core.testing.conformance import RiskLayerConformance


class Base(RiskLayerConformance):
    max_examples = 15
    layer_class = r.LotCap

    @pytest.fixture
    def make_layer(self):
        return self.layer_class

    @pytest.fixture
    def scenarios(self):
        return r.scenarios()


class TestGood(Base):
    pass

''' + "".join(f'''
class Test{name}(Base):
    layer_class = r.{name}
''' for name in ("WrongName", "OffGrid", "NeedsMid", "FloatMetrics", "NeverResizes", "WritesMid",
                 "FillRaises"))

EXPECTED = {
    "TestWrongName": {"RISK-01"},
    "TestOffGrid": {"RISK-02"},
    "TestNeedsMid": {"RISK-03"},
    "TestFloatMetrics": {"RISK-04"},
    "TestNeverResizes": {"RISK-05"},
    "TestWritesMid": {"RISK-06"},
    "TestFillRaises": {"RISK-07"},
}


def test_risk_suite(run_suite: Callable[..., object]) -> None:
    outcome = run_suite(SUITE, "sample_risk")
    all_cases = {f"RISK-{i:02d}" for i in range(1, 8)}
    assert outcome.passed("TestGood") == all_cases, outcome.output
    for cls, expected in EXPECTED.items():
        assert outcome.failed(cls) == expected, (cls, outcome.failed(cls), outcome.output[-3000:])
        assert outcome.passed(cls) == all_cases - expected, cls
