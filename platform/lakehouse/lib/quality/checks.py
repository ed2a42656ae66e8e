"""Asset checks generated from a table contract, plus referential-integrity and freshness checks.

Every table with a contract gets the blocking checks `contract` (pandera: types, nullability, column
checks) and `unique_key` (when the contract declares `Config.unique`), evaluated by the Spark step that
writes the table, in the same application (`check_contract`). The README ("Data quality") says which rows.
"""

import copy
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
import pandera.pyspark as pa
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.lib import step_order
from lakehouse.lib.cdc_merge import IS_DELETED
from lakehouse.lib.compute.step import Checked, StepRun
from lakehouse.lib.delta_tables import delta_dataset
from lakehouse.lib.partitions import days_predicate, describe_days, describe_listed_days, listed_days_predicate
from lakehouse.lib.quality.contracts import Contract, table_keys, table_name
from lakehouse.lib.quality.expectations import MAX_EXAMPLES
from lakehouse.lib.storage import LakehouseStorage

TableUriFn = Callable[[LakehouseStorage, dg.AssetKey], str]


def contract_check_specs(asset_key: dg.AssetKey, model: Contract) -> list[dg.AssetCheckSpec]:
    """The checks of a table with a contract, for the asset definition whose step evaluates them."""
    specs = [dg.AssetCheckSpec("contract", asset=asset_key, blocking=True,
                               description=f"Rows satisfy the {table_name(model)} contract: types, nullability, "
                               "column checks")]  # fmt: skip
    if table_keys(model):
        # A key's day never changes (lakehouse.lib.partitions), so keys unique within each day are unique.
        specs.append(dg.AssetCheckSpec("unique_key", asset=asset_key, blocking=True,
                                       description=f"One row per ({', '.join(table_keys(model))})"))  # fmt: skip
    return specs


def check_contract(
    spark: SparkSession,
    run: StepRun,
    uri: str,
    asset_key: dg.AssetKey,
    model: Contract,
    day_column: str | None = None,
    applied_days: Sequence[str | None] | None = None,
) -> Iterator[Checked]:
    """The run's selected checks of `contract_check_specs` on the table at `uri`.

    On a table partitioned by day on `day_column`, a run over some days checks the rows of those days, and
    a run that applied rows to `applied_days` (its unpartitioned materialization) the rows of those days.
    The contract describes live rows: a tombstone (`is_deleted`) keeps the source's delete image as
    received, so it is left out of `contract` but still counts for `unique_key`.
    """
    selected = {key.name for key in run.check_keys if key.asset_key == asset_key}
    if not selected:
        return
    where, checked = _checked_days(day_column, run.days, applied_days)
    rows = spark.read.format("delta").load(uri)
    rows = rows if where is None else rows.where(where)
    if "contract" in selected:
        live = rows.where(~F.col(IS_DELETED)) if IS_DELETED in rows.columns else rows
        yield _validate(live, asset_key, model, checked)
    if "unique_key" in selected:
        yield _count_duplicates(rows, asset_key, table_keys(model), checked)


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
        child = delta_dataset(table_uri_fn(storage, child_key))
        parent = delta_dataset(table_uri_fn(storage, parent_key))
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


def _validate(df: DataFrame, asset_key: dg.AssetKey, model: Contract, checked: dict[str, str]) -> Checked:
    schema = copy.copy(model.to_schema())
    # Key uniqueness has its own check with example keys; validating it here too would group the table twice.
    schema.unique = None
    # pandera's pyspark backend reports errors on the returned frame instead of raising.
    errors = schema.validate(df).pandera.errors
    failures = [
        {
            "column": e["column"],
            "check": e["check"],
            "error": e["error"],
            "examples": _failing_examples(df, schema, table_keys(model), e["column"], e["check"]),
        }
        for by_reason in errors.values()
        for reasons in by_reason.values()
        for e in reasons
    ]
    return Checked(
        asset_key,
        "contract",
        passed=not failures,
        description="; ".join(f"{f['column']}: {f['check']}" for f in failures) or None,
        metadata={"failed_checks": len(failures), "failures": dg.MetadataValue.json(failures), **checked},
    )


def _count_duplicates(df: DataFrame, asset_key: dg.AssetKey, keys: list[str], checked: dict[str, str]) -> Checked:
    duplicates = df.groupBy(*keys).count().where("count > 1")
    examples = _rows(duplicates.limit(MAX_EXAMPLES))
    return Checked(
        asset_key,
        "unique_key",
        passed=not examples,
        metadata={
            "duplicated_keys": duplicates.count() if examples else 0,
            "examples": dg.MetadataValue.json(examples),
            **checked,
        },
    )


def _checked_days(
    day_column: str | None, days: tuple[date, date] | None, applied_days: Sequence[str | None] | None
) -> tuple[str | None, dict[str, str]]:
    """Which rows a check looks at (SQL, None for the whole table), and metadata saying which."""
    if day_column is None:
        return None, {}
    if days is not None:
        return days_predicate(day_column, days), {"checked_days": describe_days(days)}
    if applied_days is None:
        return None, {}
    return listed_days_predicate(day_column, applied_days), {"checked_days": describe_listed_days(applied_days)}


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
