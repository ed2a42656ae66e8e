"""What a file feed is: where its files land, their format, and the types we expect to receive."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql.types import StructType

FILE_FORMATS = ("json", "csv", "parquet", "orc", "avro", "binaryFile")


@dataclass(frozen=True)
class FileFeed:
    """One landing-zone feed, ingested into the Bronze table of the same name.

    `expected_schema` is a Spark DDL string with the types the source promises. Columns that show
    up without being declared are added to the table (schema evolution); values that do not fit
    their declared type are kept, raw, in `_rescued_data`.
    """

    name: str
    source_system: str
    landing_path: str  # below <root>/landing
    format: str
    expected_schema: str
    description: str
    file_glob: str = "*"
    reader_options: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.format not in FILE_FORMATS:
            raise ValueError(f"feed {self.name}: unknown format {self.format!r}, expected one of {FILE_FORMATS}")

    @property
    def schema(self) -> StructType:
        return StructType.fromDDL(self.expected_schema) if self.expected_schema else StructType()
