"""List the files of a landing-zone folder through Spark, so any Hadoop filesystem works."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession


@dataclass(frozen=True)
class LandedFile:
    path: str
    size: int
    modified_at: object  # datetime


def list_landed_files(spark: SparkSession, folder_uri: str, glob: str = "*") -> list[LandedFile]:
    """Files below `folder_uri` matching `glob`, oldest first.

    The binaryFile source only opens a file when its `content` column is selected, so this is a
    pure directory listing that works the same on local disk, S3 and ADLS.
    """
    try:
        listing = (
            spark.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .option("pathGlobFilter", glob)
            .load(folder_uri)
            .select("path", "length", "modificationTime")
            .collect()
        )
    except AnalysisException as exc:
        if "PATH_NOT_FOUND" in str(exc):
            return []
        raise
    files = [LandedFile(r["path"], r["length"], r["modificationTime"]) for r in listing]
    return sorted(files, key=lambda f: (f.modified_at, f.path))
