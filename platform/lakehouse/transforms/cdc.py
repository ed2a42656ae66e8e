"""Change data capture: source change records as flat change rows, one per change of one key.

A flat change row is the row image (the payload columns) plus
  _op              'c' create, 'u' update, 'd' delete, 'r' snapshot read, 't' truncate (no key, no image)
  _sequence        the source's log position: it orders the changes, whatever order they arrive in
  _event_ts        when the source made the change
  _invalid_reason  NULL, or why the row cannot be applied (no key, no sequence, ...): quarantine those
A delete carries the image from before the change, so its key is known. Of two changes of one key with
the same sequence, the one with the greater image (`image_order`) wins, whichever arrived first.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from datetime import datetime
from functools import reduce

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

OP, SEQUENCE, EVENT_TS, INVALID_REASON = "_op", "_sequence", "_event_ts", "_invalid_reason"
SEQUENCE_CONFLICT = "_sequence_conflict"
CHANGE_COLUMNS = (OP, SEQUENCE, EVENT_TS)
CREATE, UPDATE, DELETE, READ, TRUNCATE = "c", "u", "d", "r", "t"
VALID_FROM, VALID_TO, IS_CURRENT = "valid_from", "valid_to", "is_current"


def flatten_debezium(envelopes: DataFrame, key_columns: Sequence[str]) -> DataFrame:
    """Flat change rows from Debezium envelopes (op, ts_ms, lsn, before, after); other columns are dropped."""
    return _flat_changes(
        envelopes,
        op=F.col("op"),
        before=F.col("before"),
        after=F.col("after"),
        sequence=F.col("lsn"),
        event_ts=timestamp_from_millis(F.col("ts_ms")),
        payload=envelopes.schema["after"].dataType.names,
        keys=key_columns,
    )


def timestamp_from_millis(millis: Column) -> Column:
    """Epoch milliseconds as a timestamp; NULL (no event time) beyond the years 1-9999, where
    `timestamp_millis` would overflow and fail the whole query."""
    return F.when(millis.between(_MIN_MILLIS, _MAX_MILLIS), F.timestamp_millis(millis))


_MIN_MILLIS, _MAX_MILLIS = -62_135_596_800_000, 253_402_300_799_999


def snapshot_changes(
    previous: DataFrame | None,
    current: DataFrame,
    keys: Sequence[str],
    sequence: int | Column,
    event_ts: datetime | Column,
) -> DataFrame:
    """Flat change rows from two full extracts of one table (None for the first extract).

    Keys only in `current` are creates, keys in both whose other columns differ are updates, keys only in
    `previous` are deletes (with the previous image). Every change gets the extract's sequence and time
    (values, or expressions constant over the extract): an extract only shows that a row changed since
    the previous one, not when.
    """
    if previous is None:
        previous = current.limit(0)
    # Rows without a key were already reported as invalid when `previous` was the current extract.
    old = _keyed_images(previous.where(_has_keys([F.col(k) for k in keys])), keys, current.columns).alias("old")
    new = _keyed_images(current, keys, current.columns).alias("new")
    op = (
        F.when(F.col("new.image").isNull(), DELETE)
        .when(F.col("old.image").isNull(), CREATE)
        .when(F.col("old.hash") != F.col("new.hash"), UPDATE)
    )
    changed = old.join(new, F.col("old.key") == F.col("new.key"), "full_outer").where(op.isNotNull())
    return _flat_changes(
        changed,
        op=op,
        before=F.col("old.image"),
        after=F.col("new.image"),
        sequence=F.lit(sequence),
        event_ts=F.lit(event_ts),
        payload=current.columns,
        keys=keys,
    )


def row_changes(
    df: DataFrame, keys: Sequence[str], payload: Sequence[str], *, op: Column, sequence: Column, event_ts: Column
) -> DataFrame:
    """Flat change rows from a source whose rows are the change records themselves (one image per row)."""
    image = F.struct(*payload)
    return _flat_changes(
        df, op=op, before=image, after=image, sequence=sequence, event_ts=event_ts, payload=payload, keys=keys
    )


def split_invalid(changes: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(rows to apply, without the flag column; rows to quarantine, with their reason)."""
    invalid = F.col(INVALID_REASON).isNotNull()
    return changes.where(~invalid).drop(INVALID_REASON), changes.where(invalid)


def image_order(payload: Sequence[str], table: str | None = None) -> Column:
    """Ranks the images of changes with equal sequences: the greater one wins, in a batch and across
    batches (the MERGE compares a table's row with the batch's by the same value)."""
    prefix = f"{table}." if table else ""
    return F.to_json(F.struct(*[F.col(f"{prefix}{c}").alias(c) for c in payload]))


def latest_per_key(changes: DataFrame, keys: Sequence[str]) -> DataFrame:
    """The last change of each key by sequence.

    Changes with equal sequences are ranked by their image, then by their whole row, so the pick does
    not depend on the order they arrived in, and exact duplicates collapse into one.
    """
    payload = [c for c in changes.columns if c not in (*CHANGE_COLUMNS, INVALID_REASON, SEQUENCE_CONFLICT)]
    newest_first = Window.partitionBy(*keys).orderBy(
        F.col(SEQUENCE).desc(), image_order(payload).desc(), F.to_json(F.struct(*changes.columns)).desc()
    )
    return changes.withColumn("_rank", F.row_number().over(newest_first)).where("_rank = 1").drop("_rank")


def flag_sequence_conflicts(changes: DataFrame, keys: Sequence[str]) -> DataFrame:
    """`changes` with `_sequence_conflict`: true on a change whose key and sequence another change with
    different content shares (a source that reused a sequence); `latest_per_key` picks among them."""
    content = F.xxhash64(*[c for c in changes.columns if c not in (SEQUENCE, INVALID_REASON)])
    same_change = Window.partitionBy(*keys, SEQUENCE)
    conflict = (F.col(OP) != TRUNCATE) & (F.min(content).over(same_change) != F.max(content).over(same_change))
    return changes.withColumn(SEQUENCE_CONFLICT, F.coalesce(conflict, F.lit(False)))


def history_of(changes: DataFrame, keys: Sequence[str], tracked_columns: Sequence[str]) -> DataFrame:
    """SCD2 versions of every key in `changes`, from all of its changes (one per key and sequence).

    A version opens at a create, or at an update that changes a tracked column; it is valid from that
    change's `_event_ts` until the next version opens or the key is deleted (`valid_to` NULL while
    current). An update of untracked columns only overwrites them in the version it falls in. A truncate
    deletes every key at its sequence. `_sequence` of a version is the sequence of its opening change.
    """
    keyed = changes.where(F.col(OP) != TRUNCATE)
    truncates = changes.where(F.col(OP) == TRUNCATE).select(SEQUENCE, EVENT_TS, F.lit(DELETE).alias(OP))
    events = keyed.unionByName(keyed.select(*keys).distinct().crossJoin(truncates), allowMissingColumns=True)

    in_order = Window.partitionBy(*keys).orderBy(SEQUENCE)
    so_far = in_order.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    live, tracked = F.col(OP) != DELETE, F.struct(*tracked_columns)
    continues = F.lag(live).over(in_order) & F.lag(tracked).over(in_order).eqNullSafe(tracked)
    payload = [c for c in changes.columns if c not in CHANGE_COLUMNS]
    versions = (
        events.withColumn("_opens", live & ~F.coalesce(continues, F.lit(False)))
        .withColumn("_version", F.last(F.when(F.col("_opens"), F.col(SEQUENCE)), ignorenulls=True).over(so_far))
        # The change after a version's last one is the next version's opening or a delete: it closes it.
        .withColumn("_closed_at", F.lead(EVENT_TS).over(in_order))
        .where(live)
        .groupBy(*keys, "_version")
        .agg(
            F.max_by(F.struct(*payload), SEQUENCE).alias("_image"),
            F.min_by(EVENT_TS, SEQUENCE).alias(VALID_FROM),
            F.max_by("_closed_at", SEQUENCE).alias(VALID_TO),
        )
    )
    return versions.select(
        "_image.*",
        VALID_FROM,
        VALID_TO,
        F.col(VALID_TO).isNull().alias(IS_CURRENT),
        F.col("_version").alias(SEQUENCE),
    )


def _flat_changes(
    df: DataFrame,
    *,
    op: Column,
    before: Column,
    after: Column,
    sequence: Column,
    event_ts: Column,
    payload: Sequence[str],
    keys: Sequence[str],
) -> DataFrame:
    missing = [k for k in keys if k not in payload]
    if missing:
        raise ValueError(f"key columns {missing} are not in the row image {list(payload)}")
    image = F.when(op == DELETE, before).otherwise(after)
    invalid_reason = (
        F.when(
            ~F.coalesce(op.isin(CREATE, UPDATE, DELETE, READ, TRUNCATE), F.lit(False)),
            F.concat(F.lit("unknown op: "), F.coalesce(op, F.lit("NULL"))),
        )
        .when(sequence.isNull(), "no sequence")
        .when(event_ts.isNull(), "no event time")
        .when((op != TRUNCATE) & ~_has_keys([image[k] for k in keys]), "no key")
    )
    return df.select(
        *[image[c].alias(c) for c in payload],
        op.alias(OP),
        sequence.cast("bigint").alias(SEQUENCE),
        event_ts.alias(EVENT_TS),
        invalid_reason.alias(INVALID_REASON),
    )


def _keyed_images(df: DataFrame, keys: Sequence[str], payload: Sequence[str]) -> DataFrame:
    values = [c for c in payload if c not in keys]
    # to_json keeps the field names, so a NULL moving from one column to another still changes the hash.
    return df.select(
        F.struct(*keys).alias("key"),
        F.struct(*payload).alias("image"),
        F.sha2(F.to_json(F.struct(*values)), 256).alias("hash"),
    )


def _has_keys(keys: Sequence[Column]) -> Column:
    return reduce(operator.and_, [key.isNotNull() for key in keys])
