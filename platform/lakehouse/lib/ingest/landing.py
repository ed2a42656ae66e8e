"""List the files of a landing-zone folder through Spark's Hadoop filesystem, so any store works."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime, timezone

from pyspark.sql import SparkSession


@dataclass(frozen=True)
class LandedFile:
    path: str
    size: int
    modified_at: datetime | None


def list_landed_files(spark: SparkSession, folder_uri: str, glob: str = "*") -> list[LandedFile]:
    """Files below `folder_uri` whose name matches `glob`, oldest first.

    Hadoop's FileSystem is used rather than a Spark reader: readers skip empty files, and an empty
    file must be recorded as refused, not vanish. Hidden files (`.x`, `_x`: uploads in progress,
    markers) are skipped, as Spark's readers do.
    """
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder_uri)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return []
    files = []
    listing = fs.listFiles(path, True)
    while listing.hasNext():
        status = listing.next()
        name = status.getPath().getName()
        if name.startswith((".", "_")) or not fnmatch.fnmatch(name, glob):
            continue
        modified = datetime.fromtimestamp(status.getModificationTime() / 1000, tz=timezone.utc)
        files.append(LandedFile(status.getPath().toString(), status.getLen(), modified))
    return sorted(files, key=lambda f: (f.modified_at, f.path))
