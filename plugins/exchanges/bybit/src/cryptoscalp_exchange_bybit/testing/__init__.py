"""A local fake Bybit (v5 public linear WebSocket + market REST) for offline tests, yours and the plugin's.

::

    from cryptoscalp_exchange_bybit.testing import FakeBybit, fixture_path, linear_info, load_script

    async with FakeBybit(load_script(fixture_path()),
                         instruments={"BTCUSDT": linear_info("BTCUSDT", "0.1", "0.001")}) as fake:
        config = BybitFeedConfig(ws_url=fake.ws_url, rest_url=fake.rest_url)
        ...
        fake.gap()            # the next book delta is lost on every open socket

Run one from a shell with ``python -m cryptoscalp_exchange_bybit.testing --help``.
"""

from cryptoscalp_exchange_bybit.testing.script import FIXTURE, fixture_path, linear_info, load_script
from cryptoscalp_exchange_bybit.testing.server import FakeBybit, FakeConnection

__all__ = ["FIXTURE", "FakeBybit", "FakeConnection", "fixture_path", "linear_info", "load_script"]
