"""Read landing files of any supported format into one DataFrame, as received.

The result has the feed's payload columns, `_rescued_data` (the raw record or values that did not
fit) and `_source_file`. Files that cannot be read at all are returned with the reason instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.schema_alignment import RESCUED, align_to, with_fields

SOURCE_FILE = "_source_file"
_SEMI_STRUCTURED = ("json", "csv")


@dataclass
class LandingRead:
    df: DataFrame | None
    rejected: dict[str, str] = field(default_factory=dict)  # path -> reason


def read_landed(spark: SparkSession, feed: FileFeed, paths: list[str], target: StructType) -> LandingRead:
    """Read `paths` of `feed`, typed by `target` (the table's schema, or the feed's expected one)."""
    if not paths:
        return LandingRead(None)
    if feed.format == "binaryFile":
        return LandingRead(_read_binary(spark, paths))
    if feed.format == "csv":
        return _read_csv(spark, feed, paths, target)
    if feed.format == "json":
        return LandingRead(_read_json(spark, feed, paths, target))
    return _read_self_describing(spark, feed, paths, target)


def _reader(spark: SparkSession, feed: FileFeed):
    return spark.read.format(feed.format).options(**feed.reader_options)


def _with_source(df: DataFrame) -> DataFrame:
    return df.withColumn(SOURCE_FILE, F.col("_metadata.file_path"))


def _permissive(spark: SparkSession, feed: FileFeed, schema: StructType):
    """Parse leniently: a record that does not fit `schema` keeps its raw text in _rescued_data."""
    return (
        _reader(spark, feed)
        .schema(with_fields(schema, [StructField(RESCUED, StringType())]))
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", RESCUED)
    )


def _read_json(spark: SparkSession, feed: FileFeed, paths: list[str], target: StructType) -> DataFrame:
    # JSON parsing silently ignores fields missing from the schema, so find new top-level fields
    # first (one inference pass over the new files only) and add them to the read schema.
    inferred = _reader(spark, feed).json(paths).schema
    new_fields = [f for f in inferred.fields if f.name != "_corrupt_record"]
    return _with_source(_permissive(spark, feed, with_fields(target, new_fields)).json(paths))


def _read_csv(spark: SparkSession, feed: FileFeed, paths: list[str], target: StructType) -> LandingRead:
    # Spark maps CSV columns by position, so files with different headers are read separately, each
    # with a schema in its own header's order; columns missing from a file come back NULL.
    by_header: dict[tuple[str, ...], list[str]] = defaultdict(list)
    rejected: dict[str, str] = {}
    for path in paths:
        first = spark.read.text(path).first()
        header = tuple(c.strip().strip('"') for c in first["value"].split(",")) if first else ()
        if not header or not all(header):
            rejected[path] = "CSV file has no header row" if not header else f"CSV header has an empty column name: {first['value']!r}"
            continue
        by_header[header].append(path)
    known = {f.name.lower(): f for f in target.fields}
    frames = []
    for header, group in by_header.items():
        schema = StructType([known.get(c.lower(), StructField(c, StringType())) for c in header])
        raw = _permissive(spark, feed, schema).option("header", "true").option("enforceSchema", "true").csv(group)
        frames.append(_with_source(raw))
    return LandingRead(_union(frames), rejected)


def _read_self_describing(spark: SparkSession, feed: FileFeed, paths: list[str], target: StructType) -> LandingRead:
    """Parquet, ORC and Avro carry their schema: group files by it, then fit each group to `target`."""
    by_schema: dict[str, list[str]] = defaultdict(list)
    rejected: dict[str, str] = {}
    for path in paths:
        try:
            by_schema[_reader(spark, feed).load(path).schema.json()].append(path)
        except Exception as exc:  # a truncated file has no readable footer/header: record why
            rejected[path] = f"unreadable {feed.format} file: {describe_error(exc)}"
    frames = [_with_source(align_to(_reader(spark, feed).load(group), target)) for group in by_schema.values()]
    return LandingRead(_union(frames), rejected)


def _read_binary(spark: SparkSession, paths: list[str]) -> DataFrame:
    content = F.col("content")
    magic = F.hex(F.substring(content, 1, 4))
    content_type = (
        F.when(magic == "25504446", "application/pdf")
        .when(magic == "89504E47", "image/png")
        .when(F.substring(magic, 1, 6) == "FFD8FF", "image/jpeg")
        .otherwise("application/octet-stream")
    )
    return spark.read.format("binaryFile").load(paths).select(
        F.col("path").alias("file_path"),
        F.col("length").alias("size_bytes"),
        F.col("modificationTime").alias("modified_at"),
        F.sha2(content, 256).alias("sha256"),
        content_type.alias("content_type"),
        content,
        F.lit(None).cast(StringType()).alias(RESCUED),
        F.col("path").alias(SOURCE_FILE),
    )


def _union(frames: list[DataFrame]) -> DataFrame | None:
    if not frames:
        return None
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def describe_error(exc: BaseException) -> str:
    """One readable line for a read failure: the deepest JVM cause that says something, not Py4J's
    'An error occurred while calling o123.load'."""
    java = getattr(exc, "java_exception", None) or getattr(exc, "_origin", None)
    text = str(exc)
    while java is not None:
        message = java.getMessage()
        if message:
            text = f"{java.getClass().getSimpleName()}: {message}"
        java = java.getCause()
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__
