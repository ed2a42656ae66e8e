"""ERP sales: order and order-line change events (Parquet), numbered from one log sequence per source."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse.sources import vocab
from lakehouse.sources.context import BatchContext
from lakehouse.sources.faults import set_value
from lakehouse.sources.ragged import cumsum_within_groups, expand
from lakehouse.sources.randomness import popularity
from lakehouse.sources.timeline import HOUR_MS, first_lsn
from lakehouse.sources.writers import encode_parquet, with_column_type, write_table_feed

ORDER_IDS_PER_BATCH = 10**9

# Each order follows one life cycle; every step is a change event. "deleted" removes the order (op 'd').
LIFECYCLES = [
    (("placed",), 0.08),
    (("placed", "paid"), 0.17),
    (("placed", "paid", "shipped"), 0.60),
    (("placed", "cancelled"), 0.12),
    (("placed", "deleted"), 0.03),
]
STEPS = np.array([steps + ("",) * (3 - len(steps)) for steps, _ in LIFECYCLES])
STEP_COUNTS = np.array([len(steps) for steps, _ in LIFECYCLES])
# Mean wait before reaching each status, in hours.
MEAN_WAIT_HOURS = {"placed": 0.0, "paid": 0.2, "shipped": 20.0, "cancelled": 6.0, "deleted": 1.0, "": 0.0}

ORDER_SCHEMA = pa.schema(
    [
        ("op", pa.string()),
        ("ts_ms", pa.int64()),
        ("lsn", pa.int64()),
        ("order_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("store_id", pa.int32()),
        ("order_ts", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("currency", pa.string()),
        ("channel", pa.string()),
    ]
)
ORDER_LINE_SCHEMA = pa.schema(
    [
        ("op", pa.string()),
        ("ts_ms", pa.int64()),
        ("lsn", pa.int64()),
        ("order_id", pa.int64()),
        ("line_no", pa.int32()),
        ("product_id", pa.int64()),
        ("quantity", pa.int32()),
        ("unit_price", pa.decimal128(12, 2)),
        ("discount", pa.float64()),
    ]
)
ORDER_FAULTS = [set_value("null_key", "order_id", None), set_value("invalid_value", "status", "unknown")]
ORDER_LINE_FAULTS = [set_value("null_key", "order_id", None), set_value("invalid_value", "quantity", -3)]


def _order_events(ctx: BatchContext, customer_ids: np.ndarray, stores: pa.Table) -> pd.DataFrame:
    rng, window, n = ctx.rng("orders"), ctx.window, ctx.volumes.orders
    order_ids = ctx.batch * ORDER_IDS_PER_BATCH + np.arange(1, n + 1)
    store_index = rng.integers(0, stores.num_rows, n)
    store_country = stores["country"].to_numpy(zero_copy_only=False)[store_index]
    lifecycle = rng.choice(len(LIFECYCLES), n, p=[p for _, p in LIFECYCLES])
    order_ms = window.start_ms + rng.integers(0, window.span_ms, n)

    owner, step = expand(STEP_COUNTS[lifecycle])
    status = STEPS[lifecycle[owner], step]
    wait_ms = rng.exponential(pd.Series(status).map(MEAN_WAIT_HOURS).to_numpy() * HOUR_MS).astype(np.int64)
    # Later steps of orders placed near the end of the window are squeezed in before the window closes.
    ts_ms = np.minimum(order_ms[owner] + cumsum_within_groups(wait_ms, step), window.end_ms - 1)
    is_delete = status == "deleted"
    return pd.DataFrame(
        {
            "op": np.where(step == 0, "c", np.where(is_delete, "d", "u")),
            "ts_ms": ts_ms,
            "order_id": order_ids[owner],
            "customer_id": rng.choice(customer_ids, n)[owner],
            "store_id": stores["store_id"].to_numpy()[store_index][owner],
            "order_ts": order_ms[owner] * 1000,
            # A delete carries the order's last known status, as a row image would.
            "status": np.where(is_delete, "placed", status),
            "currency": pd.Series(store_country).map(vocab.CURRENCY_OF_COUNTRY).to_numpy()[owner],
            "channel": stores["channel"].to_numpy(zero_copy_only=False)[store_index][owner],
        }
    )


def _line_events(ctx: BatchContext, orders: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    rng, window = ctx.rng("order_lines"), ctx.window
    created = orders[orders["op"] == "c"]
    owner, step = expand(1 + rng.poisson(ctx.volumes.lines_per_order - 1, len(created)))
    n = len(owner)
    product = rng.choice(len(products), n, p=popularity(len(products)))
    order_currency = created["currency"].to_numpy()[owner]
    rates = vocab.EUR_REFERENCE_RATES
    to_order_currency = pd.Series(order_currency).map(rates) / products["currency"].map(rates).to_numpy()[product]
    lines = pd.DataFrame(
        {
            "op": "c",
            "ts_ms": created["ts_ms"].to_numpy()[owner],
            "order_id": created["order_id"].to_numpy()[owner],
            "line_no": step + 1,
            "product_id": products["product_id"].to_numpy()[product],
            "quantity": rng.geometric(0.55, n),
            "unit_price": np.round(products["unit_price"].to_numpy()[product] * to_order_currency, 2),
            "discount": rng.choice([0.0, 0.0, 0.0, 0.05, 0.1, 0.2], n),
        }
    )
    # Shortly after ordering, some customers change a quantity and some remove a line.
    changed = lines.sample(frac=0.05, random_state=rng).assign(op="u")
    changed["quantity"] = rng.geometric(0.4, len(changed))
    removed = lines.drop(changed.index).sample(frac=0.02, random_state=rng).assign(op="d")
    edits = pd.concat([changed, removed])
    edit_delay_ms = rng.exponential(15 * 60_000, len(edits)).astype(np.int64)
    edits["ts_ms"] = np.minimum(edits["ts_ms"] + edit_delay_ms, window.end_ms - 1)
    return pd.concat([lines, edits], ignore_index=True)


def _number_in_commit_order(batch: int, *feeds: pd.DataFrame) -> list[pd.DataFrame]:
    """One log sequence for the whole ERP database: events of all its tables are numbered in time order."""
    commit_order = np.argsort(np.concatenate([feed["ts_ms"].to_numpy() for feed in feeds]), kind="stable")
    lsn = np.empty(len(commit_order), dtype=np.int64)
    lsn[commit_order] = first_lsn(batch) + np.arange(len(commit_order))
    numbered, offset = [], 0
    for feed in feeds:
        feed = feed.assign(lsn=lsn[offset : offset + len(feed)]).sort_values("lsn", ignore_index=True)
        numbered.append(feed)
        offset += len(feed)
    return numbered


def _as_table(events: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(events, preserve_index=False).select(schema.names).cast(schema)


def order_change_events(
    ctx: BatchContext, customer_ids: np.ndarray, stores: pa.Table, products: pd.DataFrame
) -> tuple[pa.Table, pa.Table]:
    """The batch's order and order-line change events, each table in log sequence (commit) order."""
    orders = _order_events(ctx, customer_ids, stores)
    lines = _line_events(ctx, orders, products)
    orders, lines = _number_in_commit_order(ctx.batch, orders, lines)
    return _as_table(orders, ORDER_SCHEMA), _as_table(lines, ORDER_LINE_SCHEMA)


def write_orders(ctx: BatchContext, customer_ids: np.ndarray, stores: pa.Table, products: pd.DataFrame) -> np.ndarray:
    """Writes both change feeds and returns the ids of the orders created in this batch."""
    orders, lines = order_change_events(ctx, customer_ids, stores, products)
    write_table_feed(
        ctx.folder("erp/orders"),
        "orders",
        ctx.batch,
        orders,
        encode_parquet,
        "parquet",
        ORDER_FAULTS,
        ctx.rng("orders/faults"),
        ctx.bad_fraction,
        drift=with_column_type("store_id", pa.int64()),
    )
    write_table_feed(
        ctx.folder("erp/order_lines"),
        "order_lines",
        ctx.batch,
        lines,
        encode_parquet,
        "parquet",
        ORDER_LINE_FAULTS,
        ctx.rng("order_lines/faults"),
        ctx.bad_fraction,
        drift=with_column_type("quantity", pa.string()),
    )
    created = pc.equal(orders["op"], "c")
    return orders["order_id"].filter(created).to_numpy()
