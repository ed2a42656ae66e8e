"""Vectorised text encodings: whole Arrow columns become JSON or CSV lines without a per-row Python loop."""

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _duckdb_column(sql: str, **tables: pa.Table) -> pa.Array:
    connection = duckdb.connect()
    for name, table in tables.items():
        connection.register(name, table)
    # DuckDB keeps insertion order for plain projections, so the result lines up with the input rows.
    return connection.sql(sql).to_arrow_table().column(0).combine_chunks()


def iso_utc(epoch_ms: np.ndarray, millis: bool = False) -> pa.Array:
    """ISO-8601 UTC text such as 2026-01-05T09:30:00Z (or ...00.123Z with millis)."""
    stamps = pa.table({"ts": pa.array(epoch_ms, pa.int64()).cast(pa.timestamp("ms"))})
    pattern = "%Y-%m-%dT%H:%M:%S.%gZ" if millis else "%Y-%m-%dT%H:%M:%SZ"
    return _duckdb_column(f"SELECT strftime(ts, '{pattern}') FROM stamps", stamps=stamps)


def json_lines(rows: pa.Table) -> pa.Array:
    """One JSON object per row, each ending in a newline, in row order."""
    return _duckdb_column("SELECT to_json(json_rows) || chr(10) FROM json_rows", json_rows=rows)


def _csv_field(values: pa.Array) -> pa.Array:
    text = pc.fill_null(pc.cast(values, pa.string()), "")
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(pc.match_substring_regex(text, '[",\r\n]'), quoted, text)


def csv_lines(rows: pa.Table) -> pa.Array:
    """RFC 4180 lines (quoted only where needed), each ending in a newline."""
    fields = [_csv_field(column.combine_chunks()) for column in rows.columns]
    return pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "\n", "")


def csv_header(names: list[str]) -> bytes:
    return (",".join(names) + "\n").encode()


def line_bytes(lines: pa.Array, cut_last_line: bool = False) -> memoryview:
    """The concatenated lines as one buffer; optionally cut in the middle of the last line (a truncated upload)."""
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    if cut_last_line:
        stop = int(offsets[-2] + (offsets[-1] - offsets[-2]) // 2)
    data = lines.buffers()[2]
    return memoryview(data)[start:stop] if data is not None else memoryview(b"")
