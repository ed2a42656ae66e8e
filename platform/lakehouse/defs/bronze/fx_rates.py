"""Bronze FX rates from the external REST API: page by page, resumable, exactly-once; the ingestion is a
Spark step the `compute` resource runs."""

from collections.abc import Iterator

import dagster as dg
from pyspark.sql import SparkSession

from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Materialized, StepRun, spark_step
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.ingest.api_ingestion import ingest_api_pages
from lakehouse.lib.layers import BRONZE, bronze_key, table_name
from lakehouse.lib.paginated_api import ApiUnavailable
from lakehouse.lib.storage import LakehouseStorage

FX_RATES_SCHEMA = "rate_date date, base_currency string, quote_currency string, rate double"
FX_RATES = bronze_key("fx_rates")


def _ingest(spark: SparkSession, run: StepRun) -> Iterator[Materialized]:
    storage, fx_api = run.resources["storage"], run.resources["fx_api"]
    table_uri = storage.table_uri(FX_RATES)
    try:
        report = ingest_api_pages(
            spark,
            feed="fx_rates",
            expected_schema=FX_RATES_SCHEMA,
            table_uri=table_uri,
            batch_id=run.run_id,
            fetch_pages=fx_api.page_reader(),
        )
    except ApiUnavailable as exc:
        raise dg.Failure(
            description=f"The FX rates API is unavailable ({exc}). Pages fetched before the outage are "
            f"committed; the next run resumes from cursor {exc.cursor!r}.",
            metadata={"resume_cursor": str(exc.cursor), "status": str(exc.status)},
            allow_retries=True,
        ) from exc
    table_metadata = delta_table_metadata(table_uri, table_name=table_name(FX_RATES)) if report.rows else {}
    yield Materialized(FX_RATES, {**report.metadata(), **table_metadata})


INGEST_FX_RATES = spark_step("bronze/fx_rates", _ingest, __name__)


@dg.asset(
    key=FX_RATES,
    group_name=BRONZE,
    description="Daily FX rates (base EUR) from the external rates API, one row per rate as received.",
    kinds={"spark", "delta", "api"},
    owners=["team:data-platform"],
    tags={"source_system": "fx_api", "layer": BRONZE},
    pool=INGEST_FX_RATES.name,
)
def fx_rates(context: dg.AssetExecutionContext, compute: SparkCompute, storage: LakehouseStorage, fx_api: FxRatesApi):
    yield from compute.run(context, INGEST_FX_RATES, storage=storage, fx_api=fx_api)
