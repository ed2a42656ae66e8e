"""The Silver table pattern: Bronze increments -> change rows -> expectations -> idempotent MERGE.

A step reads what its Bronze sources added since the versions recorded on its tables (Change Data Feed),
derives change rows with a pure transformation, quarantines or drops what breaks the rules, and applies
the rest with Delta MERGE (SCD1 or SCD2); a run over days replaces just those partitions. The README
("Silver") says how it stays exactly-once through crashes and why some tables share a step.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial

import dagster as dg
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from lakehouse.lib.cdc_merge import (
    BatchSummary,
    ChangeSpec,
    MergeStats,
    RewriteStats,
    apply_scd1,
    apply_scd2,
    replace_scd1_partitions,
)
from lakehouse.lib.compute.step import DaysApplied, Materialized, StepRun
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.incremental import (
    NOT_WRITTEN,
    Increment,
    committed_progress,
    forget_progress,
    read_as_of,
    read_increment,
    read_not_written,
    record_progress,
)
from lakehouse.lib.layers import silver_key, table_name
from lakehouse.lib.partitions import DAYS_APPLIED, days_applied, days_predicate, describe_days
from lakehouse.lib.quality.contract_rules import contract_rules, plausible_time
from lakehouse.lib.quality.contracts import Contract, column_schema, spark_schema, table_keys
from lakehouse.lib.quality.event_log import TableEvent, append_event, event_log_uri
from lakehouse.lib.quality.expectations import Evaluation, Expectation, evaluate
from lakehouse.lib.quality.quarantine import append_quarantine, quarantine_uri, replace_quarantine
from lakehouse.lib.spark.threads import side_by_side
from lakehouse.lib.storage import LakehouseStorage, exists, join_uri
from lakehouse.transforms.cdc import (
    CHANGE_COLUMNS,
    EVENT_TS,
    INVALID_REASON,
    SEQUENCE_CONFLICT,
    flag_sequence_conflicts,
)

# Columns the MERGE adds to the payload; the contract lists them, the transformation does not.
MERGE_COLUMNS = ("is_deleted", "valid_from", "valid_to", "is_current", "_sequence", "_event_ts")
# The rules every Silver table has, besides its contract's and its own.
BUILT_IN_RULES = (
    Expectation(
        "applicable_change",
        f"{INVALID_REASON} IS NULL",
        "quarantine",
        "a change needs a key, a sequence and a known op",
    ),
    Expectation(
        "plausible_event_time",
        plausible_time(EVENT_TS),
        "quarantine",
        "the source's change time lies between 1900 and a day after the run",
    ),
    Expectation(
        "unambiguous_sequence",
        f"NOT {SEQUENCE_CONFLICT}",
        "warn",
        "no other change of the key has the same sequence and other content (the greater image wins)",
    ),
)


# The schema of a source table, for reading one that does not exist yet as empty.
SourceSchema = Callable[[dg.AssetKey], StructType]


@dataclass(frozen=True)
class SilverTable:
    name: str
    description: str
    contract: Contract
    sources: Mapping[str, dg.AssetKey]  # argument name of `changes` -> Bronze (or Silver) asset it reads increments of
    changes: Callable[..., DataFrame]  # pure: Bronze increments (and lookups) by argument name -> change rows
    lookups: Mapping[str, dg.AssetKey] = field(default_factory=dict)  # whole tables `changes` also reads
    expectations: Sequence[Expectation] = ()
    history_of: Sequence[str] = field(default=())  # SCD2 tracked columns; empty: SCD1 current state
    change_keys: Sequence[str] = field(default=())  # the entity key, when the table key differs (SCD2)
    partition_by: Sequence[str] = field(default=())  # SCD1 only; fixed per key (see cdc_merge.ChangeSpec)
    # Days of `partition_by[0]` (a date): a run over some days rebuilds just those (lakehouse.lib.partitions).
    partitions_def: dg.TimeWindowPartitionsDefinition | None = None
    # Tables naming the same step are built by one step (`silver_steps`); empty: a step of its own.
    step: str = ""

    @property
    def key(self) -> dg.AssetKey:
        return silver_key(self.name)

    @property
    def day_column(self) -> str | None:
        """The date column of a day-partitioned table; None otherwise."""
        return self.partition_by[0] if self.partitions_def else None

    @property
    def payload(self) -> list[str]:
        return [f.name for f in spark_schema(self.contract).fields if f.name not in MERGE_COLUMNS]


def silver_steps(tables: Iterable[SilverTable]) -> dict[str, tuple[SilverTable, ...]]:
    """`tables` grouped into the steps that build them, by step name: tables derived alike
    (`shared_derivations`) always together, and with them the tables that name the same `step`. A
    step no table names is named after its first table."""
    steps: dict[str, list[SilverTable]] = {}
    for derived_alike in shared_derivations(tables):
        if any(_rules(t, t.payload) != _rules(derived_alike[0], t.payload) for t in derived_alike):
            raise ValueError(
                f"{', '.join(_name(t) for t in derived_alike)} are derived alike, so their changes are "
                "judged once: their contracts must give their payload the same rules"
            )
        names = {t.step for t in derived_alike}
        if len(names) > 1:
            raise ValueError(
                f"{', '.join(_name(t) for t in derived_alike)} are derived alike: one step builds them, "
                f"but they name the steps {sorted(names)}"
            )
        steps.setdefault(names.pop() or derived_alike[0].name, []).extend(derived_alike)
    for name, step in steps.items():
        if any(t.partitions_def != step[0].partitions_def for t in step):
            raise ValueError(f"step {name!r}: the tables of a step must be partitioned alike")
    return {name: tuple(step) for name, step in steps.items()}


def shared_derivations(tables: Iterable[SilverTable]) -> list[tuple[SilverTable, ...]]:
    """`tables` grouped by derivation: tables built from the same sources by the same transformation and
    expectations (a current state and its history, say), whose changes are derived once."""
    groups: list[list[SilverTable]] = []
    for table in tables:
        same = next((g for g in groups if _derivation(g[0]) == _derivation(table)), None)
        if same:
            same.append(table)
        else:
            groups.append([table])
    return [tuple(g) for g in groups]


def _derivation(table: SilverTable) -> tuple:
    # Partitioned alike too: the evaluation lists the batch's partitions for all of them.
    return (
        dict(table.sources),
        table.changes,
        dict(table.lookups),
        list(table.expectations),
        table.partitions_def,
        tuple(table.partition_by),
    )


@dataclass(frozen=True)
class _Batch:
    """The changes of tables derived alike, from the same source versions, evaluated and written to each."""

    evaluation: Evaluation
    increments: Mapping[str, Increment]
    started: datetime
    writes: Sequence[tuple[SilverTable, Future]]  # each table's `_write`, finished


def materialize_silver(
    spark: SparkSession, run: StepRun, tables: Sequence[SilverTable], source_schema: SourceSchema
) -> Iterator[Materialized | DaysApplied]:
    """Materializes the `tables` of one step (see `silver_steps`): the Spark step of its asset. Tables
    derived alike that have folded in the same source versions (normally all) read, derive and evaluate
    their changes once, as one batch; the batches are built side by side, then reported."""
    storage, days, full_refresh = run.resources["storage"], run.days, run.config.get("full_refresh", False)
    if days and full_refresh:
        raise dg.Failure(
            f"{', '.join(_name(t) for t in tables)}: a run over days rebuilds them from Bronze "
            "already; full_refresh is for unpartitioned runs"
        )
    batches: list[tuple[list[SilverTable], dict[str, int]]] = []
    for derived_alike in shared_derivations(tables):
        by_progress: dict[tuple, list[SilverTable]] = {}
        for table in derived_alike:
            progress = {} if full_refresh else committed_progress(storage.table_uri(table.key))
            by_progress.setdefault(tuple(sorted(progress.items())), []).append(table)
        batches += [(same, dict(progress)) for progress, same in by_progress.items()]
    started = datetime.now(UTC)
    built = side_by_side(
        spark,
        [
            partial(_build, spark, storage, source_schema, same, progress, days, full_refresh)
            for same, progress in batches
        ],
    )
    failures: list[tuple[SilverTable, Evaluation | None, BaseException]] = []
    for (same, _), batch in zip(batches, built):
        if batch.exception():  # the other batches' tables committed: they are reported all the same
            failures += [(table, None, batch.exception()) for table in same]
            continue
        for table, write in batch.result().writes:
            if write.exception():
                failures.append((table, batch.result().evaluation, write.exception()))
            else:
                yield from _report(run, storage, table, batch.result(), days, *write.result())
    for table, evaluation, failure in failures:
        # The event log shows the failed write too, with the rows it held back and why.
        append_event(
            event_log_uri(storage),
            TableEvent.from_evaluation(
                evaluation,
                table=_name(table),
                run_id=run.run_id,
                delta_version=None,
                started_at=started,
                finished_at=datetime.now(UTC),
                error=_first_line(failure),
            ),
        )
        if len(tables) > 1:  # which of the step's tables failed: the others are written
            run.log.error(f"{_name(table)}: not written: {failure}")
    if failures:
        raise failures[0][2]


def _build(
    spark: SparkSession,
    storage: LakehouseStorage,
    source_schema: SourceSchema,
    tables: Sequence[SilverTable],
    progress: Mapping[str, int],
    days: tuple[date, date] | None,
    full_refresh: bool,
) -> _Batch:
    """Reads, derives and evaluates the changes of `tables` (derived alike, same progress), then writes
    them to each table, side by side."""
    started = datetime.now(UTC)
    derivation = tables[0]  # they all have its sources, transformation and expectations
    # A run over days reads its sources as far as the incremental runs have: rows Bronze added since
    # are the next incremental run's to apply (and to quarantine, once).
    read = read_as_of if days else read_increment

    def source(key: dg.AssetKey, version: int | None) -> Increment:
        uri = storage.table_uri(key)
        # Not written yet: its feed delivered nothing so far, or no broker is configured. A table that
        # exists and cannot be read is an error, not an empty source.
        return read(spark, uri, version) if exists(uri) else read_not_written(spark, uri, source_schema(key))

    increments = {name: source(key, progress.get(storage.table_uri(key))) for name, key in derivation.sources.items()}
    lookups = {name: source(key, None).rows for name, key in derivation.lookups.items()}
    changes = derivation.changes(**{name: inc.rows for name, inc in increments.items()}, **lookups)
    rewritten = days_predicate(derivation.day_column, days) if days else None
    if rewritten:
        changes = changes.where(rewritten)
    names = " and ".join(_name(t) for t in tables)
    spec = _change_spec(derivation)
    changes = flag_sequence_conflicts(changes, spec.keys)
    with evaluate(
        changes, _rules(derivation, changes.columns), spec.keys, names, kept_aggregates=BatchSummary.aggregates(spec)
    ) as evaluation:
        if not evaluation.identity_holds:  # checked before anything is written
            raise dg.Failure(f"{names}: rows in != out + dropped + quarantined: {evaluation.metadata()}")
        summary = BatchSummary.of(evaluation.kept_aggregates)
        # The tables are independent Delta tables: their writes go side by side (see the module's notes).
        writes = side_by_side(
            spark,
            [
                partial(_write, spark, storage, table, evaluation, summary, increments, rewritten, full_refresh)
                for table in tables
            ],
        )
    return _Batch(evaluation, increments, started, list(zip(tables, writes)))


def _rules(table: SilverTable, columns: Sequence[str]) -> list[Expectation]:
    """The rules of the changes of `table` (and of the tables derived alike, which have the same rules):
    built in, its contract's for the payload columns the changes have, and its own."""
    payload = [c for c in table.payload if c in columns]
    return [*BUILT_IN_RULES, *contract_rules(table.contract, payload), *table.expectations]


def _write(
    spark: SparkSession,
    storage: LakehouseStorage,
    table: SilverTable,
    evaluation: Evaluation,
    summary: BatchSummary,
    increments: Mapping[str, Increment],
    rewritten: str | None,
    full_refresh: bool,
) -> tuple[MergeStats | RewriteStats | None, datetime]:
    """Quarantines, applies and records the progress of one table's share of an evaluated batch; what
    the write committed, and when it finished."""
    target = storage.table_uri(table.key)
    if all(inc.from_version is None for inc in increments.values()):
        # Every row of the sources is judged again (a first or full run, or a rebuild of some days):
        # their quarantined rows replace the ones held.
        replace_quarantine(evaluation, quarantine_uri(storage, table.key), where=rewritten)
    else:
        append_quarantine(
            evaluation,
            quarantine_uri(storage, table.key),
            batch=_name(table),
            batch_version=_batch_version(increments.values()),
        )
    kept = evaluation.kept.select(*table.payload, *CHANGE_COLUMNS)
    if rewritten:
        stats = replace_scd1_partitions(spark, target, kept, _change_spec(table), rewritten)
    elif evaluation.rows_out or full_refresh or not DeltaTable.isDeltaTable(spark, target):
        # A first run creates the table even when nothing of its sources is applicable yet.
        stats = _apply(spark, storage, table, target, kept, summary, full_refresh)
    else:
        stats = None
    if not rewritten:
        # A rebuild of some days applied only those days: the next unpartitioned run still applies
        # everything added since the last one (idempotently).
        record_progress(spark, target, list(increments.values()))
    return stats, datetime.now(UTC)


def _report(
    run: StepRun,
    storage: LakehouseStorage,
    table: SilverTable,
    batch: _Batch,
    days: tuple[date, date] | None,
    stats: MergeStats | RewriteStats | None,
    finished: datetime,
) -> Iterator[Materialized | DaysApplied]:
    """The event-log row and the materialization of one table's write of `batch` (after the days it
    applied: a check reads them from the table's newest materialization)."""
    evaluation, increments = batch.evaluation, batch.increments
    target = storage.table_uri(table.key)
    applied_days = None if days else _days_applied(table, stats)
    if applied_days:
        yield _days_in_partitions(table, applied_days)
    append_event(
        event_log_uri(storage),
        TableEvent.from_evaluation(
            evaluation,
            table=_name(table),
            run_id=run.run_id,
            delta_version=stats.version if stats else None,
            started_at=batch.started,
            finished_at=finished,
        ),
    )
    sources = {f"source/{name}": _describe_read(inc) for name, inc in increments.items()}
    yield Materialized(
        table.key,
        {
            **delta_table_metadata(target, table_name=_name(table)),
            "dagster/column_schema": column_schema(table.contract),
            **evaluation.metadata(),
            **sources,
            **_write_metadata(stats, days),
            **({} if applied_days is None else {DAYS_APPLIED: dg.MetadataValue.json(applied_days)}),
        },
    )


def _describe_read(increment: Increment) -> str:
    if increment.to_version == NOT_WRITTEN:
        return "not written yet (read as empty)"
    if increment.from_version is None:
        return f"full at v{increment.to_version}"
    return f"v{increment.from_version}..v{increment.to_version}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:500]


def _name(table: SilverTable) -> str:
    return table_name(table.key)


def _days_applied(table: SilverTable, stats: MergeStats | None) -> list[str] | None:
    """The days an unpartitioned run of a day-partitioned table applied rows to (its checks validate
    those); None for a table without days."""
    if not table.day_column:
        return None
    # The MERGE listed the batch's days already, to prune its scan to them.
    return days_applied(day for (day,) in stats.batch_partitions) if stats else []


def _days_in_partitions(table: SilverTable, days: list[str | None]) -> DaysApplied:
    """The days an unpartitioned run applied rows to that are days of the table's partitions (rows before
    the first day are in the table all the same), each to be recorded as a materialization of that day."""
    day_keys = set(table.partitions_def.get_partition_keys())
    # The column schema too: Dagster's schema-change check compares the newest two materializations.
    metadata = {"applied_by": "incremental run", "dagster/column_schema": column_schema(table.contract)}
    return DaysApplied(table.key, [day for day in days if day in day_keys], metadata)


def _change_spec(table: SilverTable) -> ChangeSpec:
    return ChangeSpec(tuple(table.change_keys or table_keys(table.contract)), tuple(table.partition_by))


def _apply(
    spark, storage, table: SilverTable, target: str, kept: DataFrame, summary: BatchSummary, full_refresh: bool
) -> MergeStats:
    spec = _change_spec(table)
    log_uri = join_uri(storage.system_uri("change_log"), *table.key.path)
    if full_refresh:
        # A full refresh rebuilds from Bronze: the tables keep their Delta history, their rows are replaced.
        # The progress goes first: should the rebuild die after the delete, the next run, incremental
        # or not, reads all of Bronze again instead of only what Bronze added.
        if DeltaTable.isDeltaTable(spark, target):
            forget_progress(spark, target)
        for uri in (target, log_uri):
            if DeltaTable.isDeltaTable(spark, uri):
                DeltaTable.forPath(spark, uri).delete()
    if table.history_of:
        return apply_scd2(spark, target, kept, spec, table.history_of, log_uri=log_uri, summary=summary)
    return apply_scd1(spark, target, kept, spec, summary)


def _batch_version(increments: Iterable[Increment]) -> int:
    """Grows with every new batch: also when a source table appears at version 0 and the others
    have nothing new (hence the +1 per source)."""
    return sum(inc.to_version + 1 for inc in increments)


def _write_metadata(stats: MergeStats | RewriteStats | None, days: tuple[date, date] | None) -> dict:
    if isinstance(stats, RewriteStats):
        return {
            "partitions/rewritten": describe_days(days),
            "partitions/rows_written": stats.rows_written,
            "partitions/files_replaced": stats.files_replaced,
        }
    if stats is None:
        return {"merge": "nothing new to apply"}
    return {
        "merge/rows_inserted": stats.rows_inserted,
        "merge/rows_updated": stats.rows_updated,
        "merge/rows_deleted": stats.rows_deleted,
    }
