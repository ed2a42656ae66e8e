"""ERP master data: suppliers (Avro), stores (ORC) and the product catalogue (JSON lines)."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from lakehouse.sources import vocab
from lakehouse.sources.context import BatchContext
from lakehouse.sources.faults import add_field, broken_line, drop_field, set_value
from lakehouse.sources.serialize import iso_utc
from lakehouse.sources.timeline import DAY_MS, batch_window
from lakehouse.sources.writers import avro_encoder, encode_orc, write_json_feed, write_table_feed

SUPPLIER_AVRO_SCHEMA = {
    "type": "record",
    "name": "Supplier",
    "namespace": "erp",
    "fields": [
        {"name": "supplier_id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "country", "type": "string"},
        {"name": "email", "type": ["null", "string"]},
    ],
}
STORE_SCHEMA = pa.schema(
    [
        ("store_id", pa.int32()),
        ("name", pa.string()),
        ("city", pa.string()),
        ("country", pa.string()),
        ("channel", pa.string()),
        ("opened_at", pa.date32()),
    ]
)
PRODUCT_CURRENCIES = np.array(["EUR", "USD", "GBP"])
CATEGORIES = np.array(list(vocab.CATEGORIES))
CATEGORY_NOUNS = np.array(list(vocab.CATEGORIES.values()))
YEAR_MS = 365 * DAY_MS

MakeRows = Callable[[np.random.Generator, np.ndarray, int], pa.Table]


def _accumulated(ctx: BatchContext, name: str, base_count: int, make: MakeRows) -> pa.Table:
    """Rows that exist in this batch: the batch-0 base plus one row added by every later batch."""
    tables, next_id = [], 1
    for batch in range(ctx.batch + 1):
        count = base_count if batch == 0 else 1
        tables.append(make(ctx.rng(name, batch), np.arange(next_id, next_id + count), batch))
        next_id += count
    return pa.concat_tables(tables)


def _supplier_rows(rng: np.random.Generator, ids: np.ndarray, batch: int) -> pa.Table:
    # Ids beyond the vocabulary reuse its names: a supplier re-registered under a new id.
    names, countries = zip(*(vocab.SUPPLIERS[(i - 1) % len(vocab.SUPPLIERS)] for i in ids))
    mailboxes = rng.choice(["orders", "sales", "info"], len(ids))
    emails = [f"{mailbox}@{name.split()[0].lower()}-{i}.example" for mailbox, name, i in zip(mailboxes, names, ids)]
    return pa.table({"supplier_id": pa.array(ids, pa.int64()), "name": names, "country": countries, "email": emails})


def _store_rows(rng: np.random.Generator, ids: np.ndarray, batch: int) -> pa.Table:
    window = batch_window(batch)
    cities = [vocab.CITIES[i] for i in rng.integers(0, len(vocab.CITIES), len(ids))]
    # Every tenth store is a webshop and the one after it a marketplace listing; the others are shops.
    channels = np.where(ids % 10 == 1, "web", np.where(ids % 10 == 2, "marketplace", "store"))
    sites = rng.choice(["Centre", "Mall", "Station", "Old Town", "Outlet"], len(ids))
    names = [
        f"Webshop {country}"
        if channel == "web"
        else f"Marketplace {country}"
        if channel == "marketplace"
        else f"{city} {site}"
        for (city, country, *_), channel, site in zip(cities, channels, sites)
    ]
    # The original stores opened over the past years; each later batch opens a new one in its own window.
    if batch == 0:
        opened_ms = window.start_ms - rng.integers(0, 12 * YEAR_MS, len(ids))
    else:
        opened_ms = window.start_ms + rng.integers(0, window.span_ms, len(ids))
    return pa.table(
        {
            "store_id": ids,
            "name": names,
            "city": [city[0] for city in cities],
            "country": [city[1] for city in cities],
            "channel": channels,
            "opened_at": pa.array(opened_ms // DAY_MS, pa.int32()).cast(pa.date32()),
        },
        schema=STORE_SCHEMA,
    )


def write_suppliers(ctx: BatchContext) -> pa.Table:
    suppliers = _accumulated(ctx, "suppliers", ctx.volumes.suppliers, _supplier_rows)
    sync_marker = ctx.rng("suppliers/avro-sync").bytes(16)
    write_table_feed(
        ctx.folder("erp/suppliers"),
        "suppliers",
        ctx.batch,
        suppliers,
        avro_encoder(SUPPLIER_AVRO_SCHEMA, sync_marker),
        "avro",
        [set_value("invalid_email", "email", "n/a")],
        ctx.rng("suppliers/faults"),
        ctx.bad_fraction,
        min_parts=1,
    )
    return suppliers


def stores_as_of(ctx: BatchContext) -> pa.Table:
    return _accumulated(ctx, "stores", ctx.volumes.stores, _store_rows)


def write_stores(ctx: BatchContext) -> pa.Table:
    stores = stores_as_of(ctx)
    write_table_feed(
        ctx.folder("erp/stores"),
        "stores",
        ctx.batch,
        stores,
        encode_orc,
        "orc",
        [set_value("invalid_value", "channel", "kiosk")],
        ctx.rng("stores/faults"),
        ctx.bad_fraction,
        min_parts=1,
    )
    return stores


@dataclass
class Catalog:
    """The product catalogue as of this batch, and the rows this batch delivers (all of it for batch 0)."""

    products: pd.DataFrame
    delivered: pd.DataFrame
    new_product_ids: np.ndarray


def _new_products(rng: np.random.Generator, ids: np.ndarray, updated_ms: np.ndarray, suppliers: int) -> pd.DataFrame:
    n = len(ids)
    category_index = rng.integers(0, len(CATEGORIES), n)
    category = pd.Series(CATEGORIES[category_index])
    noun = CATEGORY_NOUNS[category_index, rng.integers(0, CATEGORY_NOUNS.shape[1], n)]
    currency = pd.Series(rng.choice(PRODUCT_CURRENCIES, n, p=[0.7, 0.2, 0.1]))
    eur_price = np.exp(rng.normal(3.0, 0.8, n))
    return pd.DataFrame(
        {
            "product_id": ids,
            "sku": "SKU-" + category.str[:3].str.upper() + "-" + pd.Series(ids).astype(str).str.zfill(6),
            "name": rng.choice(vocab.PRODUCT_ADJECTIVES, n) + " " + pd.Series(noun),
            "category": category,
            "unit_price": np.round(np.maximum(eur_price * currency.map(vocab.EUR_REFERENCE_RATES), 0.5), 2),
            "currency": currency,
            "supplier_id": rng.integers(1, suppliers + 1, n),
            "updated_ms": updated_ms,
        }
    )


def catalog_as_of(ctx: BatchContext) -> Catalog:
    """Replay the catalogue batch by batch: batch 0 lists it all, later batches add products and reprice some.

    Products only reference the original suppliers, so a replayed batch never depends on suppliers added later.
    """
    base, suppliers = ctx.volumes.products, ctx.volumes.suppliers
    window = batch_window(0)
    rng = ctx.rng("products", 0)
    products = _new_products(rng, np.arange(1, base + 1), window.start_ms - rng.integers(0, YEAR_MS, base), suppliers)
    delivered, new_ids = products, products["product_id"].to_numpy()
    for batch in range(1, ctx.batch + 1):
        rng, window, volumes = ctx.rng("products", batch), batch_window(batch), ctx.volumes_of(batch)
        new_ids = np.arange(len(products) + 1, len(products) + volumes.new_products + 1)
        added = _new_products(rng, new_ids, window.start_ms + rng.integers(0, window.span_ms, len(new_ids)), suppliers)
        repriced = products.sample(min(volumes.repriced_products, len(products)), random_state=rng).copy()
        repriced["unit_price"] = np.round(repriced["unit_price"] * rng.normal(1.0, 0.08, len(repriced)), 2).clip(0.5)
        repriced["updated_ms"] = window.start_ms + rng.integers(0, window.span_ms, len(repriced))
        delivered = pd.concat([repriced, added]).sort_values("updated_ms", kind="stable")
        products = pd.concat([products.drop(repriced.index), repriced, added]).sort_values("product_id")
        products = products.reset_index(drop=True)
    return Catalog(products, delivered.reset_index(drop=True), new_ids)


def _product_records(delivered: pd.DataFrame) -> pa.Table:
    return pa.table(
        {
            "product_id": pa.array(delivered["product_id"], pa.int64()),
            "sku": delivered["sku"],
            "name": delivered["name"],
            "category": delivered["category"],
            "unit_price": pa.array(delivered["unit_price"]).cast(pa.decimal128(12, 2)),
            "currency": delivered["currency"],
            "supplier_id": pa.array(delivered["supplier_id"], pa.int64()),
            "updated_at": iso_utc(delivered["updated_ms"].to_numpy()),
        }
    )


PRODUCT_FAULTS = [
    broken_line(),
    set_value("wrong_type", "unit_price", "twelve"),
    drop_field("missing_field", "sku"),
    add_field("extra_field", "legacy_code", "OLD-0001"),
]


def write_products(ctx: BatchContext) -> Catalog:
    catalog = catalog_as_of(ctx)
    records = _product_records(catalog.delivered)
    write_json_feed(
        ctx.folder("erp/products"),
        "products",
        ctx.batch,
        records.num_rows,
        lambda start, stop: records.slice(start, stop - start),
        PRODUCT_FAULTS,
        ctx.rng("products/faults"),
        ctx.bad_fraction,
    )
    return catalog
