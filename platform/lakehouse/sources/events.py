"""The sample company's change events and clickstream as keyed messages, for the event producer.

Same simulated company as the landing files (a seed and a batch give the same customers, orders and
sessions), but published the way the systems would: one message per event, keyed by the entity it
belongs to (customer, order, web session) so that all events of one key go to one partition and keep
their order, with a JSON value shaped like the file feed's record. The topics are merged into one
timeline by the time each event happened at its source.
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from itertools import count

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse.sources.catalog import catalog_as_of, stores_as_of
from lakehouse.sources.context import BatchContext
from lakehouse.sources.crm import change_records, customer_history
from lakehouse.sources.sales import order_change_events
from lakehouse.sources.serialize import iso_utc, json_lines
from lakehouse.sources.topics import CLICKSTREAM, CUSTOMER_CHANGES, ORDER_LINES, ORDERS, TOPICS
from lakehouse.sources.web import clickstream_rows


@dataclass(frozen=True)
class Message:
    topic: str
    key: str
    value: str


@dataclass(frozen=True)
class TopicMessages:
    """One topic's messages of a batch, in the order the source committed them."""

    topic: str
    keys: pa.Array  # string
    values: pa.Array  # JSON text
    ts_ms: np.ndarray  # when each event happened at the source


def _json_values(table: pa.Table) -> pa.Array:
    return pc.utf8_rtrim(json_lines(table), characters="\n")


def _topic_messages(topic: str, keys: pa.Array | np.ndarray, table: pa.Table, ts_ms: np.ndarray) -> TopicMessages:
    return TopicMessages(topic, pc.cast(keys, pa.string()), _json_values(table), np.asarray(ts_ms, dtype=np.int64))


def _with_iso_order_ts(orders: pa.Table) -> pa.Table:
    order_ms = pc.cast(orders["order_ts"], pa.int64()).to_numpy() // 1000
    return orders.set_column(orders.schema.get_field_index("order_ts"), "order_ts", iso_utc(order_ms))


def batch_messages(seed: int, batch: int, scale: int, topics: Collection[str] = TOPICS) -> list[TopicMessages]:
    """The messages of batch `batch` for `topics`; only the sources those topics need are simulated."""
    # Nothing is written, so the context has no landing folder and no file summary; every batch has one scale.
    ctx = BatchContext(None, seed, batch, 0.0, (scale,) * (batch + 1), None)
    customers, changes = customer_history(ctx)
    customer_ids = customers.index.to_numpy()
    streams = []
    if CUSTOMER_CHANGES in topics:
        records, keys = change_records(customers, changes, batch)
        streams.append(_topic_messages(CUSTOMER_CHANGES, keys, records, records["ts_ms"].to_numpy()))
    if ORDERS in topics or ORDER_LINES in topics or CLICKSTREAM in topics:
        products = catalog_as_of(ctx).products
    if ORDERS in topics or ORDER_LINES in topics:
        orders, lines = order_change_events(ctx, customer_ids, stores_as_of(ctx), products)
        for topic, table in ((ORDERS, _with_iso_order_ts(orders)), (ORDER_LINES, lines)):
            if topic in topics:
                streams.append(_topic_messages(topic, table["order_id"], table, table["ts_ms"].to_numpy()))
    if CLICKSTREAM in topics:
        n_events, rows = clickstream_rows(ctx, customer_ids, products["product_id"].to_numpy())
        clicks = rows(0, n_events)
        event_ms = pc.cast(pc.cast(clicks["event_ts"], pa.timestamp("ms", tz="UTC")), pa.int64()).to_numpy()
        streams.append(_topic_messages(CLICKSTREAM, clicks["session_id"], clicks, event_ms))
    return streams


def in_time_order(streams: list[TopicMessages]) -> Iterator[Message]:
    """All messages of `streams` by source time; a stable sort keeps each topic's commit order on ties."""
    ts_ms = np.concatenate([s.ts_ms for s in streams])
    stream_of = np.repeat(np.arange(len(streams)), [len(s.ts_ms) for s in streams])
    position = np.concatenate([np.arange(len(s.ts_ms)) for s in streams])
    keys = [s.keys.to_pylist() for s in streams]
    values = [s.values.to_pylist() for s in streams]
    for i in np.argsort(ts_ms, kind="stable"):
        stream, row = stream_of[i], position[i]
        yield Message(streams[stream].topic, keys[stream][row], values[stream][row])


def event_messages(
    seed: int, first_batch: int, scale: int, topics: Collection[str] = TOPICS
) -> Iterator[tuple[int, Message]]:
    """(batch, message) for batch after batch from `first_batch`, without end: each batch adds later events."""
    for batch in count(first_batch):
        for message in in_time_order(batch_messages(seed, batch, scale, topics)):
            yield batch, message
