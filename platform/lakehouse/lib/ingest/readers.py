"""Read landing files of any supported format into one DataFrame, fitted to the table's schema.

The result has the payload columns, `_rescued_data` (the raw record, or the values that did not fit)
and `_source_file` (the file's URI, as the ledger records it). Text files are decoded by their encoding.
Files that cannot be read at all are returned with the reason instead.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from lakehouse.lib.ingest.encodings import file_encoding
from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.landing import LandedFile
from lakehouse.lib.ingest.schema_alignment import align_to, evolved, with_fields, with_variant_strings
from lakehouse.transforms.bronze_columns import RESCUED, SOURCE_FILE

# RFC 4180: a quoted field may hold line breaks (one record, several lines) and doubled quotes.
_CSV_OPTIONS = {"header": "true", "multiLine": "true", "escape": '"'}
# Spark's CSV reader with no quoting and NUL as the delimiter: one row of decoded text per line.
_LINES_OPTIONS = {"multiLine": "true", "sep": "\u0000", "quote": "", "escape": "", "header": "false"}
_ENCODING_OPTIONS = ("encoding", "charset")
_OBJECT_LIKE_TEXT = "lakehouse: a declared text starts like a JSON object or array"
Frames = tuple[list[DataFrame], dict[str, str]]  # one DataFrame per way of reading, and the files refused


@dataclass
class LandingRead:
    df: DataFrame | None
    rejected: dict[str, str] = field(default_factory=dict)  # file URI -> reason


def read_landed(
    spark: SparkSession, feed: FileFeed, files: list[LandedFile], target: StructType, *, variant_texts: bool = False
) -> LandingRead:
    """Read `files` of `feed`, typed by `target` (the table's schema, or the feed's expected one).

    JSON's declared texts are read as text, where an object or array comes as its JSON: a row where one
    starts like that (`{`, `[`) fails the job reading it (`aborted_on_object_like_text`). Read again with
    `variant_texts`, they are read as VARIANT, which tells an object from a text that looks like one, but
    doubles the cost of parsing a clickstream file.
    """
    if not files:
        return LandingRead(None)
    if feed.format == "binaryFile":
        return LandingRead(_read_binary(spark, files))
    if feed.format == "json":
        frames, rejected = _read_json(spark, feed, files, target, variant_texts)
    else:
        frames, rejected = (_read_csv if feed.format == "csv" else _read_self_describing)(spark, feed, files, target)
    schema = evolved(target, [frame.schema for frame in frames])
    return LandingRead(_union([align_to(frame, schema) for frame in frames]), rejected)


def aborted_on_object_like_text(exc: BaseException) -> bool:
    return _OBJECT_LIKE_TEXT in str(exc)


def _reader(spark: SparkSession, feed: FileFeed, encoding: str | None = None) -> DataFrameReader:
    """The feed's reader; its own options win over ours, its encoding is given as `encoding`."""
    reader = spark.read.format(feed.format).options(**(_CSV_OPTIONS if feed.format == "csv" else {}))
    reader = reader.options(**{k: v for k, v in feed.reader_options.items() if k not in _ENCODING_OPTIONS})
    return reader.option("encoding", encoding) if encoding else reader


def _permissive(reader: DataFrameReader, schema: StructType) -> DataFrameReader:
    """Parse leniently: a record that does not fit `schema` keeps its raw text in _rescued_data."""
    return (
        reader.schema(with_fields(schema, [StructField(RESCUED, StringType())]))
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", RESCUED)
    )


def _with_source(df: DataFrame, source: Column | None = None) -> DataFrame:
    return df.withColumn(SOURCE_FILE, F.col("_metadata.file_path") if source is None else source)


def _read_json(
    spark: SparkSession, feed: FileFeed, files: list[LandedFile], target: StructType, variant_texts: bool
) -> Frames:
    sources, rejected = _json_sources(spark, feed, files)
    # JSON parsing silently ignores fields missing from the schema, so find new top-level fields
    # first (one inference pass over the new files only) and add them to the read schema.
    inferred = [f for source, _ in sources for f in _reader(spark, feed).json(source).schema.fields]
    declared = with_variant_strings(target) if variant_texts else target
    schema = with_fields(declared, [f for f in inferred if f.name != "_corrupt_record"])
    frames = [_with_source(_permissive(_reader(spark, feed), schema).json(source), path) for source, path in sources]
    if not variant_texts:
        frames = [_abort_on_object_like_text(frame, target) for frame in frames]
    return frames, rejected


def _abort_on_object_like_text(df: DataFrame, target: StructType) -> DataFrame:
    """`df`, failing the job that reads it at a row where a declared text starts like an object or array."""
    looks_nested = [text.startswith("{") | text.startswith("[") for text in _texts(target)]
    if not looks_nested:
        return df
    return df.where(F.when(reduce(operator.or_, looks_nested), F.raise_error(F.lit(_OBJECT_LIKE_TEXT))).isNull())


def _texts(schema: StructType, parent: Column | None = None) -> list[Column]:
    """The text columns of `schema`, in structs too."""
    columns = []
    for f in schema.fields:
        column = F.col(f"`{f.name}`") if parent is None else parent[f.name]
        if isinstance(f.dataType, StringType):
            columns.append(column)
        elif isinstance(f.dataType, StructType):
            columns += _texts(f.dataType, column)
    return columns


def _json_sources(
    spark: SparkSession, feed: FileFeed, files: list[LandedFile]
) -> tuple[list[tuple[list[str] | DataFrame, Column | None]], dict[str, str]]:
    """What to give Spark's JSON reader, each with its `_source_file`: the UTF-8 files together, as they
    are; a file in another encoding as its decoded lines."""
    encodings, rejected = _encodings(spark, feed, files)
    utf8, sources = [], []
    for f in files:
        encoding = encodings.get(f.path)
        if encoding is None:
            continue
        if _is_utf8(encoding):
            utf8.append(f.read_path)
        else:
            sources.append((_decoded_lines(spark, f, encoding), F.lit(f.path)))
    return ([(utf8, None)] if utf8 else []) + sources, rejected


def _decoded_lines(spark: SparkSession, file: LandedFile, encoding: str) -> DataFrame:
    """The file's lines as text, decoded, without a byte-order mark.

    Spark's JSON line reader decodes other charsets only with `lineSep` set, refuses UTF-16/32 by those
    names and keeps their byte-order mark in the first record. Its CSV reader decodes a whole file in any
    charset, mark included; with no quoting and NUL as the delimiter, it yields one row per line (a line
    holding NUL, which JSON text cannot, comes back whole as a malformed record).
    """
    lines = (
        spark.read.options(**_LINES_OPTIONS, encoding=encoding, columnNameOfCorruptRecord="line")
        .schema("value string, line string")
        .csv(file.read_path)
    )
    return lines.select(F.coalesce("line", "value").alias("value"))


def _read_csv(spark: SparkSession, feed: FileFeed, files: list[LandedFile], target: StructType) -> Frames:
    # Spark maps CSV columns by position, so files are grouped by encoding and header, and each group is
    # read with a schema in its header's order; columns missing from a file come back NULL.
    encodings, rejected = _encodings(spark, feed, files)
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for f in files:
        encoding = encodings.get(f.path)
        if encoding is None:
            continue
        try:
            header = _csv_header(spark, feed, f, encoding)
        except Exception as exc:
            rejected[f.path] = _unreadable(feed, exc)
            continue
        if not header:
            rejected[f.path] = "CSV file has no header row"
            continue
        groups[(encoding, header)].append(f.read_path)
    known = {f.name.lower(): f for f in target.fields}
    frames = []
    for (encoding, header), paths in groups.items():
        schema = StructType([known.get(c.lower(), StructField(c, StringType())) for c in header])
        reader = _permissive(_reader(spark, feed, encoding), schema).option("enforceSchema", "true")
        frames.append(_with_source(reader.csv(paths)))
    return frames, rejected


def _csv_header(spark: SparkSession, feed: FileFeed, file: LandedFile, encoding: str) -> tuple[str, ...]:
    """The header as Spark's CSV parser reads the file's first line (quoting; decoded, mark dropped). A
    repeated name gets its position appended (`id0`, `id5`) and an empty one is `_c<position>`, as Spark
    names them. Spark's own header inference of a multi-line CSV file would take its name as a glob."""
    return tuple(_reader(spark, feed).csv(_decoded_lines(spark, file, encoding).limit(1)).columns)


def _read_self_describing(spark: SparkSession, feed: FileFeed, files: list[LandedFile], target: StructType) -> Frames:
    """Parquet, ORC and Avro carry their schema: files are grouped by it."""
    by_schema: dict[str, list[str]] = defaultdict(list)
    rejected: dict[str, str] = {}
    for f in files:
        try:
            by_schema[_reader(spark, feed).load(f.read_path).schema.json()].append(f.read_path)
        except Exception as exc:  # a truncated file has no readable footer/header: record why
            rejected[f.path] = _unreadable(feed, exc)
    return [_with_source(_reader(spark, feed).load(paths)) for paths in by_schema.values()], rejected


def _read_binary(spark: SparkSession, files: list[LandedFile]) -> DataFrame:
    content = F.col("content")
    magic = F.hex(F.substring(content, 1, 4))
    content_type = (
        F.when(magic == "25504446", "application/pdf")
        .when(magic == "89504E47", "image/png")
        .when(F.substring(magic, 1, 6) == "FFD8FF", "image/jpeg")
        .otherwise("application/octet-stream")
    )
    return (
        spark.read.format("binaryFile")
        .load([f.read_path for f in files])
        .select(
            F.col("_metadata.file_path").alias("file_path"),
            F.col("length").alias("size_bytes"),
            F.col("modificationTime").alias("modified_at"),
            F.sha2(content, 256).alias("sha256"),
            content_type.alias("content_type"),
            content,
            F.lit(None).cast(StringType()).alias(RESCUED),
            F.col("_metadata.file_path").alias(SOURCE_FILE),
        )
    )


def _encodings(spark: SparkSession, feed: FileFeed, files: list[LandedFile]) -> tuple[dict[str, str], dict[str, str]]:
    """Each file's encoding, or why it could not be opened."""
    encodings, rejected = {}, {}
    for f in files:
        try:
            encodings[f.path] = file_encoding(spark, feed, f)
        except Exception as exc:  # a corrupt compressed stream, a name the local filesystem cannot open
            rejected[f.path] = _unreadable(feed, exc)
    return encodings, rejected


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"


def _union(frames: list[DataFrame]) -> DataFrame | None:
    if not frames:
        return None
    return reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)


def _unreadable(feed: FileFeed, exc: BaseException) -> str:
    return f"unreadable {feed.format} file: {describe_error(exc)}"


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
