"""Asset checks generated from a table contract, plus referential-integrity and freshness checks.

`contract_checks` gives every contract the same checks, run on the materialized Delta table:

- `contract` (blocking): pandera validation of types, nullability and column checks;
- `unique_key` (blocking, when the contract declares `Config.unique`): one row per key;
- `column_schema_change` (warning): Dagster's comparison of the last two materializations'
  column schemas; intended evolution goes through the contract version and the schema registry.

The contract describes live rows: a tombstone (`is_deleted`) keeps the source's delete image as
received, so it is left out of `contract` but still counts for `unique_key`.

On a day-partitioned table, a run over some days checks the rows of those days only, and an
unpartitioned run the rows of the days it applied changes to (a check run on its own, the whole table).

A blocking check that fails stops downstream assets of the same run. The Spark work of `contract` and
`unique_key` is a Spark step run by the `compute` resource (in the run's process or as a Spark
application); they need a `SparkCompute` named `compute` and a `LakehouseStorage` named `storage`.
"""

import copy
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pandera.pyspark as pa
from deltalake import DeltaTable
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import step_order
from lakehouse.lib.cdc_merge import IS_DELETED
from lakehouse.lib.compute.resource import SparkCompute
from lakehouse.lib.compute.step import Checked, SparkStep, StepRun, spark_step
from lakehouse.lib.partitions import (
    DAYS_APPLIED,
    days_predicate,
    describe_days,
    describe_listed_days,
    listed_days_predicate,
    run_days,
)
from lakehouse.lib.quality.contracts import Contract, table_keys, table_name
from lakehouse.lib.quality.expectations import MAX_EXAMPLES
from lakehouse.lib.storage import LakehouseStorage

TableUriFn = Callable[[LakehouseStorage, dg.AssetKey], str]


def contract_checks(
    asset_key: dg.AssetKey,
    model: Contract,
    table_uri_fn: TableUriFn = LakehouseStorage.table_uri,
    day_column: str | None = None,
) -> list[dg.AssetChecksDefinition]:
    """The checks every table with a contract gets; `table_uri_fn(storage, asset_key)` locates the table.

    For a table partitioned by day on `day_column`, a run over some days checks the rows of those days.
    """
    checks = [_validation_check(asset_key, model, table_uri_fn, day_column)]
    if table_keys(model):
        checks.append(_unique_key_check(asset_key, table_keys(model), table_uri_fn, day_column))
    return [*checks, *dg.build_column_schema_change_checks(assets=[asset_key])]


def referential_integrity_check(
    child_key: dg.AssetKey,
    parent_key: dg.AssetKey,
    columns: Sequence[str],
    parent_columns: Sequence[str] | None = None,
    *,
    blocking: bool = False,
    table_uri_fn: TableUriFn = LakehouseStorage.table_uri,
) -> dg.AssetChecksDefinition:
    """Every non-NULL `columns` value of the child exists as `parent_columns` (default: same names) in the parent.

    A NULL reference is an optional relationship, not an orphan: whether it may be NULL is the
    contract's business.
    """
    parent_columns = list(parent_columns or columns)
    parent_name = "_".join(parent_key.path)

    @dg.asset_check(
        asset=child_key,
        name=f"references_{parent_name}",
        additional_deps=[parent_key],
        blocking=blocking,
        op_tags=step_order.DEFERRED,
        description=f"({', '.join(columns)}) references {parent_name} ({', '.join(parent_columns)})",
    )
    def references(storage: LakehouseStorage) -> dg.AssetCheckResult:
        # DuckDB over the tables' Arrow datasets (delta-rs): a key anti-join needs no Spark application.
        child = DeltaTable(table_uri_fn(storage, child_key)).to_pyarrow_dataset()
        parent = DeltaTable(table_uri_fn(storage, parent_key)).to_pyarrow_dataset()
        keys = ", ".join(f'"{c}"' for c in columns)
        known = ", ".join(f'"{p}" AS "{c}"' for c, p in zip(columns, parent_columns))
        referenced = " AND ".join(f'"{c}" IS NOT NULL' for c in columns)
        with duckdb.connect() as db:
            db.register("child", child)
            db.register("parent", parent)
            db.execute(f"CREATE TEMP VIEW orphans AS SELECT {keys} FROM child "
                       f"ANTI JOIN (SELECT {known} FROM parent) USING ({keys}) WHERE {referenced}")  # fmt: skip
            orphan_rows = db.sql("SELECT count(*) FROM orphans").fetchall()[0][0]
            examples = db.sql(f"SELECT DISTINCT * FROM orphans LIMIT {MAX_EXAMPLES}").to_arrow_table().to_pylist()
        return dg.AssetCheckResult(
            passed=orphan_rows == 0,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={"orphan_rows": orphan_rows, "missing_references": dg.MetadataValue.json(examples)},
        )

    return references


def freshness_check(
    asset_key: dg.AssetKey,
    max_age: timedelta,
    *,
    deadline_cron: str | None = None,
) -> dg.AssetChecksDefinition:
    """Fails when the asset was last updated more than `max_age` before now (or before the last `deadline_cron` tick).

    Dagster marks `build_last_update_freshness_checks` as superseded by freshness policies, but a
    policy is set on the asset definition and is no check: this one works for any asset key
    (including assets defined elsewhere) and reports beside the contract checks.
    """
    [check] = dg.build_last_update_freshness_checks(
        assets=[asset_key],
        lower_bound_delta=max_age,
        deadline_cron=deadline_cron,
    )
    return check


def _validation_check(
    asset_key: dg.AssetKey,
    model: Contract,
    table_uri_fn: TableUriFn,
    day_column: str | None,
) -> dg.AssetChecksDefinition:
    schema = copy.copy(model.to_schema())
    # Key uniqueness has its own check with example keys; validating it here too would group the table twice.
    schema.unique = None
    keys = table_keys(model)

    def validate(spark: SparkSession, run: StepRun) -> Iterator[Checked]:
        df = _checked_rows(spark, table_uri_fn(run.resources["storage"], asset_key), run.config["where"])
        if IS_DELETED in df.columns:
            df = df.where(~F.col(IS_DELETED))
        # pandera's pyspark backend reports errors on the returned frame instead of raising.
        errors = schema.validate(df).pandera.errors
        failures = [
            {
                "column": e["column"],
                "check": e["check"],
                "error": e["error"],
                "examples": _failing_examples(df, schema, keys, e["column"], e["check"]),
            }
            for by_reason in errors.values()
            for reasons in by_reason.values()
            for e in reasons
        ]
        yield Checked(
            asset_key,
            "contract",
            passed=not failures,
            description="; ".join(f"{f['column']}: {f['check']}" for f in failures) or None,
            metadata={
                "failed_checks": len(failures),
                "failures": dg.MetadataValue.json(failures),
                **run.config["checked"],
            },  # fmt: skip
        )

    step = spark_step(f"check/{asset_key.to_user_string()}/contract", validate)

    @dg.asset_check(
        asset=asset_key,
        name="contract",
        blocking=True,
        op_tags=step_order.DEFERRED,
        description=f"Rows satisfy the {table_name(model)} contract: types, nullability, column checks",
    )
    def contract(
        context: dg.AssetCheckExecutionContext, compute: SparkCompute, storage: LakehouseStorage
    ) -> dg.AssetCheckResult:
        return _run_check(context, compute, step, storage, asset_key, day_column)

    return contract


def _unique_key_check(
    asset_key: dg.AssetKey,
    keys: list[str],
    table_uri_fn: TableUriFn,
    day_column: str | None,
) -> dg.AssetChecksDefinition:
    def count_duplicates(spark: SparkSession, run: StepRun) -> Iterator[Checked]:
        df = _checked_rows(spark, table_uri_fn(run.resources["storage"], asset_key), run.config["where"])
        duplicates = df.groupBy(*keys).count().where("count > 1")
        examples = _rows(duplicates.limit(MAX_EXAMPLES))
        yield Checked(
            asset_key,
            "unique_key",
            passed=not examples,
            metadata={
                "duplicated_keys": duplicates.count() if examples else 0,
                "examples": dg.MetadataValue.json(examples),
                **run.config["checked"],
            },  # fmt: skip
        )

    step = spark_step(f"check/{asset_key.to_user_string()}/unique_key", count_duplicates)

    # A key's day never changes (lakehouse.lib.partitions), so keys unique within each day are unique.
    @dg.asset_check(
        asset=asset_key,
        name="unique_key",
        blocking=True,
        op_tags=step_order.DEFERRED,
        description=f"One row per ({', '.join(keys)})",
    )
    def unique_key(
        context: dg.AssetCheckExecutionContext, compute: SparkCompute, storage: LakehouseStorage
    ) -> dg.AssetCheckResult:
        return _run_check(context, compute, step, storage, asset_key, day_column)

    return unique_key


def _run_check(
    context: dg.AssetCheckExecutionContext,
    compute: SparkCompute,
    step: SparkStep,
    storage: LakehouseStorage,
    asset_key: dg.AssetKey,
    day_column: str | None,
) -> dg.AssetCheckResult:
    where, checked = _checked_days(context, asset_key, day_column)
    [result] = compute.run(context.op_execution_context, step, {"where": where, "checked": checked}, storage=storage)
    return result


def _checked_rows(spark: SparkSession, uri: str, where: str | None) -> DataFrame:
    df = spark.read.format("delta").load(uri)
    return df if where is None else df.where(where)


def _checked_days(
    context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey, day_column: str | None
) -> tuple[str | None, dict[str, str]]:
    """Which rows a check looks at (SQL, None for the whole table: the days the run wrote, on a
    day-partitioned table), and metadata saying which."""
    if day_column is None:
        return None, {}
    days = run_days(context.op_execution_context)
    if days is not None:
        return days_predicate(day_column, days), {"checked_days": describe_days(days)}
    applied = _days_applied_in_run(context, asset_key)
    if applied is None:
        return None, {}
    return listed_days_predicate(day_column, applied), {"checked_days": describe_listed_days(applied)}


def _days_applied_in_run(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey) -> list[str | None] | None:
    """The days this run's unpartitioned materialization of the asset applied rows to (its last
    event, after the per-day ones); None when this run did not materialize it."""
    event = context.instance.get_latest_materialization_event(asset_key)
    if event is None or event.run_id != context.run.run_id:
        return None
    applied = event.asset_materialization.metadata.get(DAYS_APPLIED)
    return None if applied is None else applied.value


def _failing_examples(
    df: DataFrame,
    schema: pa.DataFrameSchema,
    keys: list[str],
    column: str,
    check: str,
) -> list[dict[str, Any]]:
    """Key and value of a few rows failing `check` on `column`; none for table-level failures (types, presence)."""
    if check == "not_nullable":
        failing = df.where(F.col(column).isNull())
    else:
        column_checks = schema.columns[column].checks if column in schema.columns else []
        matching = [c for c in column_checks if (c.error or c.name) == check]
        if not matching:
            return []
        failing = df.where(~_passes(matching[0])(F.col(column)))
    return _rows(failing.select(*dict.fromkeys([*keys, column])).limit(MAX_EXAMPLES))


def _passes(check: pa.Check) -> Callable[[Column], Column]:
    """Row-level outcome of a pandera check, from its pandas implementation: the pyspark one only
    says whether the whole column passes."""

    @F.pandas_udf("boolean")
    def passes(values: pd.Series) -> pd.Series:
        # pandera leaves NULLs out (`ignore_na`); they are the nullability check's business.
        return check(values).check_output.reindex(values.index, fill_value=True)

    return passes


def _rows(df: DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (decimals, dates and timestamps as strings)."""
    return [
        {k: v if v is None or isinstance(v, (bool, int, float, str)) else str(v) for k, v in row.asDict().items()}
        for row in df.collect()
    ]
