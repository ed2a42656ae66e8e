"""Small Delta helpers shared by ingestion, the quality tables and the Silver tables."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import deltalake
import pyarrow as pa
import pyarrow.dataset as ds
from delta.tables import DeltaTable
from deltalake.exceptions import CommitFailedError
from pyarrow.fs import FSSpecHandler, PyFileSystem
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import NumericType, StringType, StructType

from lakehouse.lib.storage import filesystem_for

# The table property choosing the columns Delta keeps min/max statistics of (Spark and delta-rs honour it).
STATS_COLUMNS = "delta.dataSkippingStatsColumns"
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # an absolute file path in a Delta log (`file:/...`)


def read_delta_or_none(spark: SparkSession, uri: str) -> DataFrame | None:
    """The table at `uri`, or None before its first write."""
    if not DeltaTable.isDeltaTable(spark, uri):
        return None
    return spark.read.format("delta").load(uri)


def delta_dataset(uri: str) -> ds.Dataset:
    """The Delta table at `uri` (its current version) as a pyarrow dataset, a shallow clone's too.

    delta-rs joins every file path of the log to the table's folder, which breaks on the absolute paths
    a clone keeps to its source's files (delta-rs#3938, open). So a clone's files are opened where they
    are, with delta-rs's own schema, file format options and partition values.
    """
    dataset = deltalake.DeltaTable(uri).to_pyarrow_dataset()
    fragments = list(dataset.get_fragments())
    if not any(_URI_SCHEME.match(fragment.path) for fragment in fragments):
        return dataset
    filesystem, table_path = filesystem_for(uri)
    arrow_filesystem = PyFileSystem(FSSpecHandler(filesystem))

    def located(path: str) -> str:
        if _URI_SCHEME.match(path):  # as the log has it: URI-encoded
            return unquote(filesystem_for(path)[1])
        return f"{table_path.rstrip('/')}/{path}"

    located_fragments = [
        dataset.format.make_fragment(located(f.path), arrow_filesystem, partition_expression=f.partition_expression)
        for f in fragments
    ]
    return ds.FileSystemDataset(located_fragments, dataset.schema, dataset.format, arrow_filesystem)


def table_properties(uri: str) -> dict[str, str]:
    """A Delta table's properties ({} before its first commit).

    Read from the log with delta-rs in milliseconds, where Spark's DESCRIBE DETAIL runs a job that
    rebuilds the table's state: a second or more per table on every run.
    """
    if not deltalake.DeltaTable.is_deltatable(uri):
        return {}
    return dict(deltalake.DeltaTable(uri).metadata().configuration)


def last_commit(uri: str) -> dict:
    """The newest commit's info: `version`, `operation`, `operationMetrics` (values as Delta wrote them).

    From the log with delta-rs: Spark's `history()` runs a job for the same few bytes.
    """
    [commit] = deltalake.DeltaTable(uri).history(1)
    return commit


# Tables appended a few rows at a time (the event log, the quarantines) gain one small file per append,
# and delta-rs does not compact on its own: their appender does, every this many table versions.
COMPACT_EVERY = 100


def append_rows(uri: str, rows: pa.Table, **options: Any) -> None:
    """Appends `rows` with delta-rs (`options` go to `write_deltalake`): a commit in milliseconds.

    Every `COMPACT_EVERY` versions the table's small files are compacted, so a query opens a few files
    rather than one per append ever made, and files that compactions replaced longer ago than the
    table's retention (Delta's default: a week) are deleted.
    """
    deltalake.write_deltalake(uri, rows, mode="append", **options)
    table = deltalake.DeltaTable(uri)
    if table.version() % COMPACT_EVERY == 0:
        try:
            table.optimize.compact()
            table.vacuum(dry_run=False)
        except CommitFailedError:
            pass  # another writer committed in between; the rows are appended all the same, a later round compacts


def stats_columns_without_times(schema: StructType, prefix: str = "") -> str:
    """The numbers and texts, in structs too, as the table property choosing Delta's statistics wants them.

    Not dates and times: Bronze and the quarantines keep a time past the year 9999 as it arrived, and
    Delta writes it in the statistics in a form delta-rs cannot parse ("+248073-08-08"): it then fails
    to read the table or skips the file. (Binary, nested and boolean values have no statistics to skip by.)
    """
    names = []
    for f in schema.fields:
        name = prefix + "`" + f.name.replace("`", "``") + "`"
        if isinstance(f.dataType, StructType):
            names.append(stats_columns_without_times(f.dataType, f"{name}."))
        elif isinstance(f.dataType, (NumericType, StringType)):
            names.append(name)
    return ",".join(n for n in names if n)
