"""Materialization metadata of a Delta table: what the catalog shows for every table we write."""

from __future__ import annotations

from typing import Any

import dagster as dg
import deltalake
import pyarrow as pa
from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql.types import StructType


def column_schema(schema: StructType) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=field.name,
                type=field.dataType.simpleString(),
                description=field.metadata.get("comment"),
                constraints=dg.TableColumnConstraints(nullable=field.nullable),
            )
            for field in schema.fields
        ]
    )


def delta_table_metadata(
    spark: SparkSession, uri: str, *, partitioned: bool = False, table_name: str | None = None
) -> dict[str, Any]:
    """Row count, Delta version, URI, the last operation's metrics and the column schema.

    For a partitioned write, the rows of the partitions just written (from the commit's own
    metrics, not a second pass over the data) go in `dagster/partition_row_count`.
    """
    table = DeltaTable.forPath(spark, uri)
    last = table.history(1).select("version", "operation", "operationMetrics").first()
    df = table.toDF()
    # Delta answers count(*) from the file statistics in its log, without scanning data files.
    row_count = df.count()
    metrics = {k: _number(v) for k, v in (last["operationMetrics"] or {}).items()}
    # Dagster's standard table keys: the catalog renders them and schema-change checks read them.
    metadata: dict[str, Any] = {
        "dagster/column_schema": column_schema(df.schema),
        "dagster/row_count": row_count,
        "dagster/partition_row_count": metrics.get("numOutputRows") if partitioned else None,
        "dagster/table_name": table_name,
        "dagster/uri": uri,
        "delta/version": last["version"],
        "delta/operation": last["operation"],
        "delta/operation_metrics": metrics,
    }
    return {k: v for k, v in metadata.items() if v is not None}


def _number(value: str) -> int | float | str:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def delta_log_metadata(uri: str) -> dict[str, Any]:
    """Row count, column schema and version of a Delta table written by another engine, read with
    delta-rs from the log and file footers: no Spark session in this process."""
    table = deltalake.DeltaTable(uri)
    schema = pa.schema(table.schema().to_arrow())
    return {
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=field.name, type=str(field.type),
                                    constraints=dg.TableColumnConstraints(nullable=field.nullable))
                     for field in schema]
        ),
        "dagster/row_count": table.to_pyarrow_dataset().count_rows(),
        "dagster/uri": uri,
        "delta/version": table.version(),
    }
