"""Fit a DataFrame read from landing files to a table's schema without losing a value.

Columns the table knows are cast to its types. A value that does not fit becomes NULL in its column and
is kept in `_rescued_data`, a JSON object of column (`after.email` inside structs) -> received value:
a failed cast, an object or array where a scalar is declared, text that is not valid UTF-8 or holds
U+FFFD (what a wrong decoder leaves). Columns the table does not know are kept, so the write adds them
(schema evolution), unless Delta refuses their name: those are rescued.
"""

from __future__ import annotations

import operator
import re
from functools import reduce

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, DataType, MapType, StringType, StructField, StructType, VariantType

from lakehouse.transforms.bronze_columns import RESCUED

# Characters Delta refuses in column names (without column mapping).
_DELTA_REFUSED = re.compile(r"[ ,;{}()\n\t=]")
_NESTED = (StructType, ArrayType, MapType, VariantType)
Failure = tuple[str, Column]  # (column path, received value when it did not fit, else NULL)
_CAST_FAILED, _TEXT_FAILED = "__cast_failed_", "__text_failed_"  # what did not fit, carried between selects


def with_fields(schema: StructType, extra: list[StructField]) -> StructType:
    """`schema` plus the fields of `extra` whose names it lacks, in order; of a repeated name, the first."""
    fields = {f.name.lower(): f for f in schema.fields}
    for f in extra:
        fields.setdefault(f.name.lower(), f)
    return StructType(list(fields.values()))


def evolved(target: StructType, schemas: list[StructType]) -> StructType:
    """`target` plus the new columns the files bring, each with the type it first comes with; names
    Delta refuses are not added (their values are rescued)."""
    new = [f for schema in schemas for f in schema.fields if f.name != RESCUED and not _delta_refuses(f)]
    return with_fields(target, new)


def with_variant_strings(data_type: DataType) -> DataType:
    """The type with its string leaves (in structs too) as VARIANT: read that way, an object or array
    sent where a string is declared can be told from a string that looks like one."""
    if isinstance(data_type, StringType):
        return VariantType()
    if isinstance(data_type, StructType):
        return StructType([StructField(f.name, with_variant_strings(f.dataType), f.nullable) for f in data_type.fields])
    return data_type


def align_to(df: DataFrame, target: StructType) -> DataFrame:
    """Three selects: cast the values, check the text, gather what did not fit. In one select, Spark
    generates a method too large for the JVM to compile, which then runs twice as slow."""
    columns, failures = _cast_columns(df, target)
    received = F.col(RESCUED) if RESCUED in df.columns else F.lit(None).cast(StringType()).alias(RESCUED)
    cast, failures = _carrying(df, [*columns, received], failures, _CAST_FAILED)
    payload = cast.columns[: len(columns)]
    checked, bad_text = [], []
    for name in payload:
        value, failed = _guard(F.col(f"`{name}`"), cast.schema[name].dataType, name)
        checked.append(value.alias(name))
        bad_text += failed
    carried = [F.col(c) for c in cast.columns if c.startswith(_CAST_FAILED)]
    checked_df, bad_text = _carrying(cast, [*checked, F.col(RESCUED), *carried], bad_text, _TEXT_FAILED)
    return checked_df.select(*[F.col(f"`{name}`") for name in payload], _rescued(failures + bad_text).alias(RESCUED))


def _carrying(
    df: DataFrame, columns: list[Column], failures: list[Failure], prefix: str
) -> tuple[DataFrame, list[Failure]]:
    """`df` selected to `columns` plus a column per failure, and the failures reading those columns."""
    names = [f"{prefix}{i}" for i in range(len(failures))]
    selected = df.select(*columns, *[value.alias(n) for (_, value), n in zip(failures, names)])
    return selected, [(name, F.col(n)) for (name, _), n in zip(failures, names)]


def _cast_columns(df: DataFrame, target: StructType) -> tuple[list[Column], list[Failure]]:
    """The columns of `target` cast, then the new ones kept; and what did not fit."""
    present = {name.lower(): name for name in df.columns}
    columns: list[Column] = []
    failures: list[Failure] = []
    for field in target.fields:
        if field.name == RESCUED:
            continue
        source = present.get(field.name.lower())
        if source is None:
            columns.append(F.lit(None).cast(field.dataType).alias(field.name))
            continue
        value, failed = _fit(df, F.col(f"`{source}`"), df.schema[source].dataType, field.dataType, field.name)
        columns.append(value.alias(field.name))
        failures += failed
    known = {f.name.lower() for f in target.fields}
    for field in df.schema.fields:
        column = F.col(f"`{field.name}`")
        if field.name.lower() in known or field.name == RESCUED:
            continue
        if _delta_refuses(field):
            failures.append((field.name, _received(column, field.dataType)))
        else:
            columns.append(column)
    return columns, failures


def _fit(df: DataFrame, value: Column, source: DataType, target: DataType, name: str) -> tuple[Column, list[Failure]]:
    if source == target:
        return value, []
    if isinstance(source, VariantType) and isinstance(target, StringType):
        kind = F.schema_of_variant(value)
        nested = kind.startswith("OBJECT") | kind.startswith("ARRAY")
        return F.when(~nested, value.cast(StringType())), [(name, F.when(nested, value))]
    if isinstance(source, StructType) and isinstance(target, StructType) and source.names == target.names:
        return _struct_of(
            value,
            [
                _fit(df, value[s.name], s.dataType, t.dataType, f"{name}.{t.name}")
                for s, t in zip(source.fields, target.fields)
            ],
            target,
        )
    if _castable(df, value, source, target):
        cast = value.try_cast(target)
        return cast, [(name, F.when(value.isNotNull() & cast.isNull(), _received(value, source)))]
    return F.lit(None).cast(target), [(name, _received(value, source))]


def _guard(value: Column, data_type: DataType, name: str) -> tuple[Column, list[Failure]]:
    """NULL for text that is not valid UTF-8 or holds U+FFFD, in structs too."""
    if isinstance(data_type, StringType):
        bad = ~F.is_valid_utf8(value) | value.contains("\ufffd")
        return F.when(~bad, value), [(name, F.when(bad, F.make_valid_utf8(value)))]
    if isinstance(data_type, StructType) and _has_text(data_type):
        fields = [_guard(value[f.name], f.dataType, f"{name}.{f.name}") for f in data_type.fields]
        return _struct_of(value, fields, data_type)
    return value, []


def _struct_of(
    value: Column, fields: list[tuple[Column, list[Failure]]], target: StructType
) -> tuple[Column, list[Failure]]:
    """The struct rebuilt from its fitted fields; NULL stays NULL."""
    rebuilt = F.struct(*[fitted.alias(f.name) for (fitted, _), f in zip(fields, target.fields)])
    return F.when(value.isNotNull(), rebuilt), [failure for _, failed in fields for failure in failed]


def _has_text(data_type: DataType) -> bool:
    if isinstance(data_type, StructType):
        return any(_has_text(f.dataType) for f in data_type.fields)
    return isinstance(data_type, StringType)


def _castable(df: DataFrame, value: Column, source: DataType, target: DataType) -> bool:
    """Spark's own rule, found by analysing the cast (a struct cannot become a number), except that a
    nested value does not fit a scalar either: Spark would cast a struct to text like `{1, a}`."""
    if isinstance(source, _NESTED) and not isinstance(target, _NESTED):
        return False
    try:
        df.select(value.try_cast(target)).schema  # noqa: B018 (analysing the plan is the test)
    except AnalysisException:
        return False
    return True


def _received(value: Column, source: DataType) -> Column:
    """The value as it goes into the rescued JSON: nested values as JSON, the others as text."""
    return value if isinstance(source, _NESTED) else value.cast(StringType())


def _delta_refuses(field: StructField) -> bool:
    return bool(_DELTA_REFUSED.search(field.name)) or any(_delta_refuses(f) for f in _nested_fields(field.dataType))


def _nested_fields(data_type: DataType) -> list[StructField]:
    if isinstance(data_type, StructType):
        return data_type.fields
    if isinstance(data_type, ArrayType):
        return _nested_fields(data_type.elementType)
    if isinstance(data_type, MapType):
        return _nested_fields(data_type.keyType) + _nested_fields(data_type.valueType)
    return []


def _rescued(failures: list[Failure]) -> Column:
    """The reader's raw record when it could not parse one, else the JSON object of what did not fit
    (built only for rows with something in it); made valid UTF-8, as a raw record holds the bytes as
    they came."""
    received = F.col(RESCUED)
    if failures:
        failed = reduce(operator.or_, [value.isNotNull() for _, value in failures])
        as_json = F.to_json(F.struct(*[value.alias(name) for name, value in failures]))
        received = F.coalesce(received, F.when(failed, as_json))
    return F.make_valid_utf8(received)
