"""Materialization metadata of a Delta table: what the catalog shows for every table we write."""

from __future__ import annotations

from typing import Any

import dagster as dg
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
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
    spark: SparkSession, uri: str, *, written: DataFrame | None = None, table_name: str | None = None
) -> dict[str, Any]:
    """Row count, Delta version, URI, the last operation's metrics and the column schema.

    `written` is the slice just written (one partition, say): its row count goes in
    `dagster/partition_row_count` next to the whole table's.
    """
    table = DeltaTable.forPath(spark, uri)
    last = table.history(1).select("version", "operation", "operationMetrics").first()
    df = table.toDF()
    # Delta answers count(*) from the file statistics in its log, without scanning data files.
    row_count = df.count()
    metadata: dict[str, Any] = {
        **dg.TableMetadataSet(
            column_schema=column_schema(df.schema),
            row_count=row_count,
            partition_row_count=written.count() if written is not None else None,
            table_name=table_name,
        ),
        **dg.UriMetadataSet(uri=uri),
        "delta/version": last["version"],
        "delta/operation": last["operation"],
        "delta/operation_metrics": {k: _number(v) for k, v in (last["operationMetrics"] or {}).items()},
    }
    return {k: v for k, v in metadata.items() if v is not None}


def _number(value: str) -> int | float | str:
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value
