"""Writing feeds into landing folders: part files, injected faults, empty and corrupt deliveries."""

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import fastavro
import numpy as np
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq

from lakehouse.sources.faults import Fault, FaultPlan, corrupt_lines, corrupt_rows, plan_faults
from lakehouse.sources.serialize import json_lines, line_bytes
from lakehouse.sources.summary import FeedSummary

ROWS_PER_FILE = 1_000_000
# Even tiny runs split big feeds so that multi-file ingestion is always exercised.
MIN_PARTS = 2

RowSource = Callable[[int, int], pa.Table]
Encoder = Callable[[pa.Table], bytes]


def part_bounds(n_rows: int, min_parts: int = MIN_PARTS) -> list[tuple[int, int]]:
    n_parts = max(min_parts, -(-n_rows // ROWS_PER_FILE))
    edges = np.linspace(0, n_rows, n_parts + 1).round().astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def part_file_name(stem: str, batch: int, part: int, extension: str) -> str:
    return f"{stem}_b{batch:03d}_p{part:04d}.{extension}"


class FeedFolder:
    """One landing folder (e.g. web/clickstream); every write is counted in the feed's summary."""

    def __init__(self, landing: Path, name: str, summary: FeedSummary):
        self.path = landing / name
        self.path.mkdir(parents=True, exist_ok=True)
        self.summary = summary

    def write(self, file_name: str, data: bytes | memoryview) -> None:
        (self.path / file_name).write_bytes(data)
        self.summary.files += 1
        self.summary.bytes += len(data)

    def write_empty(self, file_name: str) -> None:
        self.write(file_name, b"")
        self.summary.empty_files += 1

    def write_truncated(self, file_name: str, intact: bytes) -> None:
        """A delivery that broke off half-way: the first half of a valid file's bytes."""
        self.write(file_name, intact[: len(intact) // 2])
        self.summary.corrupt_files += 1


def write_json_feed(
    folder: FeedFolder,
    stem: str,
    batch: int,
    n_rows: int,
    rows: RowSource,
    faults: Sequence[Fault],
    rng: np.random.Generator,
    bad_fraction: float,
    protected: np.ndarray | None = None,
) -> FaultPlan:
    """JSON-lines part files; the last part is cut mid-line (a corrupt file whose complete lines still count as
    valid records) and an empty part follows.

    rows(start, stop) builds the records of one part, so a huge feed never has to be in memory at once.
    Returns which rows were made malformed.
    """
    last_row = np.zeros(n_rows, dtype=bool)
    last_row[-1] = True
    # The truncated last line must stay a valid record cut short, not an already-malformed one.
    plan = plan_faults(rng, n_rows, faults, bad_fraction, last_row if protected is None else protected | last_row)
    bounds = part_bounds(n_rows)
    for part, (start, stop) in enumerate(bounds):
        table = rows(start, stop)
        local = plan.within(start, stop)
        lines = corrupt_lines(table, json_lines(table), local, faults, json_lines)
        is_last = part == len(bounds) - 1
        folder.write(part_file_name(stem, batch, part, "json"), line_bytes(lines, cut_last_line=is_last))
        folder.summary.add_records(stop - start - len(local) - int(is_last), local.counts(faults))
    folder.summary.add_records(0, {"truncated_line": 1})
    folder.summary.corrupt_files += 1
    folder.write_empty(part_file_name(stem, batch, len(bounds), "json"))
    return plan


def write_table_feed(
    folder: FeedFolder,
    stem: str,
    batch: int,
    table: pa.Table,
    encode: Encoder,
    extension: str,
    faults: Sequence[Fault],
    rng: np.random.Generator,
    bad_fraction: float,
    min_parts: int = MIN_PARTS,
    drift: Callable[[pa.Table], pa.Table] | None = None,
) -> None:
    """Binary part files, then one truncated copy of the first part and one empty file.

    drift, when given, changes a column type in the second part only (schema drift between files of one feed).
    """
    plan = plan_faults(rng, table.num_rows, faults, bad_fraction)
    table = corrupt_rows(table, plan, faults)
    parts = [table.slice(start, stop - start) for start, stop in part_bounds(table.num_rows, min_parts)]
    if drift is not None:
        parts[1] = drift(parts[1])
        folder.summary.schema_drift_files += 1
    encoded = [encode(part) for part in parts]
    for part, data in enumerate(encoded):
        folder.write(part_file_name(stem, batch, part, extension), data)
    folder.summary.add_records(table.num_rows - len(plan), plan.counts(faults))
    folder.write_truncated(part_file_name(stem, batch, len(parts), extension), encoded[0])
    folder.write_empty(part_file_name(stem, batch, len(parts) + 1, extension))


def encode_parquet(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue().to_pybytes()


def encode_orc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    orc.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def avro_encoder(schema: dict, sync_marker: bytes) -> Encoder:
    """fastavro picks a random sync marker unless given one; a fixed marker keeps files byte-identical."""
    parsed = fastavro.parse_schema(schema)

    def encode(table: pa.Table) -> bytes:
        sink = io.BytesIO()
        fastavro.writer(sink, parsed, table.to_pylist(), sync_marker=sync_marker)
        return sink.getvalue()

    return encode


def with_column_type(column: str, data_type: pa.DataType) -> Callable[[pa.Table], pa.Table]:
    """Schema drift: the same column delivered with another type."""

    def retype(table: pa.Table) -> pa.Table:
        index = table.schema.get_field_index(column)
        return table.set_column(index, column, table[column].cast(data_type))

    return retype
