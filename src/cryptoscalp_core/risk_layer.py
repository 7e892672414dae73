"""What every risk layer repeats: its name, counters, and decisions that count themselves.

A layer subclasses :class:`CountingRiskLayer`, lists its reason codes, and writes only ``check``. The
counters are the ``metrics`` the RiskLayer port asks for: ``checks``, ``allow``, ``resize``, ``reject`` and
one ``reject.<reason>`` / ``resize.<reason>`` per code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType

from cryptoscalp_core.domain.orders import Fill, Order
from cryptoscalp_core.ports.risk import RiskAction, RiskDecision


class CountingRiskLayer:
    """Base of a stateless-by-default risk layer: override :meth:`on_fill` / :meth:`on_order` to keep state."""

    def __init__(self, name: str, reject_reasons: Iterable[str], resize_reasons: Iterable[str] = ()) -> None:
        self._name = name
        self._metrics: dict[str, int] = {"checks": 0, "allow": 0, "resize": 0, "reject": 0}
        self._metrics.update({f"reject.{r}": 0 for r in reject_reasons})
        self._metrics.update({f"resize.{r}": 0 for r in resize_reasons})

    @property
    def name(self) -> str:
        return self._name

    @property
    def metrics(self) -> Mapping[str, int]:
        return MappingProxyType(self._metrics)

    def on_fill(self, fill: Fill) -> None:
        """Nothing to track by default."""

    def on_order(self, order: Order) -> None:
        """Nothing to track by default."""

    def _allow(self) -> RiskDecision:
        self._metrics["allow"] += 1
        return RiskDecision.allow(self._name)

    def _reject(self, reason: str, detail: str) -> RiskDecision:
        self._metrics["reject"] += 1
        self._metrics[f"reject.{reason}"] += 1  # KeyError for a reason code the layer never declared
        return RiskDecision(action=RiskAction.REJECT, layer=self._name, reason=reason, detail=detail)

    def _resized(self, reason: str, qty: Decimal, detail: str) -> RiskDecision:
        self._metrics["resize"] += 1
        self._metrics[f"resize.{reason}"] += 1
        return RiskDecision(action=RiskAction.RESIZE, layer=self._name, reason=reason, qty=qty, detail=detail)
