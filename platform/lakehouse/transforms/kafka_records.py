"""Kafka records of a source as rows of its file feed. Pure: no I/O, no Dagster.

The event producer publishes each record as a JSON value shaped like the record of the file feed
(same fields, same names), so a Kafka Bronze table's values parse into exactly the typed columns of
the file-fed Bronze table and both go through one Silver transformation.
"""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType


def record_schema(file_rows: DataFrame) -> StructType:
    """The source's record as the file feed types it: its columns without Bronze's `_` metadata."""
    return StructType([f for f in file_rows.schema.fields if not f.name.startswith("_")])


def parse_values(records: DataFrame, schema: StructType) -> DataFrame:
    """One row per Kafka record, its JSON `value` parsed into `schema`'s columns.

    A value that is not JSON gives a row of NULLs, which the Silver rules refuse (no key) and
    quarantine; the record itself stays as received in Bronze.
    """
    return records.select(F.from_json("value", schema).alias("_record")).select(
        *[F.col("_record")[f.name].alias(f.name) for f in schema.fields]
    )


def with_stream(file_rows: DataFrame, stream: DataFrame | None) -> DataFrame:
    """The file feed's rows plus the same source's records from Kafka (None: no Kafka table yet).

    Kafka rows have NULL in the file-only metadata columns (`_source_file`, `_rescued_data`, ...).
    """
    if stream is None:
        return file_rows
    return file_rows.unionByName(parse_values(stream, record_schema(file_rows)), allowMissingColumns=True)
