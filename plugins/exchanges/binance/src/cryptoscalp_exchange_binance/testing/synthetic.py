"""A small made-up tape that follows the Binance USD-M protocol, for offline tests without recordings.

Each symbol's book is a random walk of absolute-quantity diffs chained by ``U``/``u``/``pu``; the REST
snapshot is taken at the ``u`` of the second diff, so the first diff is older than the snapshot and the
second straddles it, as the documented sync procedure expects. Trades, best bid/ask (from the book's
top) and mark prices are interleaved. Same seed → same tape.
"""

from __future__ import annotations

import random
from decimal import Decimal

import orjson

from cryptoscalp_exchange_binance.testing.tape import Tape, TapeMessage

_T0_MS = 1_723_161_600_000


def _fmt(ticks: int, tick: Decimal) -> str:
    return format(ticks * tick, "f")


def synthetic_tape(symbols: dict[str, tuple[str, str]] | None = None, steps: int = 400, seed: int = 7) -> Tape:
    """``symbols`` maps a symbol to ``(tick_size, mid_price)``; default BTCUSDT and ETHUSDT."""
    symbols = symbols or {"BTCUSDT": ("0.1", "60000"), "ETHUSDT": ("0.01", "2600")}
    rng = random.Random(seed)
    tapes = [_one(symbol, Decimal(tick), Decimal(mid), steps, rng) for symbol, (tick, mid) in symbols.items()]
    return Tape.merge(*tapes)


def _one(symbol: str, tick: Decimal, mid: Decimal, steps: int, rng: random.Random) -> Tape:
    centre = int(mid / tick)
    bids = {centre - 1 - i: rng.randint(1, 5000) for i in range(30)}
    asks = {centre + i: rng.randint(1, 5000) for i in range(30)}
    tape = Tape()
    seq, trade_id, now = 1_000_000 + rng.randint(0, 1000), 5_000, _T0_MS
    last_u = seq - rng.randint(1, 50)  # u of the previous diff, before the tape starts

    def message(kind: str, data: dict[str, object]) -> None:
        tape.messages.append(TapeMessage(symbol, kind, data, orjson.dumps(data)))

    for step in range(steps):
        now += rng.randint(1, 40)
        roll = rng.random()
        if roll < 0.45 or step < 3:
            b: list[list[str]] = []
            a: list[list[str]] = []
            for _ in range(rng.randint(1, 4)):
                side = bids if rng.random() < 0.5 else asks
                if side is bids:
                    price = min(max(bids) - rng.randint(-1, 8), min(asks) - 1)
                else:
                    price = max(min(asks) + rng.randint(-1, 8), max(bids) + 1)
                deletable = price in side and len(side) > 5
                qty = 0 if (deletable and rng.random() < 0.4) else rng.randint(1, 5000)
                if qty:
                    side[price] = qty
                else:
                    side.pop(price)
                (b if side is bids else a).append([_fmt(price, tick), format(Decimal(qty) / 1000, "f")])
            first, prev = seq + 1, last_u
            seq += rng.randint(1, 20)
            last_u = seq
            message("depth", {"e": "depthUpdate", "E": now + 1, "T": now, "s": symbol, "U": first, "u": last_u,
                              "pu": prev, "b": b, "a": a})
            if step == 1:
                tape.snapshots[symbol] = {
                    "lastUpdateId": last_u, "E": now + 1, "T": now,
                    "bids": [[_fmt(p, tick), format(Decimal(q) / 1000, "f")]
                             for p, q in sorted(bids.items(), reverse=True)],
                    "asks": [[_fmt(p, tick), format(Decimal(q) / 1000, "f")] for p, q in sorted(asks.items())]}
        elif roll < 0.65:
            trade_id += rng.randint(1, 3)
            maker = rng.random() < 0.5
            price = max(bids) if maker else min(asks)
            message("trade", {"e": "trade", "E": now + 1, "T": now, "s": symbol, "t": trade_id, "p": _fmt(price, tick),
                              "q": format(Decimal(rng.randint(1, 500)) / 1000, "f"), "X": "MARKET", "m": maker})
        elif roll < 0.93:
            bb, ba = max(bids), min(asks)
            seq += 1  # update ids advance between depth events; the diff chain only follows pu
            message("bookTicker", {"e": "bookTicker", "u": seq, "s": symbol, "b": _fmt(bb, tick),
                                   "B": format(Decimal(bids[bb]) / 1000, "f"), "a": _fmt(ba, tick),
                                   "A": format(Decimal(asks[ba]) / 1000, "f"), "T": now, "E": now + 1})
        else:
            mark = (max(bids) + min(asks)) / 2 * float(tick)
            message("markPrice", {"e": "markPriceUpdate", "E": now + 1, "s": symbol, "p": f"{mark:.8f}",
                                  "P": f"{mark:.8f}", "i": f"{mark * 0.9999:.8f}", "r": "0.00010000",
                                  "T": (now // 28_800_000 + 1) * 28_800_000})
    return tape
