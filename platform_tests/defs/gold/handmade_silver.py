"""A small hand-made Silver layer for the Gold tests, whose Gold figures are worked out by hand.

Days: D0 = 2025-12-31, D1 = 2026-01-05, D2 = 2026-01-06. FX (EUR base): GBP 0.80 from 2026-01-04
and 0.50 from D2; a deleted GBP rate of 0.10 on D1 must be ignored.

customer 1: version A (Berlin) until D1 12:00, then version B (Hamburg)      live
customer 2: one version from 2026-01-01                                      live
customer 3: one version, closed 2026-01-07; deleted in the CRM              tombstone
customer 4: one version, no orders                                           live (a prospect)

order  customer  day/time   status     currency channel  lines                               EUR
  1    1         D1 10:00   paid       EUR      store    2 x 10.00, 1 x 5.55 less 10%       25.00  (4.995 -> 5.00)
  2    1         D1 13:00   shipped    GBP      web      3 x 4.00 less 5% = 11.40 GBP / 0.8  14.25
  3    2         D1 15:00   cancelled  EUR      store    1 x 100.00                       not revenue
  4    2         D2 09:00   placed     GBP      web      1 x 8.00 = 8.00 GBP / 0.5           16.00  (+ a deleted line)
  5    3         D2 10:00   paid       EUR      store    2 x 7.50                            15.00
  6    1         D2 11:00   paid       EUR      store    1 x 500.00; order deleted        not revenue
  7    2         D0 08:00   paid       EUR      web      1 x 3.00 (before customer 2's       3.00
                                                         first version: belongs to it)
  8    99        D2 12:00   cancelled  EUR      web      1 x 1.00; customer 99 unknown    not revenue
Sessions: D1 customer 1 converted, D1 anonymous, D1 customer 2; D2 customer 1; a deleted D2 one.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake
from pyspark.sql.pandas.types import to_arrow_schema

from lakehouse.defs.silver import contracts as c
from lakehouse.lib.quality.contracts import spark_schema

D0, D1, D2 = date(2025, 12, 31), date(2026, 1, 5), date(2026, 1, 6)
EXPECTED_REVENUE_EUR = {D0: 3.00, D1: 39.25, D2: 31.00}
EXPECTED_CURRENT_CUSTOMERS = {1, 2, 4}


def at(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


CUSTOMERS = [
    {"customer_id": 1, "city": "Hamburg", "country": "DE"},
    {"customer_id": 2, "city": "Paris", "country": "FR"},
    {"customer_id": 3, "city": "Wien", "country": "AT", "is_deleted": True},
    {"customer_id": 4, "city": "Roma", "country": "IT"},
]
CUSTOMER_HISTORY = [
    {
        "customer_id": 1,
        "_sequence": 10,
        "city": "Berlin",
        "country": "DE",
        "valid_from": at(date(2026, 1, 1)),
        "valid_to": at(D1, 12),
        "is_current": False,
    },
    {
        "customer_id": 1,
        "_sequence": 20,
        "city": "Hamburg",
        "country": "DE",
        "valid_from": at(D1, 12),
        "is_current": True,
    },
    {
        "customer_id": 2,
        "_sequence": 11,
        "city": "Paris",
        "country": "FR",
        "valid_from": at(date(2026, 1, 1)),
        "is_current": True,
    },
    {
        "customer_id": 3,
        "_sequence": 12,
        "city": "Wien",
        "country": "AT",
        "valid_from": at(date(2026, 1, 1)),
        "valid_to": at(date(2026, 1, 7)),
        "is_current": False,
    },
    {
        "customer_id": 4,
        "_sequence": 13,
        "city": "Roma",
        "country": "IT",
        "valid_from": at(date(2026, 1, 1)),
        "is_current": True,
    },
]
ORDERS = [
    {
        "order_id": 1,
        "customer_id": 1,
        "store_id": 1,
        "order_ts": at(D1, 10),
        "status": "paid",
        "currency": "EUR",
        "channel": "store",
    },
    {
        "order_id": 2,
        "customer_id": 1,
        "store_id": 2,
        "order_ts": at(D1, 13),
        "status": "shipped",
        "currency": "GBP",
        "channel": "web",
    },
    {
        "order_id": 3,
        "customer_id": 2,
        "store_id": 1,
        "order_ts": at(D1, 15),
        "status": "cancelled",
        "currency": "EUR",
        "channel": "store",
    },
    {
        "order_id": 4,
        "customer_id": 2,
        "store_id": 2,
        "order_ts": at(D2, 9),
        "status": "placed",
        "currency": "GBP",
        "channel": "web",
    },
    {
        "order_id": 5,
        "customer_id": 3,
        "store_id": 1,
        "order_ts": at(D2, 10),
        "status": "paid",
        "currency": "EUR",
        "channel": "store",
    },
    {
        "order_id": 6,
        "customer_id": 1,
        "store_id": 1,
        "order_ts": at(D2, 11),
        "status": "paid",
        "currency": "EUR",
        "channel": "store",
        "is_deleted": True,
    },
    {
        "order_id": 7,
        "customer_id": 2,
        "store_id": 2,
        "order_ts": at(D0, 8),
        "status": "paid",
        "currency": "EUR",
        "channel": "web",
    },
    {
        "order_id": 8,
        "customer_id": 99,
        "store_id": 2,
        "order_ts": at(D2, 12),
        "status": "cancelled",
        "currency": "EUR",
        "channel": "web",
    },
]


def line(order_id: int, line_no: int, quantity: int, unit_price: str, discount: float = 0.0, **extra) -> dict:
    return {
        "order_id": order_id,
        "line_no": line_no,
        "product_id": 1,
        "quantity": quantity,
        "unit_price": Decimal(unit_price),
        "discount": discount,
        **extra,
    }


ORDER_LINES = [
    line(1, 1, 2, "10.00"),
    line(1, 2, 1, "5.55", 0.1),
    line(2, 1, 3, "4.00", 0.05),
    line(3, 1, 1, "100.00"),
    line(4, 1, 1, "8.00"),
    line(4, 2, 1, "1000.00", is_deleted=True),
    line(5, 1, 2, "7.50"),
    line(6, 1, 1, "500.00"),
    line(7, 1, 1, "3.00"),
    line(8, 1, 1, "1.00"),
]
FX_RATES = [
    {"rate_date": date(2026, 1, 4), "base_currency": "EUR", "quote_currency": "GBP", "rate": 0.80},
    {"rate_date": D1, "base_currency": "EUR", "quote_currency": "GBP", "rate": 0.10, "is_deleted": True},
    {"rate_date": D2, "base_currency": "EUR", "quote_currency": "GBP", "rate": 0.50},
]
SESSIONS = [
    {"session_id": "s1", "session_date": D1, "customer_id": 1, "converted": True},
    {"session_id": "s2", "session_date": D1, "customer_id": None, "converted": False},
    {"session_id": "s3", "session_date": D1, "customer_id": 2, "converted": False},
    {"session_id": "s4", "session_date": D2, "customer_id": 1, "converted": False},
    {"session_id": "s5", "session_date": D2, "customer_id": 1, "converted": True, "is_deleted": True},
]
PRODUCTS = [
    {
        "product_id": 1,
        "sku": "SKU-1",
        "name": "Mug",
        "category": "home",
        "unit_price": Decimal("10.00"),
        "currency": "EUR",
        "supplier_id": 1,
    }
]
STORES = [
    {"store_id": 1, "name": "Berlin", "city": "Berlin", "country": "DE", "channel": "store"},
    {"store_id": 2, "name": "Webshop", "country": "DE", "channel": "web"},
]
SUPPLIERS = [{"supplier_id": 1, "name": "Nordic Home AB", "country": "SE"}]

TABLES = {
    c.Customer: CUSTOMERS,
    c.CustomerVersion: CUSTOMER_HISTORY,
    c.Order: ORDERS,
    c.OrderLine: ORDER_LINES,
    c.FxRate: FX_RATES,
    c.ClickSession: SESSIONS,
    c.Product: PRODUCTS,
    c.Store: STORES,
    c.Supplier: SUPPLIERS,
}


def silver_table(contract, rows: list[dict]) -> pa.Table:
    """Rows as the Silver table of `contract` holds them: every contract column, bookkeeping filled in."""
    schema = to_arrow_schema(spark_schema(contract), timezone="UTC")
    defaults = {
        "is_deleted": False,
        "_sequence": 1,
        "_event_ts": at(D0),
        "event_count": 1,
        "started_at": at(D0),
        "ended_at": at(D0),
        "duration_seconds": 0,
        "page_views": 0,
        "product_views": 0,
        "add_to_cart_events": 0,
        "checkouts": 0,
        "purchases": 0,
    }
    present = {name: value for name, value in defaults.items() if name in schema.names}
    return pa.Table.from_pylist([{**present, **row} for row in rows], schema=schema)


def write_silver(data_root: Path, contract, rows: list[dict], mode: str = "overwrite") -> None:
    name = contract.__config__.name
    write_deltalake(str(data_root / "silver" / name), silver_table(contract, rows), mode=mode)


def write_all(data_root: Path) -> None:
    for contract, rows in TABLES.items():
        write_silver(data_root, contract, rows)
