"""Bounded awaiting of start()/stop(): a conformance run must fail on a component that hangs, not hang."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


async def within(awaitable: Awaitable[None], seconds: float, what: str) -> None:
    """Await ``awaitable``; raise AssertionError naming ``what`` if it takes longer than ``seconds``."""
    try:
        await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise AssertionError(f"{what} did not return within {seconds}s") from None
