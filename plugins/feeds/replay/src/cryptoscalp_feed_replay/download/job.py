"""One archive file end to end: fetch (or reuse) the verified zip, convert it, write its day file."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]

from cryptoscalp_feed_replay.download.archive import DownloadError, Fetcher, NotFoundError, archive_path, fetch_verified
from cryptoscalp_feed_replay.download.convert import KIND_DIR, convert, read_archive_csv
from cryptoscalp_feed_replay.layout import day_path
from cryptoscalp_feed_replay.parquet_io import write_parquet


@dataclass(frozen=True, slots=True)
class Job:
    kind: str
    symbol: str
    day: date


@dataclass(frozen=True, slots=True)
class Result:
    """``status``: ``converted``, ``up-to-date`` (verified zip and day file already there), ``missing``
    (404), ``checksum-mismatch``, ``failed`` (network or unreadable file)."""

    job: Job
    status: str
    rows: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("converted", "up-to-date")


def run_job(job: Job, fetcher: Fetcher, base_url: str, out: Path, mirror: Path, venue: str) -> Result:
    rel = archive_path(job.kind, job.symbol, job.day)
    try:
        zip_path, fresh = fetch_verified(fetcher, base_url, rel, mirror)
    except NotFoundError:
        return Result(job, "missing", detail=f"{rel} is not in the archive")
    except DownloadError as exc:
        return Result(job, "failed", detail=str(exc))
    except ValueError as exc:
        return Result(job, "checksum-mismatch", detail=f"{exc}; the download was deleted")
    except OSError as exc:
        return Result(job, "failed", detail=f"{type(exc).__name__}: {exc}")
    target = day_path(out, venue, job.symbol, KIND_DIR[job.kind], job.day)
    if not fresh and target.is_file():
        return Result(job, "up-to-date")
    try:
        rows, dropped = convert(read_archive_csv(zip_path, job.kind), job.kind)
    except (ValueError, zipfile.BadZipFile, pa.ArrowException) as exc:
        return Result(job, "failed", detail=f"{zip_path.name}: {exc}")
    write_parquet(out, venue, job.symbol, KIND_DIR[job.kind], rows)
    detail = ", ".join(f"{count} dropped ({reason})" for reason, count in sorted(dropped.items()))
    return Result(job, "converted", rows=len(rows), detail=detail)
