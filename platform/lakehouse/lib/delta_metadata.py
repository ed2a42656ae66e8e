"""Materialization metadata of a Delta table: what the catalog shows for every table we write.

Read from the Delta log with delta-rs (milliseconds, no Spark job), whichever engine wrote the
table: Spark for Bronze and Silver, dbt (DuckDB or Spark) for Gold.
"""

from __future__ import annotations

import json
from typing import Any

import dagster as dg
import deltalake
import pyarrow as pa
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


def delta_table_metadata(uri: str, *, partitioned: bool = False, table_name: str | None = None) -> dict[str, Any]:
    """Row count, Delta version, URI, the last operation's metrics and the column schema.

    For a partitioned write, the rows of the partitions just written (from the commit's own
    metrics, not a second pass over the data) go in `dagster/partition_row_count`.
    """
    table = deltalake.DeltaTable(uri)
    [last] = table.history(1)  # not delta_tables.last_commit: this table object gives the schema and files too
    metrics = {k: _number(v) for k, v in (last.get("operationMetrics") or {}).items()}
    # Dagster's standard table keys: the catalog renders them and schema-change checks read them.
    metadata: dict[str, Any] = {
        # A Delta schema is Spark's StructType in JSON: the same type names whoever wrote the table.
        "dagster/column_schema": column_schema(StructType.fromJson(json.loads(table.schema().to_json()))),
        "dagster/row_count": _row_count(table),
        "dagster/partition_row_count": metrics.get("numOutputRows") if partitioned else None,
        "dagster/table_name": table_name,
        "dagster/uri": uri,
        "delta/version": table.version(),
        "delta/operation": last.get("operation"),
        "delta/operation_metrics": metrics,
    }
    return {k: v for k, v in metadata.items() if v is not None}


def _row_count(table: deltalake.DeltaTable) -> int:
    """From the row counts the log keeps per file, less rows deleted in place (deletion vectors); from
    the files' footers when a writer left the counts out."""
    files = pa.table(table.get_add_actions(flatten=True))
    if "num_records" not in files.column_names or files.column("num_records").null_count:
        return table.to_pyarrow_dataset().count_rows()
    deleted = [
        name
        for name in files.column_names
        if name.replace("_", "").lower().startswith("deletionvector") and name.endswith("cardinality")
    ]
    return sum(files.column("num_records").to_pylist()) - sum(
        n or 0 for name in deleted for n in files.column(name).to_pylist()
    )


def _number(value: Any) -> int | float | str:
    for cast in (int, float):
        try:
            return cast(value)
        except (TypeError, ValueError):
            pass
    return value
