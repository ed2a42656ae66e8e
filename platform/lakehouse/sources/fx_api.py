"""A simulated external REST API serving daily FX rates, with reproducible failures.

    GET /v1/fx-rates?cursor=<opaque>&page_size=<n>
    -> {"data": [{"rate_date", "base_currency", "quote_currency", "rate"}, ...], "next_cursor": "<opaque>" | null}

Faults are decided per (cursor, attempt) from the seed, so a test run sees the same failures every time.
`lakehouse serve-fx-api` runs it in the foreground.
"""

import base64
import binascii
import contextlib
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

from lakehouse.sources.randomness import random_stream
from lakehouse.sources.timeline import EPOCH
from lakehouse.sources.vocab import EUR_REFERENCE_RATES

RATES_PATH = "/v1/fx-rates"
BASE_CURRENCY = "EUR"
QUOTE_CURRENCIES = [currency for currency in EUR_REFERENCE_RATES if currency != BASE_CURRENCY]
# The rates start a month before the landing data and cover many batches after it.
FIRST_RATE_DATE = EPOCH.date() - timedelta(days=30)
DEFAULT_DAYS = 90
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
DAILY_VOLATILITY = 0.004


def fx_rates(seed: int = 7, days: int = DEFAULT_DAYS) -> list[dict]:
    """Daily rates per quote currency: a seeded random walk around the reference level, ordered by date."""
    rng = random_stream(seed, 0, "fx-rates")
    levels = np.array([EUR_REFERENCE_RATES[currency] for currency in QUOTE_CURRENCIES])
    walk = levels * np.exp(np.cumsum(rng.normal(0, DAILY_VOLATILITY, (days, len(levels))), axis=0))
    return [
        {
            "rate_date": (FIRST_RATE_DATE + timedelta(days=day)).isoformat(),
            "base_currency": BASE_CURRENCY,
            "quote_currency": currency,
            "rate": round(float(walk[day, column]), 6),
        }
        for day in range(days)
        for column, currency in enumerate(QUOTE_CURRENCIES)
    ]


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"fx-rates:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, offset = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if kind != "fx-rates" or int(offset) < 0:
            raise ValueError(cursor)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(f"invalid cursor {cursor!r}") from error


class FxApiServer(ThreadingHTTPServer):
    """The API plus its fault knobs, and counters for assertions: status_counts and pages_served.

    fault_rate: share of requests answered 429 (with Retry-After) or 500, decided per (cursor, attempt). Faults are
    transient: a page fails at most max_consecutive_faults times in a row, so a client retrying that often always
    gets through.
    fail_after_pages: after this many pages were served, every request gets 503 (an outage mid-pagination).
    """

    daemon_threads = True

    def __init__(
        self,
        seed: int = 7,
        fault_rate: float = 0.0,
        fail_after_pages: int | None = None,
        retry_after_s: int = 0,
        max_consecutive_faults: int = 3,
        days: int = DEFAULT_DAYS,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        super().__init__((host, port), _FxRatesHandler)
        self.seed, self.fault_rate, self.retry_after_s = seed, fault_rate, retry_after_s
        self.fail_after_pages, self.max_consecutive_faults = fail_after_pages, max_consecutive_faults
        self.rates = fx_rates(seed, days)
        self.status_counts: Counter = Counter()
        self.pages_served = 0
        self._attempts: Counter = Counter()
        self._consecutive_faults: Counter = Counter()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def _failure(self, cursor: str) -> HTTPStatus | None:
        if self.fail_after_pages is not None and self.pages_served >= self.fail_after_pages:
            return HTTPStatus.SERVICE_UNAVAILABLE
        attempt = self._attempts[cursor]
        self._attempts[cursor] += 1
        roll = random_stream(self.seed, attempt, f"fx-api-fault/{cursor}").random()
        if roll >= self.fault_rate or self._consecutive_faults[cursor] >= self.max_consecutive_faults:
            self._consecutive_faults[cursor] = 0
            return None
        self._consecutive_faults[cursor] += 1
        return HTTPStatus.TOO_MANY_REQUESTS if roll < self.fault_rate / 2 else HTTPStatus.INTERNAL_SERVER_ERROR

    def answer(self, cursor: str | None, page_size: int) -> tuple[HTTPStatus, dict]:
        """The status and JSON body for one page request, counting it."""
        with self._lock:
            status = self._failure(cursor or "")
            if status is None:
                offset = decode_cursor(cursor) if cursor else 0
                end = offset + page_size
                body = {
                    "data": self.rates[offset:end],
                    "next_cursor": encode_cursor(end) if end < len(self.rates) else None,
                }
                self.pages_served += 1
                status = HTTPStatus.OK
            else:
                body = {"error": status.phrase}
            self.status_counts[int(status)] += 1
        return status, body


class _FxRatesHandler(BaseHTTPRequestHandler):
    server: FxApiServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each response waits for a delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path != RATES_PATH:
            return self._send(HTTPStatus.NOT_FOUND, {"error": f"no such resource {url.path}"})
        try:
            page_size = int(query.get("page_size", [DEFAULT_PAGE_SIZE])[0])
            if not 1 <= page_size <= MAX_PAGE_SIZE:
                raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
            cursor = query.get("cursor", [None])[0]
            if cursor:
                decode_cursor(cursor)
        except ValueError as error:
            return self._send(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        self._send(*self.server.answer(cursor, page_size))

    def _send(self, status: HTTPStatus, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if status in (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.SERVICE_UNAVAILABLE):
            self.send_header("Retry-After", str(self.server.retry_after_s))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests and clients read the counters instead of an access log."""


@contextmanager
def serve_fx_api(
    seed: int = 7,
    fault_rate: float = 0.0,
    fail_after_pages: int | None = None,
    retry_after_s: int = 0,
    max_consecutive_faults: int = 3,
    days: int = DEFAULT_DAYS,
) -> Iterator[FxApiServer]:
    """Run the API on a free port of 127.0.0.1 in a background thread for the duration of the block."""
    server = FxApiServer(seed, fault_rate, fail_after_pages, retry_after_s, max_consecutive_faults, days)
    # A short poll interval lets shutdown() return promptly at the end of the block.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fx-api", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run_forever(host: str = "127.0.0.1", port: int = 8000, **options: object) -> None:
    """Serve in the foreground until interrupted; options are FxApiServer's fault knobs."""
    with FxApiServer(host=host, port=port, **options) as server:
        print(f"FX rates API on {server.base_url}{RATES_PATH}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
