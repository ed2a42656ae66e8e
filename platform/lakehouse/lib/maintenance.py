"""Delta table maintenance: compaction (OPTIMIZE) and deletion of files no version needs (VACUUM).

Every incremental MERGE, append and quarantine write adds small files, and every rewrite leaves the
files it replaced on storage for time travel. Maintenance compacts each table's small files and then
deletes the files that no version within the retention references.

VACUUM must not delete what a consumer has still to read: a Silver table reads its sources' change
feed from the version after the one it recorded (`lakehouse.progress`), and a rebuild of some days
reads them as of that version. So a source keeps every file referenced since the oldest version any
consumer recorded, however long ago that was: its retention is raised to cover that version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse.lib.incremental import committed_progress
from lakehouse.lib.storage import filesystem_for, join_uri

NOT_TABLES = frozenset({"landing"})  # raw files as delivered, never Delta
# A version's commit time and the deletion times VACUUM compares with come from different clocks
# (the writers' and this run's): this much slack keeps a protected version whole.
CLOCK_SLACK_HOURS = 1


@dataclass(frozen=True)
class TableMaintenance:
    uri: str
    files_compacted: int  # small files OPTIMIZE replaced ...
    files_written: int  # ... by this many
    retained_hours: float
    protected_version: int | None  # the oldest version a consumer still reads on from


def delta_tables_under(root_uri: str) -> list[str]:
    """Every Delta table below the lake's root (any folder holding a `_delta_log`), without descending
    into tables or the landing zone: one listing per folder, also on object stores."""
    filesystem, root = filesystem_for(root_uri)
    tables = []

    def walk(path: str, parts: list[str]) -> None:
        folders = sorted(
            entry["name"].rstrip("/").rsplit("/", 1)[-1]
            for entry in filesystem.ls(path, detail=True)
            if entry["type"] == "directory"
        )
        if "_delta_log" in folders:
            tables.append(join_uri(root_uri, *parts))
            return
        for name in folders:
            if parts or name not in NOT_TABLES:
                walk(f"{path.rstrip('/')}/{name}", [*parts, name])

    if filesystem.exists(root):  # a lake nothing has written to yet has no tables
        walk(root, [])
    return tables


def oldest_recorded_versions(table_uris: list[str]) -> dict[str, int]:
    """Source table URI -> the oldest of its versions that a consumer among `table_uris` recorded."""
    oldest: dict[str, int] = {}
    for uri in table_uris:
        for source, version in committed_progress(uri).items():
            oldest[source] = min(version, oldest.get(source, version))
    return oldest


def maintain_table(
    spark: SparkSession, uri: str, retain_hours: float, protected_version: int | None
) -> TableMaintenance:
    """Compacts the table, then deletes the files no version younger than the retention references.

    The compaction commits with dataChange=false, so change-feed readers skip it and read on from the
    files it replaced, which VACUUM keeps for as long as a consumer may need them.
    """
    table = DeltaTable.forPath(spark, uri)
    [compaction] = (
        table.optimize().executeCompaction().select("metrics.numFilesRemoved", "metrics.numFilesAdded").collect()
    )
    hours = _retention_covering(table, protected_version, retain_hours)
    table.vacuum(hours)
    return TableMaintenance(uri, compaction.numFilesRemoved, compaction.numFilesAdded, hours, protected_version)


def _retention_covering(table: DeltaTable, version: int | None, retain_hours: float) -> float:
    """`retain_hours`, or longer: long enough that `version` and every later one stay readable."""
    if version is None:
        return retain_hours
    committed = table.history().where(F.col("version") == version).select("timestamp").collect()
    if not committed:  # its log entry has expired already: Delta can no longer read from it anyway
        return retain_hours
    # Spark hands timestamps to Python as naive local times.
    age = datetime.now(UTC) - committed[0].timestamp.astimezone(UTC)
    age_hours = age.total_seconds() / 3600
    return max(retain_hours, float(math.ceil(age_hours) + CLOCK_SLACK_HOURS))
