"""The FX rates REST API as a resource: where it is and how patiently to read it."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import dagster as dg

from lakehouse.lib.paginated_api import Page, iter_pages


class FxRatesApi(dg.ConfigurableResource):
    """The FX rates REST API. Without a `base_url` the sample API is served on 127.0.0.1 for the
    length of the run, so the local target needs no server started by hand."""

    base_url: str | None = None
    path: str = "/v1/fx-rates"
    page_size: int = 200
    max_retries: int = 5
    backoff_factor: float = 0.2
    sample_fault_rate: float = 0.1

    @contextmanager
    def endpoint(self) -> Iterator[str]:
        if self.base_url:
            yield self.base_url
            return
        from lakehouse.sources.fx_api import serve_fx_api

        with serve_fx_api(fault_rate=self.sample_fault_rate) as server:
            yield server.base_url

    def page_reader(self, base_url: str) -> Callable[[str | None], Iterator[Page]]:
        return partial(
            iter_pages, base_url, self.path,
            page_size=self.page_size, max_retries=self.max_retries, backoff_factor=self.backoff_factor,
        )
