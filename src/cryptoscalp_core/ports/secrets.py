"""SecretStore port: API keys and passwords, kept out of logs and storage."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class MissingSecretError(KeyError):
    """The named secret is not available. The message names the secret, never a value."""


class Secret:
    """A secret value. ``repr``/``str`` never show it; :meth:`reveal` does, for the one call that signs."""

    __slots__ = ("_name", "_value")

    def __init__(self, name: str, value: str) -> None:
        self._name = name
        self._value = value

    @property
    def name(self) -> str:
        return self._name

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self._name!r}, '**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._name)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("secrets cannot be pickled")


@runtime_checkable
class SecretStore(Protocol):
    """Looks secrets up by name (``binance.api_key``).

    Contract: :meth:`get` returns a :class:`Secret` or raises :class:`MissingSecretError` naming the
    secret. Implementations never log, print or persist values; :meth:`names` lists what is available.
    """

    def get(self, name: str) -> Secret: ...

    def names(self) -> list[str]: ...
