"""The contracts of the Silver tables: one pandera model per table, the single source of truth for
its columns, types, nullability, PII tags and key (see lakehouse.lib.quality.contracts)."""

import pandera.pyspark as pa
import pyspark.sql.types as T

ISO_COUNTRY = r"^[A-Z]{2}$"
ISO_CURRENCY = r"^[A-Z]{3}$"
E164 = r"^\+[1-9][0-9]{6,14}$"


class _Tombstoned(pa.DataFrameModel):
    """Columns of every SCD1 table: which change the row holds, and whether it was deleted."""

    is_deleted: T.BooleanType() = pa.Field(description="Deleted at the source; kept so late changes cannot revive it")
    # Attribute names cannot start with "_" in a pandera model; the alias is the column name.
    sequence: T.LongType() = pa.Field(description="Source sequence of the change the row holds", alias="_sequence")
    event_ts_: T.TimestampType() = pa.Field(description="When the source made that change (UTC)", alias="_event_ts")


class _CustomerAttributes(pa.DataFrameModel):
    customer_id: T.LongType() = pa.Field(description="CRM customer number")
    first_name: T.StringType() = pa.Field(nullable=True, metadata={"pii": "name"})
    last_name: T.StringType() = pa.Field(nullable=True, metadata={"pii": "name"})
    email: T.StringType() = pa.Field(nullable=True, metadata={"pii": "email"}, description="Trimmed, lower-case")
    phone: T.StringType() = pa.Field(nullable=True, str_matches=E164, metadata={"pii": "phone"}, description="E.164")
    street: T.StringType() = pa.Field(nullable=True, metadata={"pii": "address"})
    city: T.StringType() = pa.Field(nullable=True)
    postal_code: T.StringType() = pa.Field(nullable=True, metadata={"pii": "address"})
    country: T.StringType() = pa.Field(nullable=True, str_matches=ISO_COUNTRY, description="ISO 3166 alpha-2")
    updated_at: T.TimestampType() = pa.Field(nullable=True, description="Last change in the CRM (UTC)")


class Customer(_Tombstoned, _CustomerAttributes):
    class Config:
        name = "customers"
        unique = ["customer_id"]
        metadata = {"version": 1, "owner": "team:crm-analytics"}


class CustomerVersion(_CustomerAttributes):
    valid_from: T.TimestampType() = pa.Field(description="This version holds from (UTC)")
    valid_to: T.TimestampType() = pa.Field(nullable=True, description="Until (UTC); NULL while current")
    is_current: T.BooleanType() = pa.Field()
    sequence: T.LongType() = pa.Field(description="Source sequence of the change that opened it", alias="_sequence")

    class Config:
        name = "customer_history"
        unique = ["customer_id", "_sequence"]
        metadata = {"version": 1, "owner": "team:crm-analytics"}


class Order(_Tombstoned):
    order_id: T.LongType() = pa.Field()
    customer_id: T.LongType() = pa.Field(nullable=True)
    store_id: T.IntegerType() = pa.Field(nullable=True)
    order_ts: T.TimestampType() = pa.Field(nullable=True, description="Order time (UTC)")
    status: T.StringType() = pa.Field(nullable=True, isin=["placed", "paid", "shipped", "cancelled"])
    currency: T.StringType() = pa.Field(nullable=True, str_matches=ISO_CURRENCY)
    channel: T.StringType() = pa.Field(nullable=True)

    class Config:
        name = "orders"
        unique = ["order_id"]
        metadata = {"version": 1, "owner": "team:sales-analytics"}


class OrderLine(_Tombstoned):
    order_id: T.LongType() = pa.Field()
    line_no: T.IntegerType() = pa.Field()
    product_id: T.LongType() = pa.Field(nullable=True)
    quantity: T.IntegerType() = pa.Field(nullable=True, gt=0)
    unit_price: T.DecimalType(12, 2) = pa.Field(nullable=True, ge=0)
    discount: T.DoubleType() = pa.Field(nullable=True, ge=0, le=1)

    class Config:
        name = "order_lines"
        unique = ["order_id", "line_no"]
        metadata = {"version": 1, "owner": "team:sales-analytics"}


class Product(_Tombstoned):
    product_id: T.LongType() = pa.Field()
    sku: T.StringType() = pa.Field(nullable=True)
    name: T.StringType() = pa.Field(nullable=True)
    category: T.StringType() = pa.Field(nullable=True)
    unit_price: T.DecimalType(12, 2) = pa.Field(nullable=True, ge=0)
    currency: T.StringType() = pa.Field(nullable=True, str_matches=ISO_CURRENCY)
    supplier_id: T.LongType() = pa.Field(nullable=True)
    updated_at: T.TimestampType() = pa.Field(nullable=True)

    class Config:
        name = "products"
        unique = ["product_id"]
        metadata = {"version": 1, "owner": "team:merchandising"}


class ClickEvent(_Tombstoned):
    event_id: T.StringType() = pa.Field()
    event_ts: T.TimestampType() = pa.Field(description="UTC")
    event_date: T.DateType() = pa.Field(description="UTC day of event_ts")
    session_id: T.StringType() = pa.Field(nullable=True)
    customer_id: T.LongType() = pa.Field(nullable=True)
    event_type: T.StringType() = pa.Field(
        nullable=True, isin=["page_view", "product_view", "add_to_cart", "checkout", "purchase"]
    )
    page_url: T.StringType() = pa.Field(nullable=True)
    product_id: T.LongType() = pa.Field(nullable=True)
    referrer: T.StringType() = pa.Field(nullable=True, description="'(direct)' for a visit without a referrer")
    device: T.StringType() = pa.Field(nullable=True)

    class Config:
        name = "clickstream_events"
        unique = ["event_id"]
        metadata = {"version": 1, "owner": "team:web-analytics"}


class ClickSession(_Tombstoned):
    session_id: T.StringType() = pa.Field()
    session_date: T.DateType() = pa.Field(description="UTC day the session started")
    customer_id: T.LongType() = pa.Field(nullable=True, description="Logged-in customer; NULL for anonymous sessions")
    started_at: T.TimestampType() = pa.Field(description="First event (UTC)")
    ended_at: T.TimestampType() = pa.Field(description="Last event so far (UTC)")
    duration_seconds: T.LongType() = pa.Field(ge=0)
    event_count: T.LongType() = pa.Field(gt=0)
    page_views: T.LongType() = pa.Field(ge=0)
    product_views: T.LongType() = pa.Field(ge=0)
    add_to_cart_events: T.LongType() = pa.Field(ge=0)
    checkouts: T.LongType() = pa.Field(ge=0)
    purchases: T.LongType() = pa.Field(ge=0)
    converted: T.BooleanType() = pa.Field(description="The session ended in at least one purchase")
    landing_page: T.StringType() = pa.Field(nullable=True, description="URL of the first event")
    referrer: T.StringType() = pa.Field(nullable=True, description="Referrer of the first event")
    device: T.StringType() = pa.Field(nullable=True)

    class Config:
        name = "clickstream_sessions"
        unique = ["session_id"]
        metadata = {"version": 1, "owner": "team:web-analytics"}


class FxRate(_Tombstoned):
    rate_date: T.DateType() = pa.Field()
    base_currency: T.StringType() = pa.Field(str_matches=ISO_CURRENCY)
    quote_currency: T.StringType() = pa.Field(str_matches=ISO_CURRENCY)
    rate: T.DoubleType() = pa.Field(gt=0, description="Units of quote currency per unit of base currency")

    class Config:
        name = "fx_rates"
        unique = ["rate_date", "base_currency", "quote_currency"]
        metadata = {"version": 1, "owner": "team:finance"}


class Store(_Tombstoned):
    store_id: T.IntegerType() = pa.Field()
    name: T.StringType() = pa.Field(nullable=True)
    city: T.StringType() = pa.Field(nullable=True)
    country: T.StringType() = pa.Field(nullable=True, str_matches=ISO_COUNTRY, description="ISO 3166 alpha-2")
    channel: T.StringType() = pa.Field(nullable=True, isin=["store", "web", "marketplace"])
    opened_at: T.DateType() = pa.Field(nullable=True)

    class Config:
        name = "stores"
        unique = ["store_id"]
        metadata = {"version": 1, "owner": "team:retail-operations"}


class Supplier(_Tombstoned):
    supplier_id: T.LongType() = pa.Field()
    name: T.StringType() = pa.Field(nullable=True)
    country: T.StringType() = pa.Field(nullable=True, str_matches=ISO_COUNTRY, description="ISO 3166 alpha-2")
    email: T.StringType() = pa.Field(nullable=True, metadata={"pii": "email"}, description="Trimmed, lower-case")

    class Config:
        name = "suppliers"
        unique = ["supplier_id"]
        metadata = {"version": 1, "owner": "team:procurement"}


class InvoiceDocument(_Tombstoned):
    order_id: T.LongType() = pa.Field(description="The order the invoice belongs to, from the file name")
    file_path: T.StringType() = pa.Field()
    size_bytes: T.LongType() = pa.Field(ge=0)
    sha256: T.StringType() = pa.Field(str_length=64)
    content_type: T.StringType() = pa.Field()
    modified_at: T.TimestampType() = pa.Field(nullable=True)

    class Config:
        name = "invoice_documents"
        unique = ["order_id"]
        metadata = {"version": 1, "owner": "team:finance"}


SILVER_CONTRACTS = (
    Customer,
    CustomerVersion,
    Order,
    OrderLine,
    Product,
    ClickEvent,
    ClickSession,
    FxRate,
    Store,
    Supplier,
    InvoiceDocument,
)
