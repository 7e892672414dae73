"""Run the fake venue: ``python -m cryptoscalp_exchange_binance.testing [--tape FILE] [--rate N]``."""

from __future__ import annotations

import argparse
import asyncio

from cryptoscalp_exchange_binance.testing.server import FakeBinanceServer
from cryptoscalp_exchange_binance.testing.synthetic import synthetic_tape
from cryptoscalp_exchange_binance.testing.tape import Tape


async def _serve(args: argparse.Namespace) -> None:
    tape = Tape.from_file(args.tape, limit=args.limit) if args.tape else synthetic_tape(steps=args.limit or 2000)
    async with FakeBinanceServer(tape, ping_interval_s=args.ping_interval) as venue:
        print(f"ws_url: {venue.ws_url}\nrest_url: {venue.rest_url}\nsymbols: {', '.join(tape.symbols)}", flush=True)
        await venue.wait_subscribed(1, timeout=3600)
        while True:
            step = max(1, int(args.rate / 20))
            await venue.play(venue.position + step)
            if venue.position >= len(tape.messages):
                print("tape finished; still serving snapshots and pings (Ctrl-C to stop)", flush=True)
                await asyncio.Event().wait()
            await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Binance USD-M venue on 127.0.0.1 (ephemeral port).")
    parser.add_argument("--tape", help="recording (<local_ts> <json> lines, .gz or text); default: synthetic")
    parser.add_argument("--limit", type=int, default=None, help="messages to read from the tape")
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second")
    parser.add_argument("--ping-interval", type=float, default=180.0, help="server ping interval, seconds")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
