"""``cryptoscalp data download`` against a local archive server on 127.0.0.1 (never any other address).

The server serves zips built here in Binance's layout and CSV formats (with and without header rows),
answers one file with a wrong checksum and another with HTTP 500 before it succeeds.
"""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from cryptoscalp_feed_replay import read_ohlcv, read_parquet
from cryptoscalp_feed_replay.download.archive import Fetcher, NotFoundError, archive_path
from typer.testing import CliRunner

from cryptoscalp_core.cli import build_app
from cryptoscalp_core.domain.events import Side

DAY = date(2024, 8, 1)
T0 = 1722470400000  # 2024-08-01 00:00:00 UTC, ms
CSV = {
    "trades": ("id,price,qty,quote_qty,time,is_buyer_maker\n",
               f"1,64000.1,0.010,640.001,{T0 + 5},true\n2,64000.2,0.500,32000.1,{T0 + 9},false\n"
               f"3,nan,0.1,0,{T0 + 12},false\n"),
    "aggTrades": ("", f"10,64000.1,0.010,1,1,{T0 + 5},true\n11,64000.2,0.500,2,2,{T0 + 9},false\n"),
    "bookTicker": ("update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n",
                   f"7,64000.0,1.5,64000.1,2.0,{T0 + 3},{T0 + 4}\n8,64000.1,0.5,64000.2,1.0,{T0 + 8},{T0 + 9}\n"),
    "klines": ("", f"{T0},64000,64010,63990,64005,12.5,{T0 + 59999},800000,100,6,400000,0\n"
                   f"{T0 + 60000},64005,64006,63950,63960,7.25,{T0 + 119999},460000,80,3,190000,0\n"),
}


class Archive:
    """Files by URL path, request counts, and the fault plan."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: Counter[str] = Counter()
        self.fail_first: set[str] = set()

    def add(self, rel: str, csv_text: str, *, corrupt: bool = False) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(Path(rel).name.replace(".zip", ".csv"), csv_text)
        payload = buffer.getvalue()
        digest = hashlib.sha256(payload).hexdigest()
        self.files["/" + rel] = payload + (b"tampered" if corrupt else b"")
        self.files["/" + rel + ".CHECKSUM"] = f"{digest}  {Path(rel).name}\n".encode()


@pytest.fixture
def archive() -> Iterator[tuple[Archive, str]]:
    state = Archive()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] += 1
            if self.path in state.fail_first and state.hits[self.path] == 1:
                self.send_error(500)
                return
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run_cli(base: str, out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["data", "download", "--symbol", "BTCUSDT", "--start", DAY.isoformat(),
                                              "--out", str(out), "--base-url", base, "--backoff", "0.01",
                                              "--retries", "2", *args])
    return result.exit_code, result.output


def test_download_verifies_retries_converts_and_skips(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, base = archive
    for kind, (header, body) in CSV.items():
        state.add(archive_path(kind, "BTCUSDT", DAY), header + body)
    flaky = "/" + archive_path("aggTrades", "BTCUSDT", DAY)
    state.fail_first.add(flaky)
    code, output = run_cli(base, tmp_path)
    assert code == 0, output
    assert state.hits[flaky] == 2, "the 500 was retried"
    root = tmp_path / "binance-usdm" / "BTCUSDT"
    trades = read_parquet(root / "trade" / "2024-08-01.parquet")
    assert trades["trade_id"].tolist() == [1, 2], "the NaN-price row is dropped"
    assert trades["side"].tolist() == [int(Side.SELL), int(Side.BUY)]
    assert trades["ts_event"].tolist() == [(T0 + 5) * 10**6, (T0 + 9) * 10**6]
    assert np.array_equal(trades["ts_recv"], trades["ts_event"])
    agg = read_parquet(root / "agg_trade" / "2024-08-01.parquet")
    assert agg["trade_id"].tolist() == [10, 11] and agg["qty"].tolist() == [0.01, 0.5]
    quotes = read_parquet(root / "quote" / "2024-08-01.parquet")
    assert quotes["seq"].tolist() == [7, 8] and quotes["ask_price"].tolist() == [64000.1, 64000.2]
    bars = read_ohlcv(root / "ohlcv_1m" / "2024-08-01.parquet")
    assert bars["close"].tolist() == [64005.0, 63960.0] and bars["ts_open"][1] == (T0 + 60000) * 10**6
    before = sum(state.hits.values())
    code, output = run_cli(base, tmp_path)
    assert code == 0 and "up-to-date" in output and sum(state.hits.values()) == before, "verified files re-fetched"


def test_checksum_mismatch_and_missing_files_fail_the_command(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, base = archive
    state.add(archive_path("trades", "BTCUSDT", DAY), "".join(CSV["trades"]), corrupt=True)
    state.add(archive_path("klines", "BTCUSDT", DAY), CSV["klines"][1])
    code, output = run_cli(base, tmp_path, "--type", "trades,klines,bookTicker")
    assert code == 1
    assert "checksum-mismatch" in output and "missing" in output
    assert not list((tmp_path / "_archive").rglob("BTCUSDT-trades-*.zip")), "the bad download was kept"
    assert (tmp_path / "binance-usdm" / "BTCUSDT" / "ohlcv_1m" / "2024-08-01.parquet").is_file()


def test_fetcher_gives_up_after_retries_and_404_is_not_retried(archive: tuple[Archive, str], tmp_path: Path) -> None:
    state, base = archive
    state.files["/fails-once"] = b""
    state.fail_first.add("/fails-once")
    sleeps: list[float] = []
    fetcher = Fetcher(retries=0, backoff=0.5, sleep=sleeps.append)
    with pytest.raises(Exception, match="gave up"):
        fetcher.to_file(base + "/fails-once", tmp_path / "x")
    with pytest.raises(NotFoundError):
        Fetcher(retries=3, sleep=sleeps.append).to_file(base + "/nope", tmp_path / "y")
    assert state.hits["/nope"] == 1 and sleeps == []
    state.files["/flaky"] = b"payload"
    state.fail_first.add("/flaky")
    digest = Fetcher(retries=1, backoff=0.5, sleep=sleeps.append).to_file(base + "/flaky", tmp_path / "z")
    assert digest == hashlib.sha256(b"payload").hexdigest() and (tmp_path / "z").read_bytes() == b"payload"
    assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5, "one jittered backoff before the retry"
