"""Binance's public historical archive: file layout, checksums, and verified downloads (stdlib only).

Daily USD-M futures files live at
``<base>/data/futures/um/daily/<type>/<SYMBOL>/<SYMBOL>-<type>-<YYYY-MM-DD>.zip`` — for klines the
interval is a folder and the name's type: ``klines/<SYMBOL>/1m/<SYMBOL>-1m-<date>.zip`` — each with a
``.zip.CHECKSUM`` sidecar holding ``<sha256 hex>  <file name>``. A download is kept only if its
SHA-256 matches the sidecar; a local zip whose saved sidecar matches is not fetched again.
"""

from __future__ import annotations

import hashlib
import http.client
import random
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

DEFAULT_BASE_URL: Final = "https://data.binance.vision"
TYPES: Final = ("trades", "aggTrades", "bookTicker", "klines")
KLINE_INTERVAL: Final = "1m"
_CHUNK: Final = 1 << 20


class NotFoundError(Exception):
    """The archive has no such file (HTTP 404): not published for that day, or a wrong symbol."""


class DownloadError(Exception):
    """The file could not be fetched after every retry."""


def archive_path(kind: str, symbol: str, day: date) -> str:
    """The file's path below the base URL (also its path below the local archive mirror)."""
    if kind == "klines":
        return (f"data/futures/um/daily/klines/{symbol}/{KLINE_INTERVAL}/"
                f"{symbol}-{KLINE_INTERVAL}-{day.isoformat()}.zip")
    return f"data/futures/um/daily/{kind}/{symbol}/{symbol}-{kind}-{day.isoformat()}.zip"


def parse_checksum(text: str) -> str:
    """The SHA-256 hex of a ``.CHECKSUM`` sidecar (``<hex>  <name>``); ``ValueError`` if there is none."""
    digest = text.strip().split()[0].lower() if text.strip() else ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"not a sha256 checksum line: {text[:100]!r}")
    return digest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Fetcher:
    """HTTP GET with retries: 5xx, 429, timeouts and connection errors are retried with exponential
    backoff and full jitter (``backoff * 2**attempt * U(0.5, 1)`` seconds); 404 raises
    :class:`NotFoundError` at once; other 4xx raise :class:`DownloadError` at once."""

    timeout: float = 30.0
    retries: int = 5
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep

    def to_file(self, url: str, dest: Path) -> str:
        """Stream ``url`` into ``dest`` and return its SHA-256 hex (hashed while writing)."""
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(url, timeout=self.timeout) as response, dest.open("wb") as out:
                    digest = hashlib.sha256()
                    while block := response.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                    return digest.hexdigest()
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise NotFoundError(url) from None
                if exc.code < 500 and exc.code != 429:
                    raise DownloadError(f"{url}: HTTP {exc.code}") from None
                problem = f"HTTP {exc.code}"
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if attempt < self.retries:
                self.sleep(self.backoff * 2**attempt * random.uniform(0.5, 1.0))
        raise DownloadError(f"{url}: gave up after {self.retries + 1} attempts ({problem})")

    def text(self, url: str, dest: Path) -> str:
        self.to_file(url, dest)
        return dest.read_text(encoding="utf-8", errors="replace")


def fetch_verified(fetcher: Fetcher, base_url: str, rel: str, mirror: Path) -> tuple[Path, bool]:
    """Make ``mirror/rel`` a verified copy of ``base_url/rel``. Returns the path and whether it was
    downloaded now (``False``: the local copy was already verified). Raises :class:`NotFoundError`,
    :class:`DownloadError`, or ``ValueError`` on a checksum mismatch (the bad download is deleted)."""
    target = mirror / rel
    sidecar = target.with_name(target.name + ".CHECKSUM")
    if target.is_file() and sidecar.is_file():
        try:
            if sha256_file(target) == parse_checksum(sidecar.read_text()):
                return target, False
        except ValueError:
            pass  # an unreadable sidecar: fetch both again
    target.parent.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{rel}"
    part = target.with_name(f".{target.name}.part")
    side_part = sidecar.with_name(f".{sidecar.name}.part")
    try:
        expected = parse_checksum(fetcher.text(url + ".CHECKSUM", side_part))
        actual = fetcher.to_file(url, part)
        if actual != expected:
            target.unlink(missing_ok=True)  # an older copy that failed verification is no better
            raise ValueError(f"checksum mismatch for {rel}: archive says {expected}, downloaded {actual}")
        shutil.move(part, target)
        shutil.move(side_part, sidecar)
    finally:
        part.unlink(missing_ok=True)
        side_part.unlink(missing_ok=True)
    return target, True
