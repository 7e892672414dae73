"""Argument checks and small rules shared by every bus implementation."""

from __future__ import annotations

import math


def check_payload(payload: object) -> bytes:
    # Redis would silently encode a str or an int; every bus refuses them alike.
    if type(payload) is not bytes:
        raise TypeError(f"bus payloads are bytes (encode with msgspec), got {type(payload).__name__}")
    return payload


def check_claim_after(claim_after_s: float) -> float:
    if not math.isfinite(claim_after_s) or claim_after_s <= 0:
        raise ValueError(f"claim_after_s must be a finite number of seconds > 0, got {claim_after_s!r}")
    return float(claim_after_s)


def check_name(what: str, name: str) -> str:
    if not name:
        raise ValueError(f"{what} must be a non-empty string")
    return name


def id_order(message_id: str) -> tuple[int, ...]:
    """A sort key for message ids of one topic: ``"17"`` (memory) or ``"1700000000000-3"`` (Redis).

    Ids are not in plain string order (``"10" < "9"``); compare them with this key.
    """
    return tuple(int(part) for part in message_id.split("-"))


class BusClosedError(RuntimeError):
    """Publishing on a bus after :meth:`close`."""
