"""Injected malformed records: which rows go bad, and how each kind of fault rewrites them."""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Rewrite = Callable[[pa.Table], pa.Table]
# Keeping only the start of a JSON line leaves an object that is cut mid-way, as after a crashed writer.
_BROKEN_LINE_CHARS = 24


def _unchanged(rows: pa.Table) -> pa.Table:
    return rows


def _constant(value: object, rows: pa.Table, like: pa.DataType | None = None) -> pa.Array:
    if value is None:
        return pa.nulls(rows.num_rows, like)
    return pa.array([value] * rows.num_rows)


@dataclass(frozen=True)
class Fault:
    """One kind of malformed record: the summary label and how to rewrite affected rows before serialising."""

    kind: str
    rewrite: Rewrite = _unchanged
    cut_line: bool = False


def set_value(kind: str, column: str, value: object) -> Fault:
    """Overwrite a column; a value of another type makes a wrong-typed field in JSON or CSV."""

    def rewrite(rows: pa.Table) -> pa.Table:
        index = rows.schema.get_field_index(column)
        return rows.set_column(index, column, _constant(value, rows, rows.schema.field(index).type))

    return Fault(kind, rewrite)


def drop_field(kind: str, column: str) -> Fault:
    return Fault(kind, lambda rows: rows.drop_columns([column]))


def add_field(kind: str, column: str, value: object) -> Fault:
    return Fault(kind, lambda rows: rows.append_column(column, _constant(value, rows)))


def keep_leading_fields(kind: str, count: int) -> Fault:
    return Fault(kind, lambda rows: rows.select(rows.column_names[:count]))


def broken_line(kind: str = "broken_json") -> Fault:
    return Fault(kind, cut_line=True)


@dataclass(frozen=True)
class FaultPlan:
    """Sorted row positions that go bad and, per position, the index of its fault."""

    positions: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def within(self, start: int, stop: int) -> "FaultPlan":
        """The part of the plan that falls in rows [start, stop), relative to start."""
        lo, hi = np.searchsorted(self.positions, [start, stop])
        return FaultPlan(self.positions[lo:hi] - start, self.kinds[lo:hi])

    def counts(self, faults: Sequence[Fault]) -> Counter:
        per_kind = np.bincount(self.kinds, minlength=len(faults))
        return Counter({fault.kind: int(n) for fault, n in zip(faults, per_kind, strict=True) if n})


def plan_faults(
    rng: np.random.Generator,
    n_rows: int,
    faults: Sequence[Fault],
    bad_fraction: float,
    protected: np.ndarray | None = None,
) -> FaultPlan:
    """Pick bad rows: bad_fraction of them, but at least one per kind so small feeds exercise every fault.

    Rows flagged in `protected` (for example anomalies the summary counts) are never picked.
    """
    eligible = np.arange(n_rows) if protected is None else np.flatnonzero(~protected)
    n_bad = 0 if bad_fraction <= 0 or not faults else min(len(eligible), max(len(faults), round(bad_fraction * n_rows)))
    positions = np.sort(rng.choice(eligible, size=n_bad, replace=False))
    kinds = rng.permutation(np.arange(n_bad) % max(len(faults), 1))
    return FaultPlan(positions.astype(np.int64), kinds.astype(np.int64))


def _substitution_order(n_rows: int, plan: FaultPlan, n_kinds: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Positions per kind, and the take() indices that swap those rows for the rewritten ones appended after."""
    positions_by_kind = [plan.positions[plan.kinds == k] for k in range(n_kinds)]
    indices = np.arange(n_rows)
    next_index = n_rows
    for positions in positions_by_kind:
        indices[positions] = np.arange(next_index, next_index + len(positions))
        next_index += len(positions)
    return positions_by_kind, indices


def corrupt_rows(rows: pa.Table, plan: FaultPlan, faults: Sequence[Fault]) -> pa.Table:
    """Typed formats: rewritten rows keep the table's schema (e.g. a null key or an out-of-range value)."""
    positions_by_kind, indices = _substitution_order(rows.num_rows, plan, len(faults))
    rewritten = [fault.rewrite(rows.take(p)).cast(rows.schema) for fault, p in zip(faults, positions_by_kind)]
    return pa.concat_tables([rows, *rewritten]).take(indices)


def corrupt_lines(
    rows: pa.Table,
    lines: pa.Array,
    plan: FaultPlan,
    faults: Sequence[Fault],
    serialise: Callable[[pa.Table], pa.Array],
) -> pa.Array:
    """Text formats: rewritten rows are serialised on their own, so they may change shape or type freely."""
    positions_by_kind, indices = _substitution_order(rows.num_rows, plan, len(faults))
    bad_lines = []
    for fault, positions in zip(faults, positions_by_kind):
        encoded = serialise(fault.rewrite(rows.take(positions)))
        if fault.cut_line:
            encoded = pc.binary_join_element_wise(pc.utf8_slice_codeunits(encoded, 0, _BROKEN_LINE_CHARS), "\n", "")
        bad_lines.append(encoded.cast(lines.type))
    return pa.concat_arrays([lines, *bad_lines]).take(indices)
