import pytest
import requests

from lakehouse.lib.paginated_api import ApiUnavailable, iter_pages
from lakehouse.sources.fx_api import RATES_PATH, fx_rates, serve_fx_api

FAST = {"backoff_factor": 0.001}


def rate_keys(records: list[dict]) -> list[tuple[str, str]]:
    return [(record["rate_date"], record["quote_currency"]) for record in records]


def test_pagination_returns_every_rate_exactly_once():
    with serve_fx_api() as server:
        pages = list(iter_pages(server.base_url, RATES_PATH, page_size=100, **FAST))
        assert server.status_counts == {200: len(pages)}
    records = [record for page in pages for record in page.records]
    assert records == fx_rates()
    assert len(set(rate_keys(records))) == len(records)
    assert pages[0].cursor is None and pages[-1].next_cursor is None
    assert [page.cursor for page in pages[1:]] == [page.next_cursor for page in pages[:-1]]
    assert {record["base_currency"] for record in records} == {"EUR"}
    assert {"USD", "GBP", "CHF", "SEK", "PLN", "JPY"} <= {record["quote_currency"] for record in records}


def test_rates_are_deterministic_per_seed():
    assert fx_rates(seed=7) == fx_rates(seed=7)
    assert fx_rates(seed=7) != fx_rates(seed=8)
    assert rate_keys(fx_rates(seed=7)) == rate_keys(fx_rates(seed=8))


def test_client_retries_through_429_and_500():
    with serve_fx_api(fault_rate=0.3) as server:
        pages = list(iter_pages(server.base_url, RATES_PATH, page_size=50, **FAST))
        counts = dict(server.status_counts)
    assert [record for page in pages for record in page.records] == fx_rates()
    assert counts[429] > 0 and counts[500] > 0
    assert counts[200] == len(pages)


def test_faults_are_reproducible():
    def run() -> dict:
        with serve_fx_api(fault_rate=0.3) as server:
            list(iter_pages(server.base_url, RATES_PATH, page_size=50, **FAST))
            return dict(server.status_counts)

    assert run() == run()


def test_429_carries_retry_after_header():
    with serve_fx_api(fault_rate=1.0) as server:
        responses = [requests.get(f"{server.base_url}{RATES_PATH}", timeout=5) for _ in range(2)]
    assert {response.status_code for response in responses} <= {429, 500}
    assert all(r.headers["Retry-After"] == "0" for r in responses if r.status_code == 429)


def test_outage_raises_resumable_error_and_resume_yields_the_rest():
    received = []
    with serve_fx_api(fail_after_pages=3) as broken:
        with pytest.raises(ApiUnavailable) as failure:
            for page in iter_pages(broken.base_url, RATES_PATH, page_size=40, max_retries=2, **FAST):
                received.extend(page.records)
        assert broken.status_counts == {200: 3, 503: 3}
    error = failure.value
    assert error.status == 503 and error.cursor is not None
    assert error.cursor in str(error) and RATES_PATH in str(error) and "503" in str(error)
    assert len(received) == 3 * 40

    with serve_fx_api() as healthy:
        pages = iter_pages(healthy.base_url, RATES_PATH, cursor=error.cursor, page_size=40)
        resumed = [record for page in pages for record in page.records]
    assert received + resumed == fx_rates()


def test_unreachable_api_raises_api_unavailable():
    with serve_fx_api() as server:
        base_url = server.base_url
    with pytest.raises(ApiUnavailable) as failure:
        next(iter_pages(base_url, RATES_PATH, max_retries=1, **FAST))
    assert failure.value.status is None and failure.value.cursor is None


def test_bad_requests_are_rejected():
    with serve_fx_api() as server:
        assert requests.get(f"{server.base_url}{RATES_PATH}?cursor=garbage", timeout=5).status_code == 400
        assert requests.get(f"{server.base_url}{RATES_PATH}?page_size=0", timeout=5).status_code == 400
        assert requests.get(f"{server.base_url}/v1/other", timeout=5).status_code == 404
