"""REST API ingestion against the real sample API on 127.0.0.1: retries, outage, resume, exactly-once."""

import dagster as dg
import pytest
from pyspark.sql.types import StructType

from lakehouse.defs.bronze.fx_rates import FX_RATES_SCHEMA, fx_rates
from lakehouse.lib.compute.in_process import in_process_spark
from lakehouse.lib.fx_rates_api import FxRatesApi
from lakehouse.lib.ingest.api_ingestion import ingest_api_pages, table_schema
from lakehouse.lib.paginated_api import ApiUnavailable
from lakehouse.sources.fx_api import serve_fx_api

DAYS = 20  # 20 days x the quote currencies: several pages at page_size 25


def ingest(spark, uri, base_url, run="run-1"):
    api = FxRatesApi(base_url=base_url, page_size=25, backoff_factor=0.0)
    return ingest_api_pages(
        spark,
        feed="fx_rates",
        expected_schema=FX_RATES_SCHEMA,
        table_uri=uri,
        batch_id=run,
        fetch_pages=api.page_reader(),
    )


def stored_keys(spark, uri):
    return [(str(r.rate_date), r.quote_currency) for r in spark.read.format("delta").load(uri).collect()]


def test_flaky_api_is_read_completely_once(spark, storage):
    uri = storage.table_uri_for("bronze", "fx_rates")
    with serve_fx_api(fault_rate=0.4, days=DAYS) as server:
        report = ingest(spark, uri, server.base_url)
        assert server.status_counts[429] + server.status_counts[500] > 0
        expected = len(server.rates)
    keys = stored_keys(spark, uri)
    assert report.rows == expected == len(keys) == len(set(keys))
    assert report.pages == -(-expected // 25)
    # What a consumer reads as empty before the first page is what the pages are written as.
    written = spark.read.format("delta").load(uri).schema
    assert written.simpleString() == StructType.fromDDL(table_schema(FX_RATES_SCHEMA)).simpleString()


def test_outage_mid_pagination_resumes_from_the_stored_cursor(spark, storage):
    uri = storage.table_uri_for("bronze", "fx_rates")
    with serve_fx_api(fail_after_pages=2, days=DAYS) as server, pytest.raises(ApiUnavailable) as outage:
        ingest(spark, uri, server.base_url)
    assert outage.value.cursor is not None
    assert spark.read.format("delta").load(uri).count() == 50  # the two pages before the outage

    with serve_fx_api(days=DAYS) as server:
        report = ingest(spark, uri, server.base_url, run="run-2")
        expected = {(r["rate_date"], r["quote_currency"]) for r in server.rates}
    assert report.resumed_from == outage.value.cursor
    keys = stored_keys(spark, uri)
    assert len(keys) == len(set(keys)) and set(keys) == expected


def test_a_caught_up_feed_ingests_nothing_and_new_records_on_the_last_page_are_picked_up(spark, storage):
    uri = storage.table_uri_for("bronze", "fx_rates")
    with serve_fx_api(days=DAYS) as server:
        first = ingest(spark, uri, server.base_url)
        assert ingest(spark, uri, server.base_url, run="run-2").rows == 0
    with serve_fx_api(days=DAYS + 1) as server:  # the API publishes one more day
        newer = ingest(spark, uri, server.base_url, run="run-3")
        total = len(server.rates)
    assert newer.rows == total - first.rows > 0
    keys = stored_keys(spark, uri)
    assert len(keys) == len(set(keys)) == total


def test_the_asset_reports_an_outage_as_a_clear_failure(spark_resource, storage):
    with serve_fx_api(fail_after_pages=0, days=DAYS) as server:
        result = dg.materialize(
            [fx_rates],
            resources={
                **in_process_spark(spark_resource),
                "storage": storage,
                "fx_api": FxRatesApi(base_url=server.base_url, max_retries=1, backoff_factor=0.0),
            },
            raise_on_error=False,
        )
    assert not result.success
    failure = result.failure_data_for_node("bronze__fx_rates").error
    assert "FX rates API is unavailable" in failure.message and "resumes from cursor" in failure.message
