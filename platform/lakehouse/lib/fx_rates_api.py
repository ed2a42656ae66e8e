"""The FX rates REST API as a resource: where it is and how patiently to read it."""

from collections.abc import Callable, Iterator
from functools import partial

import dagster as dg

from lakehouse.lib.paginated_api import Page, iter_pages

URL_ENV = "LAKEHOUSE_FX_API_URL"


class FxRatesApi(dg.ConfigurableResource):
    """The FX rates REST API (`base_url`, from LAKEHOUSE_FX_API_URL). The local `lakehouse` commands serve
    the sample API and point this at it when the variable is not set."""

    base_url: str | None = None
    path: str = "/v1/fx-rates"
    page_size: int = 200
    max_retries: int = 5
    backoff_factor: float = 0.2

    def page_reader(self) -> Callable[[str | None], Iterator[Page]]:
        if not self.base_url:
            raise dg.Failure(
                description=f"No FX rates API configured: set {URL_ENV}. Locally, `lakehouse materialize`, "
                "`lakehouse demo` and `make ui` serve the sample API themselves.",
                allow_retries=False,
            )
        return partial(
            iter_pages,
            self.base_url,
            self.path,
            page_size=self.page_size,
            max_retries=self.max_retries,
            backoff_factor=self.backoff_factor,
        )
