"""Fit a DataFrame read from landing files to a table's schema without losing a value.

Columns the table knows are cast to its types; a value that does not fit becomes NULL in its column
and is kept, raw, in `_rescued_data` (a JSON object of column -> received value). Columns the table
does not know are kept as they are, so the write adds them (schema evolution).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

RESCUED = "_rescued_data"


def with_fields(schema: StructType, extra: list[StructField]) -> StructType:
    """`schema` plus the fields of `extra` whose names it lacks, in order."""
    known = {f.name.lower() for f in schema.fields}
    return StructType(schema.fields + [f for f in extra if f.name.lower() not in known])


def align_to(df: DataFrame, target: StructType) -> DataFrame:
    present = {name.lower(): name for name in df.columns}
    failures: list[tuple[str, Column]] = []
    aligned: list[Column] = []
    for field in target.fields:
        if field.name == RESCUED:
            continue
        source = present.get(field.name.lower())
        if source is None:
            aligned.append(F.lit(None).cast(field.dataType).alias(field.name))
            continue
        raw = F.col(f"`{source}`")
        if df.schema[source].dataType == field.dataType:
            aligned.append(raw.alias(field.name))
            continue
        cast = raw.try_cast(field.dataType)
        aligned.append(cast.alias(field.name))
        failures.append((field.name, F.when(raw.isNotNull() & cast.isNull(), raw.cast(StringType()))))
    target_names = {f.name.lower() for f in target.fields}
    new_columns = [F.col(f"`{c}`") for c in df.columns if c.lower() not in target_names and c != RESCUED]
    return df.select(*aligned, *new_columns, _rescued(df, failures).alias(RESCUED))


def _rescued(df: DataFrame, failures: list[tuple[str, Column]]) -> Column:
    received = F.col(RESCUED) if RESCUED in df.columns else F.lit(None).cast(StringType())
    if not failures:
        return received
    # to_json drops NULL fields, so the object names exactly the columns whose value did not fit.
    failed = F.to_json(F.struct(*[value.alias(name) for name, value in failures]))
    return F.coalesce(received, F.when(failed != F.lit("{}"), failed))
