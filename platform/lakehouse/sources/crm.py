"""CRM source: daily full customer extracts (CSV) and a Debezium-style change feed (JSON lines).

Both are views of one simulated customer history, replayed batch by batch, so extracts and change events agree.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lakehouse.sources.context import BatchContext
from lakehouse.sources.faults import (
    add_field,
    broken_line,
    corrupt_lines,
    drop_field,
    keep_leading_fields,
    plan_faults,
    set_value,
)
from lakehouse.sources.people import ATTRIBUTES, new_people
from lakehouse.sources.serialize import csv_header, csv_lines, iso_utc, line_bytes
from lakehouse.sources.timeline import DAY_MS, batch_window, day_of, first_lsn
from lakehouse.sources.writers import FeedFolder, write_json_feed

CUSTOMER_COLUMNS = ["customer_id", *ATTRIBUTES, "updated_at"]
IMAGE = [*ATTRIBUTES, "updated_ms"]
# Far above any id the CRM hands out: deleting these keys refers to customers that never existed.
UNKNOWN_KEY_BASE = 900_000_000

EXTRACT_FAULTS = [
    set_value("wrong_type", "customer_id", "CUST-UNKNOWN"),
    set_value("bad_timestamp", "updated_at", "31/02/2026 25:61"),
    keep_leading_fields("too_few_fields", 5),
]
CHANGE_FAULTS = [
    broken_line(),
    set_value("wrong_type", "ts_ms", "yesterday"),
    drop_field("missing_field", "op"),
    add_field("extra_field", "transaction_id", "tx-0001"),
]


@dataclass
class WindowChanges:
    """Changes in one batch window, sorted by time: the real events and deletes of keys that never existed."""

    events: pd.DataFrame  # key, op, ts_ms and the after image (all NaN for deletes)
    unknown_deletes: pd.DataFrame  # key, ts_ms and a made-up before image
    reinserted_keys: np.ndarray
    next_key: int  # the first key the next window's new customers get


def _fresh(rng: np.random.Generator, keys: np.ndarray, updated_ms: np.ndarray, op: str) -> pd.DataFrame:
    """New customer records, as created (or re-created) by a change event at updated_ms."""
    people = new_people(rng, pd.Index(keys, name="key"))
    return people.assign(updated_ms=updated_ms, op=op, ts_ms=updated_ms)


def _window_changes(
    rng: np.random.Generator, state: pd.DataFrame, batch: int, n_changes: int, first_key: int
) -> WindowChanges:
    window = batch_window(batch)
    # A batch far larger than the customer base cannot delete more customers than there are.
    n_create, n_delete = max(1, n_changes * 15 // 100), min(max(2, n_changes * 8 // 100), len(state) // 4)
    n_update, n_reinsert, n_unknown = n_changes - n_create - n_delete, max(1, n_delete // 4), max(1, n_delete // 4)

    def moments(n: int) -> np.ndarray:
        return window.start_ms + rng.integers(0, window.span_ms, n)

    created_keys = first_key + np.arange(n_create)
    created = _fresh(rng, created_keys, moments(n_create), "c")

    deleted_keys = rng.choice(state.index.to_numpy(), n_delete, replace=False)
    deleted = pd.DataFrame(np.nan, index=pd.Index(deleted_keys, name="key"), columns=IMAGE)
    deleted = deleted.assign(op="d", ts_ms=moments(n_delete))

    # Updates may hit the same customer twice in a window; each changes either the email, the phone or the address.
    updated_keys = rng.choice(np.setdiff1d(state.index.to_numpy(), deleted_keys), n_update)
    fresh = _fresh(rng, updated_keys, moments(n_update), "u")
    updated = state.loc[updated_keys].assign(updated_ms=fresh["updated_ms"].to_numpy(), op="u")
    updated["ts_ms"] = updated["updated_ms"]
    changed = rng.integers(0, 3, n_update)
    for group, columns in enumerate((["email"], ["phone"], ["street", "city", "postal_code", "country"])):
        updated.loc[changed == group, columns] = fresh.loc[changed == group, columns].to_numpy()

    # A few deleted customers come back under the same key later in the window.
    delete_ms = deleted["ts_ms"].to_numpy()[:n_reinsert]
    reinsert_ms = delete_ms + 1 + ((window.end_ms - delete_ms - 1) * rng.random(n_reinsert)).astype(np.int64)
    reinserted = _fresh(rng, deleted_keys[:n_reinsert], reinsert_ms, "c")

    events = pd.concat([created, updated, deleted, reinserted]).reset_index()
    events = events.sort_values("ts_ms", kind="stable", ignore_index=True)
    unknown_keys = UNKNOWN_KEY_BASE + batch * 10_000 + np.arange(n_unknown)
    unknown = _fresh(rng, unknown_keys, moments(n_unknown), "d").reset_index()
    return WindowChanges(
        events[["key", "op", "ts_ms", *IMAGE]], unknown, deleted_keys[:n_reinsert], first_key + n_create
    )


def _state_at(state: pd.DataFrame, events: pd.DataFrame, until_ms: int) -> pd.DataFrame:
    """Customers alive just before until_ms: the last event per key wins, a delete removes the key."""
    latest = events[events["ts_ms"] < until_ms].drop_duplicates("key", keep="last").set_index("key")
    kept = state.drop(latest.index, errors="ignore")
    return pd.concat([kept, latest.loc[latest["op"] != "d", IMAGE]]).sort_index()


def customer_history(ctx: BatchContext) -> tuple[pd.DataFrame, WindowChanges]:
    """Customers alive at the start of this batch's window, and the changes during it."""
    first_window = batch_window(0)
    rng = ctx.rng("customers", 0)
    keys = np.arange(1, ctx.volumes.customers + 1)
    state = _fresh(rng, keys, first_window.start_ms - rng.integers(0, 2 * 365 * DAY_MS, len(keys)), "c")[IMAGE]
    next_key = len(keys) + 1
    for batch in range(ctx.batch + 1):
        n_changes = ctx.volumes_of(batch).customer_changes
        changes = _window_changes(ctx.rng("customer_changes", batch), state, batch, n_changes, next_key)
        if batch == ctx.batch:
            return state, changes
        state, next_key = _state_at(state, changes.events, batch_window(batch).end_ms), changes.next_key


def _before_images(state: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Each event's before image is the key's previous version: the window-start state or the prior event."""
    versions = pd.concat(
        [state.reset_index().assign(seq=-1), events[["key", *IMAGE]].assign(seq=np.arange(len(events)))],
        ignore_index=True,
    ).sort_values(["key", "seq"], kind="stable")
    previous = versions.groupby("key")[IMAGE].shift(1)
    return previous[versions["seq"] >= 0].set_axis(versions.loc[versions["seq"] >= 0, "seq"]).sort_index()


def _image(keys: np.ndarray, image: pd.DataFrame) -> pa.StructArray:
    present = image["updated_ms"].notna().to_numpy()
    fields = [
        pa.array(keys, pa.int64()),
        *(pa.array(image[column].to_numpy(), pa.string(), from_pandas=True) for column in ATTRIBUTES),
        iso_utc(image["updated_ms"].fillna(0).to_numpy(np.int64)),
    ]
    return pa.StructArray.from_arrays(fields, names=CUSTOMER_COLUMNS, mask=pa.array(~present))


def change_records(state: pd.DataFrame, changes: WindowChanges, batch: int) -> tuple[pa.Table, np.ndarray]:
    """Real events and unknown-key deletes in commit order, numbered with increasing log sequence numbers.

    Also returns each record's customer key (from the after image, or the before image for deletes).
    """
    events, unknown = changes.events, changes.unknown_deletes
    no_image = pd.DataFrame(np.nan, index=range(len(unknown)), columns=IMAGE)
    keys = np.concatenate([events["key"], unknown["key"]])
    before = pd.concat([_before_images(state, events), unknown[IMAGE]], ignore_index=True)
    after = pd.concat([events[IMAGE], no_image], ignore_index=True)
    commit_order = np.argsort(np.concatenate([events["ts_ms"], unknown["ts_ms"]]), kind="stable")
    records = pa.table(
        {
            "op": np.concatenate([events["op"], np.full(len(unknown), "d")]),
            "ts_ms": np.concatenate([events["ts_ms"], unknown["ts_ms"]]).astype(np.int64),
            "before": _image(keys, before),
            "after": _image(keys, after),
        }
    ).take(commit_order)
    lsn = pa.array(first_lsn(batch) + np.arange(len(keys)), pa.int64())
    return records.add_column(2, "lsn", lsn), keys[commit_order]


def _delivery_order(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row order as delivered: a few events arrive late, a few are delivered twice. Returns (source rows, is copy)."""
    n_late, n_copies = max(2, n * 3 // 100), max(1, n // 100)
    position = np.arange(n, dtype=float)
    late = rng.choice(n, n_late, replace=False)
    position[late] += rng.uniform(2, 8, n_late)
    copied = rng.choice(n, n_copies, replace=False)
    order = np.argsort(np.concatenate([position, copied + rng.uniform(0.5, 5, n_copies)]), kind="stable")
    return np.concatenate([np.arange(n), copied])[order], order >= n


def write_customer_changes(ctx: BatchContext, state: pd.DataFrame, changes: WindowChanges) -> None:
    rng = ctx.rng("customer_changes/delivery")
    committed, committed_keys = change_records(state, changes, ctx.batch)
    source, is_copy = _delivery_order(rng, committed.num_rows)
    delivered, key = committed.take(source), committed_keys[source]
    op = delivered["op"].to_numpy(zero_copy_only=False)
    is_unknown_delete = key >= UNKNOWN_KEY_BASE
    is_reinsert = np.isin(key, changes.reinserted_keys) & (op == "c")
    # Anomalies must stay well-formed so the summary can count them exactly.
    protected = is_copy | np.isin(source, source[is_copy]) | is_unknown_delete | np.isin(key, changes.reinserted_keys)

    folder = ctx.folder("crm/customer_changes")
    plan = write_json_feed(
        folder,
        "changes",
        ctx.batch,
        delivered.num_rows,
        lambda start, stop: delivered.slice(start, stop - start),
        CHANGE_FAULTS,
        ctx.rng("customer_changes/faults"),
        ctx.bad_fraction,
        protected,
    )
    readable = np.ones(delivered.num_rows, dtype=bool)
    readable[plan.positions] = False
    readable[-1] = False
    lsn = delivered["lsn"].to_numpy()[readable]
    folder.summary.anomalies.update(
        {
            "duplicates": int((is_copy & readable).sum()),
            "out_of_order": int((lsn[1:] < np.maximum.accumulate(lsn)[:-1]).sum()),
            "deletes_of_unknown_keys": int((is_unknown_delete & readable).sum()),
            "reinserts_after_delete": int((is_reinsert & readable).sum()),
        }
    )


def _extract_table(customers: pd.DataFrame) -> pa.Table:
    """A full extract as the CRM exports it: every value as text."""
    return pa.table(
        {
            "customer_id": customers.index.astype(str),
            **{column: customers[column].to_numpy() for column in ATTRIBUTES},
            "updated_at": iso_utc(customers["updated_ms"].to_numpy(np.int64)),
        }
    )


def _with_loyalty_tier(rng: np.random.Generator, extract: pa.Table) -> pa.Table:
    tiers = rng.choice(["", "bronze", "silver", "gold"], extract.num_rows)
    return extract.append_column("loyalty_tier", pa.array(tiers))


def _without_phone(rng: np.random.Generator, extract: pa.Table) -> pa.Table:
    return extract.drop_columns(["phone"])


def _extract_name(day_end_ms: int) -> str:
    return f"customers_{day_of(day_end_ms - 1):%Y%m%d}.csv"


def _write_extract(
    folder: FeedFolder, file_name: str, extract: pa.Table, rng: np.random.Generator, bad_fraction: float
) -> None:
    plan = plan_faults(rng, extract.num_rows, EXTRACT_FAULTS, bad_fraction)
    lines = corrupt_lines(extract, csv_lines(extract), plan, EXTRACT_FAULTS, csv_lines)
    folder.write(file_name, csv_header(extract.column_names) + bytes(line_bytes(lines)))
    folder.summary.add_records(extract.num_rows - len(plan), plan.counts(EXTRACT_FAULTS))


def write_customer_extracts(ctx: BatchContext, state: pd.DataFrame, changes: WindowChanges) -> None:
    """Batch 0 delivers three daily extracts (two with a changed header) after a failed, empty one;
    every later batch adds the extract of its last day."""
    folder, rng, day_ends = ctx.folder("crm/customers"), ctx.rng("customers/extracts"), ctx.window.day_ends_ms()
    if ctx.batch == 0:
        folder.write_empty(_extract_name(ctx.window.start_ms))
        schedule = [(day_ends[0], None), (day_ends[1], _with_loyalty_tier), (day_ends[2], _without_phone)]
    else:
        schedule = [(day_ends[-1], None)]
    for day_end, reshape in schedule:
        extract = _extract_table(_state_at(state, changes.events, day_end))
        if reshape is not None:
            extract = reshape(rng, extract)
            folder.summary.schema_drift_files += 1
        _write_extract(folder, _extract_name(day_end), extract, rng, ctx.bad_fraction)
