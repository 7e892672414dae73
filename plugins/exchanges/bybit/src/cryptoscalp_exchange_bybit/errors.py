"""Errors the feed raises: only for configuration problems, never for what a reconnect can repair."""

from __future__ import annotations


class BybitConfigError(ValueError):
    """The profile asks for something Bybit does not offer (unknown symbol, wrong tick size…)."""


class BybitSubscriptionError(BybitConfigError):
    """Bybit refused a subscription (``Invalid topic``): retrying would only be refused again."""


class BybitRestError(RuntimeError):
    """A REST call failed: transport error, HTTP status, or a non-zero ``retCode`` (kept in ``ret_code``)."""

    def __init__(self, message: str, ret_code: int | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.ret_code = ret_code
        self.http_status = http_status
