"""Client for cursor-paginated JSON APIs: reads page by page, retries transient failures, fails resumably.

Retries (with exponential backoff, honouring Retry-After) are urllib3's; when they are used up the error carries
the cursor of the page that could not be fetched, so the caller can store it and resume later.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Page:
    records: list[dict]
    cursor: str | None  # the cursor this page was fetched with (None for the first page)
    next_cursor: str | None  # None on the last page


class ApiUnavailable(RuntimeError):
    """The API kept failing after all retries; resume later from `cursor`."""

    def __init__(self, url: str, status: int | None, cursor: str | None):
        self.url, self.status, self.cursor = url, status, cursor
        answer = f"HTTP {status}" if status is not None else "no response"
        super().__init__(f"{url} still failing after retries ({answer}); resume from cursor {cursor!r}")


def _retrying_session(max_retries: int, backoff_factor: float) -> requests.Session:
    retry = Retry(
        total=max_retries,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods={"GET"},
        respect_retry_after_header=True,
        # Hand back the last failed response instead of raising, so its status can be reported.
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def iter_pages(
    base_url: str,
    path: str,
    cursor: str | None = None,
    page_size: int = 500,
    max_retries: int = 5,
    backoff_factor: float = 0.5,
    timeout_s: float = 30.0,
    records_key: str = "data",
    next_cursor_key: str = "next_cursor",
) -> Iterator[Page]:
    """Yield pages from `cursor` (or the start) until the API returns no next cursor.

    Sends `?cursor=...&page_size=...`; expects a JSON object with the records under `records_key` and the next
    cursor under `next_cursor_key`. Raises ApiUnavailable once retries are exhausted.
    """
    url = urljoin(base_url.rstrip("/") + "/", path.lstrip("/"))
    with _retrying_session(max_retries, backoff_factor) as session:
        while True:
            params = {"page_size": page_size, **({"cursor": cursor} if cursor else {})}
            try:
                response = session.get(url, params=params, timeout=timeout_s)
            except (requests.ConnectionError, requests.Timeout) as error:
                raise ApiUnavailable(url, None, cursor) from error
            if response.status_code in RETRY_STATUSES:
                raise ApiUnavailable(url, response.status_code, cursor)
            response.raise_for_status()
            body = response.json()
            page = Page(body[records_key], cursor, body.get(next_cursor_key))
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor
