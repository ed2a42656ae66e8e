"""IO manager that stores Spark DataFrames as Delta tables under the storage root.

Follows the table-slice pattern of Dagster's database IO managers: an asset declares its partition
column with the definition metadata key `partition_expr`; a partitioned materialization then
overwrites exactly its partitions (`replaceWhere`), so re-running it is idempotent, and loading a
partitioned input reads only the partitions asked for.
"""

from __future__ import annotations

from datetime import datetime

import dagster as dg
from dagster_pyspark import LazyPySparkResource
from delta.tables import DeltaTable
from pyspark.sql import DataFrame

from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.storage import LakehouseStorage

PARTITION_EXPR = "partition_expr"


class DeltaIOManager(dg.ConfigurableIOManager):
    storage: LakehouseStorage
    spark: LazyPySparkResource

    def handle_output(self, context: dg.OutputContext, obj: DataFrame | None) -> None:
        if obj is None:  # the asset wrote its table itself (e.g. an exactly-once append)
            return
        uri = self.storage.table_uri(context.asset_key)
        partition_expr = context.definition_metadata.get(PARTITION_EXPR)
        writer = obj.write.format("delta")
        if context.has_asset_partitions and partition_expr:
            predicate = _partition_predicate(partition_expr, context)
            context.log.info(f"Overwriting {uri} where {predicate}")
            writer = writer.mode("overwrite").option("replaceWhere", predicate).option("mergeSchema", "true")
            if not DeltaTable.isDeltaTable(self.spark.spark_session, uri):
                writer = writer.partitionBy(partition_expr)
        else:
            writer = writer.mode("overwrite").option("overwriteSchema", "true")
        writer.save(uri)
        context.add_output_metadata(
            delta_table_metadata(
                uri, partitioned=context.has_asset_partitions, table_name=".".join(context.asset_key.path),
            )
        )

    def load_input(self, context: dg.InputContext) -> DataFrame:
        uri = self.storage.table_uri(context.asset_key)
        df = self.spark.spark_session.read.format("delta").load(uri)
        upstream = context.upstream_output
        partition_expr = upstream.definition_metadata.get(PARTITION_EXPR) if upstream else None
        if context.has_asset_partitions and partition_expr:
            df = df.where(_partition_predicate(partition_expr, context))
        columns = (context.definition_metadata or {}).get("columns")
        return df.select(*columns) if columns else df


def _partition_predicate(column: str, context: dg.InputContext | dg.OutputContext) -> str:
    """SQL predicate selecting the partitions in `context` (a time window or a set of keys)."""
    if isinstance(context.asset_partitions_def, dg.TimeWindowPartitionsDefinition):
        window = context.asset_partitions_time_window
        return f"{column} >= '{_sql_time(window.start)}' AND {column} < '{_sql_time(window.end)}'"
    keys = ", ".join("'" + key.replace("'", "''") + "'" for key in context.asset_partition_keys)
    return f"{column} IN ({keys})"


def _sql_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")
