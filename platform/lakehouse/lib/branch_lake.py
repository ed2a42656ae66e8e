"""A branch deployment's lake, made from production's without copying it: every Delta table a shallow
clone (a log of its own naming production's files), the stream checkpoints copied (a few small files),
consumers' progress carried over; and dropped, whole, when the branch closes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import deltalake
from pyspark.sql import SparkSession

from lakehouse.lib.incremental import committed_progress, set_progress
from lakehouse.lib.maintenance import delta_tables_under
from lakehouse.lib.storage import exists, filesystem_for, join_uri, write_bytes

# Production's own run history: a branch keeps its own, from empty.
RUN_HISTORY = ("_system/table_events", "_system/run_failures")
CHECKPOINTS = "_system/checkpoints"  # Structured Streaming's: where each topic's stream has got to
RECORD = "_system/branch_lake.json"  # what was cloned from where, at which versions


@dataclass(frozen=True)
class ClonedTable:
    table: str  # its path below either root, e.g. silver/orders
    production_version: int


def clone_record(branch_root: str) -> dict[str, int]:
    """Table -> the production version it was cloned at; {} before the first clone."""
    uri = join_uri(branch_root, RECORD)
    if not exists(uri):
        return {}
    filesystem, path = filesystem_for(uri)
    return json.loads(filesystem.cat_file(path))["tables"]


def clone_production(spark: SparkSession, production_root: str, branch_root: str) -> list[ClonedTable]:
    """Clones every production table the branch lake does not have yet (so a second run adds only new
    tables and never resets one the branch has changed), and returns the tables it cloned."""
    record = clone_record(branch_root)
    cloned = []
    for source in delta_tables_under(production_root):
        table = source.removeprefix(production_root.rstrip("/")).strip("/")
        if table in record or table.startswith(RUN_HISTORY):
            continue
        version = deltalake.DeltaTable(source).version()
        target = join_uri(branch_root, table)
        spark.sql(f"CREATE TABLE IF NOT EXISTS delta.`{target}` SHALLOW CLONE delta.`{source}` VERSION AS OF {version}")
        cloned.append(ClonedTable(table, version))
    record |= {c.table: c.production_version for c in cloned}
    for clone in cloned:
        _carry_over_progress(spark, production_root, branch_root, clone.table, record)
    _copy_checkpoints(production_root, branch_root)
    write_bytes(
        join_uri(branch_root, RECORD), json.dumps({"production_root": production_root, "tables": record}).encode()
    )
    return cloned


def _carry_over_progress(
    spark: SparkSession, production_root: str, branch_root: str, table: str, record: dict[str, int]
) -> None:
    """A clone's version 0 is its source as of the cloned version: a consumer that had read a source up
    to exactly that version reads the source's clone on from 0. Any other source it reads whole again
    (consumers fold their sources in idempotently), as the changes in between are production's only."""
    target = join_uri(branch_root, table)
    progress = committed_progress(target)
    if not progress:
        return
    carried = {}
    for source_uri, version in progress.items():
        source = source_uri.removeprefix(production_root.rstrip("/")).strip("/")
        if source != source_uri and record.get(source) == version:
            carried[join_uri(branch_root, source)] = 0
    set_progress(spark, target, carried)


def _copy_checkpoints(production_root: str, branch_root: str) -> None:
    source, target = join_uri(production_root, CHECKPOINTS), join_uri(branch_root, CHECKPOINTS)
    if exists(source) and not exists(target):
        filesystem, source_path = filesystem_for(source)
        filesystem.copy(source_path, filesystem_for(target)[1], recursive=True)


def drop_branch_lake(branch_root: str) -> bool:
    """Deletes the branch lake, files and clones; True if there was one."""
    filesystem, path = filesystem_for(branch_root)
    if not filesystem.exists(path):
        return False
    filesystem.rm(path, recursive=True)
    return True
