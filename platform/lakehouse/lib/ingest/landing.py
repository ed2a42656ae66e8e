"""The files of a landing-zone folder, listed and opened through Spark's Hadoop FileSystem (any store).

A file has two names: the URI Spark's `_metadata.file_path` gives (`file:/in/a%20b.json`), which the
ledger and Bronze's `_source_file` record, and Hadoop's path string (`file:/in/a b.json`), which readers
are given with glob characters escaped. Hidden files and folders are skipped, as Spark's readers do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark.sql import SparkSession

# Uploads in progress and markers: `.x`, `_x` (Spark's readers skip these) and Hadoop's `x._COPYING_`.
_HIDDEN_PREFIXES, _COPYING = (".", "_"), "._COPYING_"
# Hadoop expands these in path strings (globs); a backslash makes the next character literal.
_GLOB_CHARACTERS = re.compile(r"([\\\[\]{}*?])")


@dataclass(frozen=True)
class LandedFile:
    path: str  # the URI, as `_metadata.file_path` gives it
    size: int
    modified_at: datetime | None
    hadoop_path: str = ""  # Hadoop's path string; what ledgers before the URI form recorded

    @property
    def name(self) -> str:
        return self.hadoop_path.rsplit("/", 1)[-1]

    @property
    def read_path(self) -> str:
        """The path to give Spark's readers: Hadoop's, with glob characters escaped."""
        return _GLOB_CHARACTERS.sub(r"\\\1", self.hadoop_path)


def is_hidden(relative_path: str) -> bool:
    """Whether a file, by its path below the feed folder, is one readers skip."""
    parts = relative_path.split("/")
    return any(part.startswith(_HIDDEN_PREFIXES) for part in parts) or relative_path.endswith(_COPYING)


def list_landed_files(spark: SparkSession, folder_uri: str) -> list[LandedFile]:
    """Every file below `folder_uri` that is not hidden, oldest first.

    Hadoop's FileSystem is used rather than a Spark reader: readers skip empty files, and an empty
    file must be recorded as refused, not vanish.
    """
    jvm = spark.sparkContext._jvm
    folder = jvm.org.apache.hadoop.fs.Path(folder_uri)
    fs = folder.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(folder):
        return []
    depth = folder.depth()
    files = []
    listing = fs.listFiles(folder, True)
    while listing.hasNext():
        status = listing.next()
        hadoop_path = status.getPath().toString()
        if is_hidden("/".join(hadoop_path.split("/")[depth - status.getPath().depth() :])):
            continue
        # Re-parsed from the path string, the URI takes the `file:/` form Spark's readers report.
        uri = jvm.org.apache.hadoop.fs.Path(hadoop_path).toUri().toString()
        modified = datetime.fromtimestamp(status.getModificationTime() / 1000, tz=UTC)
        files.append(LandedFile(uri, status.getLen(), modified, hadoop_path))
    return sorted(files, key=lambda f: (f.modified_at, f.path))


def read_head(spark: SparkSession, uri: str, size: int) -> bytes:
    """The first `size` bytes of a file, decompressed by the codec Hadoop's readers would use."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(jvm.java.net.URI(uri))
    stream = path.getFileSystem(conf).open(path)
    try:
        codec = jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(conf).getCodec(path)
        if codec is not None:
            stream = codec.createInputStream(stream)
        return bytes(stream.readNBytes(size))
    finally:
        stream.close()
