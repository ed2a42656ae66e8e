"""The Silver tables: what each is built from, its contract, its expectations and its checks."""

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import dagster as dg
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType

from lakehouse.defs.bronze import kafka_topics as topics
from lakehouse.defs.bronze.schemas import bronze_table_schema
from lakehouse.defs.silver import contracts as c
from lakehouse.defs.silver.stream_sources import KAFKA_BRONZE_KEYS, kafka_bronze
from lakehouse.lib import step_order
from lakehouse.lib.automation import STREAMED_FRESHNESS, silver_automation
from lakehouse.lib.compute.events import StepEvent
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Checked, DaysApplied, Materialized, StepRun, spark_step
from lakehouse.lib.layers import SILVER, bronze_key, silver_key
from lakehouse.lib.partitions import DAY_PARTITIONED_TAG, DAYS_APPLIED, daily_event_partitions
from lakehouse.lib.quality.checks import (
    check_contract,
    contract_check_specs,
    freshness_check,
    referential_integrity_check,
)
from lakehouse.lib.quality.contracts import column_schema, contract_owner, spark_schema
from lakehouse.lib.quality.expectations import Expectation
from lakehouse.lib.silver import SilverTable, materialize_silver, silver_steps
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.transforms import silver as t
from lakehouse.transforms.sessions import session_changes

DIRECT = "(direct)"  # the referrer of a visit that came without one, as web analytics tools name it
# The small tables fed by files and the API only: no stream waits on them, so one step builds them
# side by side instead of each waiting for the one before.
BATCH_FEEDS = "batch_feeds"
# Orders and their lines are read together (Gold's facts join them): one step builds both side by side,
# and makes them visible together.
ORDERS = "orders"


CUSTOMER_EXPECTATIONS = [
    Expectation(
        "valid_email",
        "email IS NULL OR email RLIKE '^[^@ ]+@[^@ ]+[.][a-z]{2,}$'",
        "quarantine",
        "an e-mail address must look like one",
    ),
    Expectation("known_country", "_op = 'd' OR country IS NOT NULL", "warn", "country resolvable to ISO 3166"),
    Expectation("valid_phone", "_op = 'd' OR phone IS NOT NULL", "warn", "phone parseable to E.164"),
]
CUSTOMER_SOURCES = {
    "change_feed": bronze_key("crm_customer_changes"),
    "extracts": bronze_key("crm_customers"),
    "change_stream": kafka_bronze(topics.CUSTOMER_CHANGES),
}

SILVER_TABLES = (
    SilverTable(
        name="customers",
        description="Current state of every CRM customer (SCD1), from the change feed and daily extracts.",
        contract=c.Customer,
        sources=CUSTOMER_SOURCES,
        changes=t.customer_changes,
        lookups={"extract_history": bronze_key("crm_customers")},
        expectations=CUSTOMER_EXPECTATIONS,
    ),
    SilverTable(
        name="customer_history",
        description="Every version of every customer's contact and address (SCD2, tracked columns only).",
        contract=c.CustomerVersion,
        sources=CUSTOMER_SOURCES,
        changes=t.customer_changes,
        lookups={"extract_history": bronze_key("crm_customers")},
        expectations=CUSTOMER_EXPECTATIONS,
        history_of=("email", "phone", "street", "city", "postal_code", "country"),
        change_keys=("customer_id",),
    ),
    SilverTable(
        name="orders",
        step=ORDERS,
        description="Current state of every order header, ERP change events applied in LSN order.",
        contract=c.Order,
        sources={"orders": bronze_key("erp_orders"), "order_stream": kafka_bronze(topics.ORDERS)},
        changes=t.order_changes,
        expectations=[
            Expectation(
                "known_status",
                "_op = 'd' OR status IN ('placed', 'paid', 'shipped', 'cancelled')",
                "quarantine",
                "status from the ERP's list",
            ),
            Expectation(
                "has_customer", "_op = 'd' OR customer_id IS NOT NULL", "quarantine", "an order has a customer"
            ),
        ],
    ),
    SilverTable(
        name="order_lines",
        step=ORDERS,
        description="Current state of every order line, ERP change events applied in LSN order.",
        contract=c.OrderLine,
        sources={"order_lines": bronze_key("erp_order_lines"), "order_line_stream": kafka_bronze(topics.ORDER_LINES)},
        changes=t.order_line_changes,
        expectations=[
            Expectation("positive_quantity", "_op = 'd' OR quantity > 0", "quarantine", "quantity must be positive"),
        ],
    ),
    SilverTable(
        name="products",
        step=BATCH_FEEDS,
        description="The product catalogue, latest version of every product.",
        contract=c.Product,
        sources={"products": bronze_key("erp_products")},
        changes=t.product_changes,
        expectations=[
            Expectation("priced", "unit_price IS NOT NULL AND unit_price >= 0", "quarantine", "a product has a price"),
            Expectation("has_sku", "sku IS NOT NULL", "warn", "a product has a SKU"),
        ],
    ),
    SilverTable(
        name="clickstream_events",
        description="Web clickstream events, deduplicated by event id, typed and in UTC.",
        contract=c.ClickEvent,
        sources={"clicks": bronze_key("web_clickstream"), "click_stream": kafka_bronze(topics.CLICKSTREAM)},
        changes=t.click_changes,
        partition_by=("event_date",),  # an event's day never changes; new events touch only their days
        partitions_def=daily_event_partitions(),
        expectations=[
            Expectation("known_type", "event_type IS NOT NULL", "drop", "events without a type are noise"),
            Expectation(
                "has_referrer",
                "referrer IS NOT NULL",
                "default",
                "a visit without a referrer is direct",
                fill={"referrer": DIRECT},
            ),
        ],
    ),
    SilverTable(
        name="clickstream_sessions",
        description="One row per web session: when, who, how long, what was viewed and whether it converted.",
        contract=c.ClickSession,
        sources={"events": silver_key("clickstream_events")},
        changes=session_changes,
        lookups={"all_events": silver_key("clickstream_events")},
        expectations=[
            Expectation(
                "single_day",
                "duration_seconds < 86400",
                "warn",
                "a session found its events within a day of its new ones",
            )
        ],
    ),
    SilverTable(
        name="fx_rates",
        step=BATCH_FEEDS,
        description="Daily FX rates, one row per date and currency pair.",
        contract=c.FxRate,
        sources={"rates": bronze_key("fx_rates")},
        changes=t.fx_rate_changes,
    ),
    SilverTable(
        name="stores",
        step=BATCH_FEEDS,
        description="The store master, latest delivery of every store.",
        contract=c.Store,
        sources={"stores": bronze_key("erp_stores")},
        changes=t.store_changes,
        expectations=[
            Expectation(
                "known_channel",
                "channel IN ('store', 'web', 'marketplace')",
                "quarantine",
                "channel from the ERP's list",
            )
        ],
    ),
    SilverTable(
        name="suppliers",
        step=BATCH_FEEDS,
        description="The supplier master, latest delivery of every supplier.",
        contract=c.Supplier,
        sources={"suppliers": bronze_key("erp_suppliers")},
        changes=t.supplier_changes,
        expectations=[
            Expectation(
                "valid_email",
                "email IS NULL OR email RLIKE '^[^@ ]+@[^@ ]+[.][a-z]{2,}$'",
                "quarantine",
                "an e-mail address must look like one",
            )
        ],
    ),
    SilverTable(
        name="invoice_documents",
        step=BATCH_FEEDS,
        description="Scanned invoices: which order, where the file is, its size, hash and type.",
        contract=c.InvoiceDocument,
        sources={"invoices": bronze_key("doc_invoices")},
        changes=t.invoice_document_changes,
        expectations=[
            Expectation("is_pdf", "content_type = 'application/pdf'", "quarantine", "an invoice scan is a PDF")
        ],
    ),
)


def source_schema(key: dg.AssetKey) -> StructType:
    """The schema of a Silver table's source (Bronze, or Silver), for reading it before it exists."""
    silver = {table.key: table for table in SILVER_TABLES}
    return spark_schema(silver[key].contract) if key in silver else bronze_table_schema(key)


class SilverConfig(dg.Config):
    full_refresh: bool = False  # rebuild from the whole of Bronze instead of what it added since the last run


def silver_spec(table: SilverTable) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table.key,
        deps=list(table.sources.values()),
        group_name=SILVER,
        description=table.description,
        kinds={"spark", "delta"},
        owners=[contract_owner(table.contract)],
        tags={"layer": SILVER, **dict([DAY_PARTITIONED_TAG] if table.partitions_def else [])},
        metadata={"dagster/column_schema": column_schema(table.contract)},
        # Eager automation of a day-partitioned asset would request runs of the latest day only; these
        # tables follow their Bronze with unpartitioned runs of a sensor instead (automation/event_tables_sensor.py).
        automation_condition=None if table.partitions_def else silver_automation(),
        partitions_def=table.partitions_def,
        freshness_policy=STREAMED_FRESHNESS if KAFKA_BRONZE_KEYS & set(table.sources.values()) else None,
    )


SILVER_STEPS = silver_steps(SILVER_TABLES)


def step_name(step: str) -> str:
    """The op (and step) that materializes the tables of `step` (a key of SILVER_STEPS), e.g. `silver__customers`."""
    return f"silver__{step}"


def silver_step(step: str, tables: tuple[SilverTable, ...]) -> dg.AssetsDefinition:
    """One step for the tables of a step (lakehouse.lib.silver.silver_steps); each can run alone."""
    first = tables[0]

    def materialize(spark: SparkSession, run: StepRun) -> Iterator[Materialized | DaysApplied | Checked]:
        selected = [t for t in tables if t.key in run.asset_keys]
        applied: dict[dg.AssetKey, list[str | None] | None] = {}
        for result in materialize_silver(spark, run, selected, source_schema) if selected else ():
            if isinstance(result, Materialized):
                applied[result.asset_key] = _days_applied(result.metadata)
            yield result
        # In the same application: a check run of its own would pay a Spark application's launch again.
        for table in tables:
            uri = run.resources["storage"].table_uri(table.key)
            yield from check_contract(spark, run, uri, table.key, table.contract, table.day_column,
                                      applied.get(table.key))  # fmt: skip

    spark_work = spark_step(step_name(step), materialize, __name__)

    @dg.multi_asset(
        name=step_name(step),
        specs=[silver_spec(table) for table in tables],
        check_specs=[spec for table in tables for spec in contract_check_specs(table.key, table.contract)],
        can_subset=True,
        # Partitioned through the specs, whose partitions are alike (silver_steps checks).
        backfill_policy=dg.BackfillPolicy.single_run() if first.partitions_def else None,
        op_tags=step_order.SERVING_TABLE,
        pool=spark_work.name,
    )
    def _silver(
        context: dg.AssetExecutionContext, config: SilverConfig, compute: SparkCompute, storage: LakehouseStorage
    ) -> Iterator[StepEvent]:
        yield from compute.run(context, spark_work, config.model_dump(), storage=storage)

    return _silver


def _days_applied(metadata: Mapping[str, Any]) -> list[str | None] | None:
    applied = metadata.get(DAYS_APPLIED)
    return None if applied is None else applied.value


# Built on import: a remote Spark driver finds the steps by importing this module.
SILVER_ASSETS = [silver_step(step, tables) for step, tables in SILVER_STEPS.items()]
SILVER_CHECKS = [
    *dg.build_column_schema_change_checks(assets=[table.key for table in SILVER_TABLES]),
    # Orphans are reported, not blocking: a source that lost a file leaves lines without their
    # order, and Gold should still see every order it has.
    referential_integrity_check(silver_key("order_lines"), silver_key("orders"), ["order_id"]),
    referential_integrity_check(silver_key("orders"), silver_key("customers"), ["customer_id"]),
    referential_integrity_check(silver_key("clickstream_sessions"), silver_key("customers"), ["customer_id"]),
    *[freshness_check(silver_key(name), timedelta(days=1)) for name in ("customers", "orders", "clickstream_events")],
]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=SILVER_ASSETS, asset_checks=SILVER_CHECKS)
