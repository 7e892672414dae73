"""``python -m cryptoscalp_exchange_bybit.testing``: run the fake Bybit on 127.0.0.1 until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from cryptoscalp_exchange_bybit.testing.script import fixture_path, linear_info, load_script
from cryptoscalp_exchange_bybit.testing.server import FakeBybit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cryptoscalp_exchange_bybit.testing",
                                     description="A local fake of Bybit's v5 public linear endpoints.")
    parser.add_argument("--script", default=str(fixture_path()),
                        help="JSONL (or .jsonl.gz) of v5 push messages; default: the shipped BTCUSDT fixture")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between replayed messages")
    parser.add_argument("--instrument", action="append", default=[], metavar="SYMBOL:TICK:QTY_STEP",
                        help="instruments-info entry to serve, e.g. BTCUSDT:0.1:0.001 (repeatable)")
    args = parser.parse_args(argv)
    instruments = {}
    for spec in args.instrument or ["BTCUSDT:0.1:0.001"]:
        symbol, tick, step = spec.split(":")
        instruments[symbol] = linear_info(symbol, tick, step)

    async def serve() -> None:
        async with FakeBybit(load_script(args.script), instruments=instruments, interval_s=args.interval) as fake:
            print(f"ws_url: {fake.ws_url}\nrest_url: {fake.rest_url}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
