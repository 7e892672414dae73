"""Reference instruments the conformance suites use when a plugin does not supply its own.

Their grids are those of real contracts, so a plugin meets coarse and fine ticks, a venue minimum
notional and a contract multiplier other than one.
"""

from __future__ import annotations

from decimal import Decimal

from cryptoscalp_core.domain.instrument import Instrument


def sample_instruments() -> tuple[Instrument, ...]:
    """Binance-style BTC and ETH linear perpetuals and an OKX-style swap with 0.01 BTC per contract."""
    return (
        Instrument("binance-usdm", "BTCUSDT", tick_size=Decimal("0.1"), lot_size=Decimal("0.001"),
                   min_notional=Decimal("100"), base="BTC", quote="USDT"),
        Instrument("binance-usdm", "ETHUSDT", tick_size=Decimal("0.01"), lot_size=Decimal("0.001"),
                   min_notional=Decimal("20"), base="ETH", quote="USDT"),
        Instrument("okx-swap", "BTC-USDT-SWAP", tick_size=Decimal("0.1"), lot_size=Decimal("0.01"),
                   contract_multiplier=Decimal("0.01"), min_qty=Decimal("0.01"), base="BTC", quote="USDT"),
    )
