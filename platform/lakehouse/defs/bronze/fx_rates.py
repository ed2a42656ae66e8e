"""Bronze FX rates from the external REST API: page by page, resumable, exactly-once."""

import dagster as dg
from dagster_pyspark import LazyPySparkResource

from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.ingest.api_ingestion import ingest_api_pages
from lakehouse.lib.layers import BRONZE, bronze_key, table_name
from lakehouse.lib.paginated_api import ApiUnavailable
from lakehouse.lib.storage import LakehouseStorage

FX_RATES_SCHEMA = "rate_date date, base_currency string, quote_currency string, rate double"


@dg.asset(
    key=bronze_key("fx_rates"),
    group_name=BRONZE,
    description="Daily FX rates (base EUR) from the external rates API, one row per rate as received.",
    kinds={"spark", "delta", "api"},
    owners=["team:data-platform"],
    tags={"source_system": "fx_api", "layer": BRONZE},
)
def fx_rates(
    context: dg.AssetExecutionContext, spark: LazyPySparkResource, storage: LakehouseStorage, fx_api: FxRatesApi
):
    session = spark.spark_session
    table_uri = storage.table_uri(context.asset_key)
    try:
        report = ingest_api_pages(
            session,
            feed="fx_rates",
            expected_schema=FX_RATES_SCHEMA,
            table_uri=table_uri,
            batch_id=context.run.run_id,
            fetch_pages=fx_api.page_reader(),
        )
    except ApiUnavailable as exc:
        raise dg.Failure(
            description=f"The FX rates API is unavailable ({exc}). Pages fetched before the outage are "
            f"committed; the next run resumes from cursor {exc.cursor!r}.",
            metadata={"resume_cursor": str(exc.cursor), "status": str(exc.status)},
            allow_retries=True,
        ) from exc
    table_metadata = delta_table_metadata(table_uri, table_name=table_name(context.asset_key)) if report.rows else {}
    return dg.MaterializeResult(metadata={**report.metadata(), **table_metadata})
