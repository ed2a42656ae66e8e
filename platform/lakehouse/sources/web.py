"""Web shop clickstream (JSON lines): the high-volume feed, generated column-wise and written part by part."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lakehouse.sources import vocab
from lakehouse.sources.context import BatchContext
from lakehouse.sources.faults import add_field, broken_line, drop_field, set_value
from lakehouse.sources.ragged import cumsum_within_groups, expand
from lakehouse.sources.randomness import popularity, uuid_strings
from lakehouse.sources.serialize import iso_utc
from lakehouse.sources.timeline import BATCH_DAYS, DAY_MS, HOUR_MS, Window
from lakehouse.sources.writers import RowSource, write_json_feed

EVENT_TYPES = pa.array(["page_view", "product_view", "add_to_cart", "checkout", "purchase"])
PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, CHECKOUT, PURCHASE = range(len(EVENT_TYPES))
DEVICES = pa.array(list(vocab.USER_AGENTS))
DEVICE_SHARE = [0.58, 0.34, 0.08]
USER_AGENTS = pa.array([agent for agents in vocab.USER_AGENTS.values() for agent in agents])
AGENT_COUNTS = np.array([len(agents) for agents in vocab.USER_AGENTS.values()])
AGENT_OFFSETS = np.cumsum(AGENT_COUNTS) - AGENT_COUNTS
FIXED_PAGES = [
    f"{vocab.SHOP_URL}/",
    *(f"{vocab.SHOP_URL}/c/{category}" for category in vocab.CATEGORIES),
    f"{vocab.SHOP_URL}/checkout",
    f"{vocab.SHOP_URL}/checkout/confirmation",
]
HOME_PAGE, CHECKOUT_PAGE, CONFIRMATION_PAGE = 0, len(FIXED_PAGES) - 2, len(FIXED_PAGES) - 1
# Share of sessions starting in each UTC hour: quiet at night, busiest in the evening.
HOURLY_TRAFFIC = np.array([1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 5, 2], dtype=float)
MEAN_SECONDS_BETWEEN_EVENTS = 45
LOGGED_IN_SHARE = 0.55
CONVERTING_SHARE = 0.2

CLICKSTREAM_FAULTS = [
    broken_line(),
    set_value("wrong_type", "customer_id", "abc"),
    drop_field("missing_field", "event_type"),
    add_field("extra_field", "coupon_code", "SPRING10"),
]


@dataclass
class Clicks:
    """One batch of events as compact numeric columns, in time order; text is only built per part file."""

    ts_ms: np.ndarray
    session: np.ndarray
    event_type: np.ndarray
    product_id: np.ndarray  # 0 where the event has no product
    url: np.ndarray  # index into the URL vocabulary
    referrer: np.ndarray  # index into the URL vocabulary, -1 for direct traffic
    session_customer: np.ndarray  # 0 for anonymous sessions
    session_device: np.ndarray
    session_agent: np.ndarray


def _session_lengths(rng: np.random.Generator, n_events: int) -> np.ndarray:
    """Geometric session lengths (mean 6) whose total is exactly n_events."""
    lengths = 1 + rng.geometric(0.2, n_events // 2 + 10)
    ends = np.cumsum(lengths)
    n_sessions = int(np.searchsorted(ends, n_events)) + 1
    lengths = lengths[:n_sessions]
    lengths[-1] -= ends[n_sessions - 1] - n_events
    return lengths


def _event_types(rng: np.random.Generator, lengths: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Browse, view and add to cart; converting sessions end in add_to_cart, checkout, purchase."""
    types = rng.choice([PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART], len(step), p=[0.35, 0.5, 0.15]).astype(np.int8)
    types[step == 0] = PAGE_VIEW
    last = np.cumsum(lengths) - 1
    converting = last[(lengths >= 4) & (rng.random(len(lengths)) < CONVERTING_SHARE)]
    types[converting - 2], types[converting - 1], types[converting] = ADD_TO_CART, CHECKOUT, PURCHASE
    return types


def _viewed_products(
    rng: np.random.Generator, types: np.ndarray, step: np.ndarray, n_products: int
) -> tuple[np.ndarray, np.ndarray]:
    """Event types (adjusted in place) and the product index of every event (-1 for none).

    Carts and purchases refer to the session's last viewed product.
    """
    drawn = rng.choice(n_products, len(types), p=popularity(n_products))
    session_start = np.arange(len(types)) - step

    def last_view() -> np.ndarray:
        return np.maximum.accumulate(np.where(types == PRODUCT_VIEW, np.arange(len(types)), -1))

    # Adding to the cart before viewing any product is really a product view.
    types[(types == ADD_TO_CART) & (last_view() < session_start)] = PRODUCT_VIEW
    has_product = np.isin(types, [PRODUCT_VIEW, ADD_TO_CART, PURCHASE])
    return types, np.where(has_product, drawn[last_view()], -1)


def _url_vocabulary(product_ids: np.ndarray) -> pa.Array:
    """Every URL an event can show: the fixed pages, one page per product, then the external referrers."""
    product_pages = pd.Series(product_ids).astype(str).radd(f"{vocab.SHOP_URL}/p/")
    return pa.array([*FIXED_PAGES, *product_pages, *vocab.EXTERNAL_REFERRERS])


def _event_times(rng: np.random.Generator, window: Window, lengths: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Sessions start following the daily traffic curve; their events follow each other by tens of seconds."""
    n_sessions = len(lengths)
    gaps = np.where(step == 0, 0, rng.exponential(MEAN_SECONDS_BETWEEN_EVENTS * 1000, len(step))).astype(np.int64)
    offset_ms = cumsum_within_groups(gaps, step)
    hour = rng.choice(24, n_sessions, p=HOURLY_TRAFFIC / HOURLY_TRAFFIC.sum())
    day = rng.integers(0, BATCH_DAYS, n_sessions)
    start_ms = window.start_ms + day * DAY_MS + hour * HOUR_MS + rng.integers(0, HOUR_MS, n_sessions)
    # Whole sessions stay inside the window, so a later batch never has events from an earlier one's days.
    start_ms = np.minimum(start_ms, window.end_ms - 1 - offset_ms[np.cumsum(lengths) - 1])
    return np.repeat(start_ms, lengths) + offset_ms


def _pages(
    rng: np.random.Generator, types: np.ndarray, product: np.ndarray, lengths: np.ndarray, n_products: int
) -> tuple[np.ndarray, np.ndarray]:
    """Page and referrer per event as indices into the URL vocabulary (referrer -1 for direct traffic).

    The first event of a session is referred from outside (or typed in); every later one by the previous page.
    """
    first_product_page, first_referrer = len(FIXED_PAGES), len(FIXED_PAGES) + n_products
    category_page = 1 + rng.integers(0, len(vocab.CATEGORIES), len(types))
    browse_page = np.where(rng.random(len(types)) < 0.3, HOME_PAGE, category_page)
    page = np.select(
        [types == CHECKOUT, types == PURCHASE, product >= 0],
        [CHECKOUT_PAGE, CONFIRMATION_PAGE, first_product_page + product],
        browse_page,
    )
    external = first_referrer + rng.integers(0, len(vocab.EXTERNAL_REFERRERS), len(lengths))
    session_referrer = np.where(rng.random(len(lengths)) < 0.3, -1, external)
    referrer = np.concatenate([[-1], page[:-1]])
    referrer[np.cumsum(lengths) - lengths] = session_referrer
    return page, referrer


def _clicks(ctx: BatchContext, customer_ids: np.ndarray, product_ids: np.ndarray) -> Clicks:
    """The batch's events as numeric columns, sorted by event time."""
    rng = ctx.rng("clickstream")
    lengths = _session_lengths(rng, ctx.volumes.events)
    session, step = expand(lengths)
    types, product = _viewed_products(rng, _event_types(rng, lengths, step), step, len(product_ids))
    ts_ms = _event_times(rng, ctx.window, lengths, step)
    page, referrer = _pages(rng, types, product, lengths, len(product_ids))
    device = rng.choice(len(DEVICES), len(lengths), p=DEVICE_SHARE)
    logged_in = rng.random(len(lengths)) < LOGGED_IN_SHARE
    time_order = np.argsort(ts_ms, kind="stable")
    return Clicks(
        ts_ms=ts_ms[time_order],
        session=session[time_order],
        event_type=types[time_order],
        product_id=np.where(product >= 0, product_ids[product], 0)[time_order],
        url=page[time_order],
        referrer=referrer[time_order],
        session_customer=np.where(logged_in, rng.choice(customer_ids, len(lengths)), 0),
        session_device=device,
        session_agent=AGENT_OFFSETS[device] + rng.integers(0, AGENT_COUNTS[device]),
    )


def _optional_ids(ids: np.ndarray) -> pa.Array:
    return pa.array(ids, pa.int64(), mask=ids == 0)


def clickstream_rows(ctx: BatchContext, customer_ids: np.ndarray, product_ids: np.ndarray) -> tuple[int, RowSource]:
    """How many events the batch has, and rows(start, stop) building any slice of them in time order."""
    clicks, urls = _clicks(ctx, customer_ids, product_ids), _url_vocabulary(product_ids)
    session_ids = uuid_strings(ctx.rng("clickstream/session-ids"), len(clicks.session_customer))

    def rows(start: int, stop: int) -> pa.Table:
        part, session = slice(start, stop), clicks.session[start:stop]
        referrer = clicks.referrer[part]
        return pa.table(
            {
                # Seeded by the part's first row, so event ids do not depend on how the parts are visited.
                "event_id": uuid_strings(ctx.rng(f"clickstream/event-ids/{start}"), stop - start),
                "event_ts": iso_utc(clicks.ts_ms[part], millis=True),
                "session_id": session_ids.take(session),
                "customer_id": _optional_ids(clicks.session_customer[session]),
                "event_type": EVENT_TYPES.take(clicks.event_type[part]),
                "page_url": urls.take(clicks.url[part]),
                "product_id": _optional_ids(clicks.product_id[part]),
                "referrer": urls.take(pa.array(referrer, mask=referrer < 0)),
                "user_agent": USER_AGENTS.take(clicks.session_agent[session]),
                "device": DEVICES.take(clicks.session_device[session]),
            }
        )

    return len(clicks.ts_ms), rows


def write_clickstream(ctx: BatchContext, customer_ids: np.ndarray, product_ids: np.ndarray) -> None:
    n_events, rows = clickstream_rows(ctx, customer_ids, product_ids)
    write_json_feed(
        ctx.folder("web/clickstream"),
        "events",
        ctx.batch,
        n_events,
        rows,
        CLICKSTREAM_FAULTS,
        ctx.rng("clickstream/faults"),
        ctx.bad_fraction,
    )
