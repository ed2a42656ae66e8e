"""Flat change rows (lakehouse.transforms.cdc) applied to Delta tables with Delta's MERGE.

Changes take effect in `_sequence` order, never in arrival order: batches may arrive late, overlap,
repeat events, or be re-applied after a crash, and the table still ends in the same state as if every
change had arrived once and in order.

SCD1 (current state): one row per key ever seen, holding its change with the highest sequence. A
delete leaves a tombstone (`is_deleted`) with its sequence, so an older update arriving later cannot
bring the key back. A truncate at sequence T marks every row older than T deleted, and a change older
than T that arrives later is applied as deleted; T is kept in the table property
`lakehouse.cdc.truncatedBefore`.

A rebuild of some partitions of an SCD1 table (`replace_scd1_partitions`) writes the same rows from
all of those partitions' changes and swaps them in with one `replaceWhere` commit.

SCD2 (history): versions with `valid_from`/`valid_to`/`is_current`, opened by changes of tracked
columns. A late change can split a version that has since absorbed untracked changes, which the
versions alone no longer show; so every change is kept in a change log table, and the history of the
keys of a batch is rebuilt from their logged changes and swapped in by one MERGE.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import reduce

from delta.tables import DeltaTable
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse.lib.delta_tables import last_commit, table_properties
from lakehouse.transforms.cdc import (
    CHANGE_COLUMNS,
    DELETE,
    EVENT_TS,
    INVALID_REASON,
    OP,
    SEQUENCE,
    TRUNCATE,
    history_of,
    image_order,
    latest_per_key,
)

IS_DELETED = "is_deleted"
TRUNCATED_BEFORE = "lakehouse.cdc.truncatedBefore"
_OBSOLETE = "_obsolete"


@dataclass(frozen=True)
class ChangeSpec:
    """The key columns that identify a row of the source table, and the SCD1 table's partition columns.

    A partition column must never change for a key (an event's day, say): the MERGE then only
    reads and rewrites the partitions the batch has values for.
    """

    keys: tuple[str, ...]
    partition_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchSummary:
    """What a MERGE needs to know of its batch before it runs: the sequence of the batch's last
    truncate, and (SCD1 table with `partition_by`) the partition values of its keyed changes."""

    last_truncate: int | None
    partitions: tuple[tuple, ...] = ()

    @staticmethod
    def aggregates(spec: ChangeSpec) -> list[Column]:
        """Aggregates over a batch's change rows that give its summary (`of`): computed along with other
        aggregates (the expectations' counts), they cost no pass of their own. They skip NULL rows."""
        truncate = F.col(OP) == TRUNCATE
        last_truncate = F.max(F.when(truncate, F.col(SEQUENCE)))
        if not spec.partition_by:
            return [last_truncate]
        return [last_truncate, F.collect_set(F.when(~truncate, F.struct(*spec.partition_by)))]

    @classmethod
    def of(cls, values: Sequence) -> BatchSummary:
        """The summary from the values of `aggregates`, in order."""
        last_truncate, *partitions = values
        return cls(last_truncate, tuple(tuple(p) for p in partitions[0]) if partitions else ())


def summarize(changes: DataFrame, spec: ChangeSpec) -> BatchSummary:
    return BatchSummary.of(changes.agg(*BatchSummary.aggregates(spec)).first())


@dataclass(frozen=True)
class MergeStats:
    """Row counts of the MERGE commit, as Delta recorded them, the table version it wrote, and (for a
    partitioned table) the partition values of the batch's rows."""

    version: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    batch_partitions: tuple[tuple, ...] = ()


@dataclass(frozen=True)
class RewriteStats:
    """What a rewrite of partitions committed: its table version, the rows written, the files they replaced."""

    version: int
    rows_written: int
    files_replaced: int


def apply_scd1(
    spark: SparkSession, target_uri: str, changes: DataFrame, spec: ChangeSpec, summary: BatchSummary | None = None
) -> MergeStats:
    """Upserts the last change of each key and tombstones deletes; creates the table on first use.

    Columns: the payload, `is_deleted`, and the `_sequence` and `_event_ts` of the change the row holds.
    `summary` is the batch's, when known already (computed from `changes` otherwise).
    """
    payload = _payload_columns(changes, spec)
    summary = summary or summarize(changes, spec)
    batch_truncate = summary.last_truncate
    latest = latest_per_key(changes.where(F.col(OP) != TRUNCATE), spec.keys)
    table = _create_if_missing(
        spark, target_uri, _current_rows(latest, payload, truncated_before=None).schema, spec.partition_by
    )
    truncated_before = _raise_truncate_watermark(spark, target_uri, batch_truncate)

    condition = _match(spec.keys)
    if spec.partition_by and batch_truncate is None:  # a truncate sweeps every partition
        condition = condition & _in_partitions(summary.partitions, spec.partition_by)
    merge = (
        table.alias("t")
        .merge(_current_rows(latest, payload, truncated_before).alias("s"), condition)
        .whenMatchedUpdateAll(condition=_newer(payload))
        .whenNotMatchedInsertAll()
    )
    if batch_truncate is not None:
        # Only a batch that carries a truncate sweeps the whole table; a re-run after a crash carries it too.
        truncated = ~F.col(f"t.{IS_DELETED}") & (F.col(f"t.{SEQUENCE}") < truncated_before)
        merge = merge.whenMatchedUpdate(truncated, {IS_DELETED: F.lit(True)}).whenNotMatchedBySourceUpdate(
            truncated, {IS_DELETED: F.lit(True)}
        )
    merge.execute()
    return replace(_last_commit_stats(target_uri), batch_partitions=summary.partitions)


def replace_scd1_partitions(
    spark: SparkSession, target_uri: str, changes: DataFrame, spec: ChangeSpec, where: str
) -> RewriteStats:
    """Replaces the rows of the partitions matching `where` (SQL on `spec.partition_by`) with the last
    change of each key in `changes`, which must hold every change of those partitions.

    One atomic overwrite of those partitions (Delta's `replaceWhere`), files of the others untouched;
    the rows are those `apply_scd1` would leave after applying the same changes to an empty table.
    A truncate sweeps every partition, so truncates are `apply_scd1`'s to apply; a rewrite keeps
    to the table's truncate watermark.
    """
    payload = _payload_columns(changes, spec)
    latest = latest_per_key(changes.where(F.col(OP) != TRUNCATE), spec.keys)
    _create_if_missing(spark, target_uri, _current_rows(latest, payload, None).schema, spec.partition_by)
    truncated_before = _raise_truncate_watermark(spark, target_uri, None)  # reads it, raises nothing
    rows = _current_rows(latest, payload, truncated_before)
    rows.write.format("delta").mode("overwrite").option("replaceWhere", where).save(target_uri)
    last = last_commit(target_uri)
    metrics = last["operationMetrics"]
    return RewriteStats(
        version=last["version"],
        rows_written=int(metrics.get("numOutputRows", 0)),
        files_replaced=int(metrics.get("numRemovedFiles", 0)),
    )


def apply_scd2(
    spark: SparkSession,
    target_uri: str,
    changes: DataFrame,
    spec: ChangeSpec,
    tracked_columns: Sequence[str],
    *,
    log_uri: str,
    summary: BatchSummary | None = None,
) -> MergeStats:
    """Rebuilds the history of the keys in `changes` and swaps their versions in with one MERGE.

    A new version opens only when a tracked column changes; changes of other columns overwrite them in
    the version they fall in (see `history_of`). Columns: the payload, `valid_from`, `valid_to` (NULL
    while open), `is_current`, and the `_sequence` of the change that opened the version. `log_uri` is
    the table's change log: every change applied so far, once. Both tables are created on first use.
    `summary` is the batch's, when known already (computed from `changes` otherwise).
    """
    payload = _payload_columns(changes, spec)
    not_tracked = set(tracked_columns) - (set(payload) - set(spec.keys))
    if not_tracked:
        raise ValueError(f"tracked columns {sorted(not_tracked)} are not non-key payload columns")
    log = _log_changes(spark, log_uri, changes, spec)
    batch_truncate = (summary or summarize(changes, spec)).last_truncate
    affected = _affected_keys(changes, log, spec.keys, batch_truncate)
    logged = log.join(affected, list(spec.keys), "left_semi").unionByName(log.where(F.col(OP) == TRUNCATE))
    # The MERGE's source reads the affected keys' changes several times (their versions, and again to
    # find versions that are gone); read from the log once.
    logged = logged.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _swap_in_versions(spark, target_uri, history_of(logged, spec.keys, tracked_columns), affected, spec)
    finally:
        logged.unpersist()
    return _last_commit_stats(target_uri)


def _swap_in_versions(
    spark: SparkSession, target_uri: str, versions: DataFrame, affected: DataFrame, spec: ChangeSpec
) -> None:
    """Replaces the affected keys' versions in the history table with `versions`, in one MERGE."""
    table = _create_if_missing(spark, target_uri, versions.schema)
    # The affected keys' existing versions that the rebuilt history no longer has go in as delete markers.
    obsolete = (
        spark.read.format("delta")
        .load(target_uri)
        .join(affected, list(spec.keys), "left_semi")
        .join(versions, [*spec.keys, SEQUENCE], "left_anti")
        .select(*spec.keys, SEQUENCE)
    )
    source = versions.withColumn(_OBSOLETE, F.lit(False)).unionByName(
        obsolete.withColumn(_OBSOLETE, F.lit(True)), allowMissingColumns=True
    )
    columns = versions.columns
    (
        table.alias("t")
        .merge(source.alias("s"), _match([*spec.keys, SEQUENCE]))
        .whenMatchedDelete(condition=F.col(f"s.{_OBSOLETE}"))
        .whenMatchedUpdate(condition=~_row("t", columns).eqNullSafe(_row("s", columns)), set=_values("s", columns))
        .whenNotMatchedInsert(condition=~F.col(f"s.{_OBSOLETE}"), values=_values("s", columns))
        .execute()
    )


def _payload_columns(changes: DataFrame, spec: ChangeSpec) -> list[str]:
    if INVALID_REASON in changes.columns:
        raise ValueError(f"changes still carry {INVALID_REASON}: quarantine them first (cdc.split_invalid)")
    payload = [c for c in changes.columns if c not in CHANGE_COLUMNS]
    missing = set(spec.keys) - set(payload)
    if missing:
        raise ValueError(f"key columns {sorted(missing)} are not in the changes")
    return payload


def _current_rows(latest: DataFrame, payload: Sequence[str], truncated_before: int | None) -> DataFrame:
    deleted = F.col(OP) == DELETE
    if truncated_before is not None:
        deleted = deleted | (F.col(SEQUENCE) < truncated_before)
    return latest.select(*payload, deleted.alias(IS_DELETED), SEQUENCE, EVENT_TS)


def _newer(payload: Sequence[str]) -> Column:
    """The batch's change replaces the table's: a later sequence, or the same with a greater image (so
    the winner of a reused sequence does not depend on which batch brought which change)."""
    source, target = F.col(f"s.{SEQUENCE}"), F.col(f"t.{SEQUENCE}")
    return (source > target) | ((source == target) & (image_order(payload, "s") > image_order(payload, "t")))


def _raise_truncate_watermark(spark: SparkSession, uri: str, batch_truncate: int | None) -> int | None:
    """The table's truncate watermark, raised to the batch's last truncate.

    Raised in its own commit before the MERGE: should the MERGE never commit, later batches already
    treat older changes as truncated, and re-applying the batch raises it to the same value.
    """
    stored = table_properties(uri).get(TRUNCATED_BEFORE)
    watermark = max((int(v) for v in (stored, batch_truncate) if v is not None), default=None)
    if watermark is not None and str(watermark) != stored:
        spark.sql(f"ALTER TABLE delta.`{uri}` SET TBLPROPERTIES ('{TRUNCATED_BEFORE}' = '{watermark}')")
    return watermark


def _log_changes(spark: SparkSession, log_uri: str, changes: DataFrame, spec: ChangeSpec) -> DataFrame:
    """Adds the batch to the change log, each (key, sequence) once however often it arrives; the new log."""
    once = latest_per_key(changes, (*spec.keys, SEQUENCE))
    log = _create_if_missing(spark, log_uri, once.schema)
    payload = _payload_columns(once, spec)
    (
        log.alias("t")
        .merge(once.alias("s"), _match([*spec.keys, SEQUENCE]))
        .whenMatchedUpdateAll(condition=image_order(payload, "s") > image_order(payload, "t"))
        .whenNotMatchedInsertAll()
        .execute()
    )
    return spark.read.format("delta").load(log_uri)


def _affected_keys(changes: DataFrame, log: DataFrame, keys: Sequence[str], batch_truncate: int | None) -> DataFrame:
    """The keys whose history the batch can change: its own, and with a truncate, all keys logged before it."""
    keyed = F.col(OP) != TRUNCATE
    affected = changes.where(keyed).select(*keys)
    if batch_truncate is not None:
        affected = affected.unionByName(log.where(keyed & (F.col(SEQUENCE) < batch_truncate)).select(*keys))
    return affected.distinct()


def _create_if_missing(
    spark: SparkSession, uri: str, schema: StructType, partition_by: Sequence[str] = ()
) -> DeltaTable:
    partitioned = f" PARTITIONED BY ({', '.join(f'`{c}`' for c in partition_by)})" if partition_by else ""
    spark.sql(f"CREATE TABLE IF NOT EXISTS delta.`{uri}` ({schema.toDDL()}) USING DELTA{partitioned}")
    return DeltaTable.forPath(spark, uri)


def _in_partitions(values: Sequence[tuple], partition_by: Sequence[str]) -> Column:
    """The target's partitions the batch has rows for, as literals: Delta prunes the MERGE's scan only
    on literal predicates, not on the join condition."""
    if not values:
        return F.lit(False)
    return reduce(
        operator.or_,
        [
            reduce(operator.and_, [F.col(f"t.`{c}`").eqNullSafe(F.lit(v)) for c, v in zip(partition_by, row)])
            for row in values
        ],
    )


def _match(columns: Sequence[str]) -> Column:
    # Null-safe, so truncates (no key) in the change log match themselves.
    return reduce(operator.and_, [F.col(f"t.`{c}`").eqNullSafe(F.col(f"s.`{c}`")) for c in columns])


def _row(alias: str, columns: Sequence[str]) -> Column:
    return F.struct(*[F.col(f"{alias}.`{c}`") for c in columns])


def _values(alias: str, columns: Sequence[str]) -> dict[str, Column]:
    return {f"`{c}`": F.col(f"{alias}.`{c}`") for c in columns}


def _last_commit_stats(uri: str) -> MergeStats:
    last = last_commit(uri)
    # A MERGE of nothing into a table it just created commits nothing: the last commit is the creation.
    metrics = last.get("operationMetrics") or {}
    return MergeStats(
        version=last["version"],
        rows_inserted=int(metrics.get("numTargetRowsInserted", 0)),
        rows_updated=int(metrics.get("numTargetRowsUpdated", 0)),
        rows_deleted=int(metrics.get("numTargetRowsDeleted", 0)),
    )
