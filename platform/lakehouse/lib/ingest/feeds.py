"""What a file feed is: where its files land, their format, and the types we expect to receive.

A feed takes the files whose extension is its format's (any case), text formats also compressed;
every other file in its folder is refused with the reason `refusal` gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql.types import StructType

FILE_FORMATS = ("json", "csv", "parquet", "orc", "avro", "binaryFile")
TEXT_FORMATS = ("json", "csv")
# What Hadoop's codec factory decompresses in pure Java, found by suffix in any case (`.GZ` too), so
# Spark's text readers read these files as they are. `.zst` needs libhadoop's native zstd: refused.
COMPRESSIONS = ("gz", "bz2", "deflate", "lz4", "snappy")


@dataclass(frozen=True)
class FileFeed:
    """One landing-zone feed, ingested into the Bronze table of the same name.

    `expected_schema` is a Spark DDL string with the types the source promises. Columns that show
    up without being declared are added to the table (schema evolution); values that do not fit
    their declared type are kept, raw, in `_rescued_data`. `extensions` are the file extensions the
    feed takes: by default its format's own (`json`), binary feeds name theirs (`pdf`).
    """

    name: str
    source_system: str
    landing_path: str  # below <root>/landing
    format: str
    expected_schema: str
    description: str
    extensions: tuple[str, ...] = ()
    reader_options: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.format not in FILE_FORMATS:
            raise ValueError(f"feed {self.name}: unknown format {self.format!r}, expected one of {FILE_FORMATS}")
        if self.format == "binaryFile" and not self.extensions:
            raise ValueError(f"feed {self.name}: a binaryFile feed must name the file extensions it takes")

    @property
    def schema(self) -> StructType:
        return StructType.fromDDL(self.expected_schema) if self.expected_schema else StructType()

    @property
    def file_types(self) -> str:
        """The files the feed takes, for people: `*.json (also .gz, .bz2, ...)`."""
        names = ", ".join(f"*.{ext}" for ext in self._extensions)
        if self.format not in TEXT_FORMATS:
            return names
        return f"{names} (also compressed: {', '.join('.' + c for c in COMPRESSIONS)})"

    def refusal(self, file_name: str) -> str | None:
        """Why a file in the feed's folder is not one of its files, or None when it is."""
        name = file_name.lower()
        suffixes = [f".{ext}" for ext in self._extensions]
        if self.format in TEXT_FORMATS:
            suffixes += [f"{s}.{c}" for s in suffixes for c in COMPRESSIONS]
        if name.endswith(tuple(suffixes)):
            return None
        return f"not a file of this feed: it takes {self.file_types}"

    @property
    def _extensions(self) -> tuple[str, ...]:
        return tuple(e.lower() for e in self.extensions) or (self.format,)
