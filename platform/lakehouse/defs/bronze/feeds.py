"""The landing-zone feeds of the sample retail company and the types each source promises.

A feed takes the files of its format (`.json`, `.JSON`, `.json.gz`, ...); binary feeds name their extensions.
"""

from lakehouse.lib.ingest.feeds import FileFeed

_CUSTOMER = (
    "customer_id bigint, first_name string, last_name string, email string, phone string, street string, "
    "city string, postal_code string, country string, updated_at timestamp"
)
_CHANGE_EVENT = "op string, ts_ms bigint, lsn bigint"

FILE_FEEDS: tuple[FileFeed, ...] = (
    FileFeed(
        name="crm_customers",
        source_system="crm",
        landing_path="crm/customers",
        format="csv",
        expected_schema=_CUSTOMER,
        description="Daily full extracts of the CRM customer master (CSV, contains PII).",
    ),
    FileFeed(
        name="crm_customer_changes",
        source_system="crm",
        landing_path="crm/customer_changes",
        format="json",
        expected_schema=f"{_CHANGE_EVENT}, before struct<{_CUSTOMER}>, after struct<{_CUSTOMER}>",
        description="Debezium-style change feed of CRM customers (JSON lines: op, ts_ms, lsn, before, after).",
    ),
    FileFeed(
        name="erp_products",
        source_system="erp",
        landing_path="erp/products",
        format="json",
        expected_schema=(
            "product_id bigint, sku string, name string, category string, unit_price decimal(12,2), "
            "currency string, supplier_id bigint, updated_at timestamp"
        ),
        description="ERP product catalogue exports (JSON lines).",
    ),
    FileFeed(
        name="erp_stores",
        source_system="erp",
        landing_path="erp/stores",
        format="orc",
        expected_schema="store_id int, name string, city string, country string, channel string, opened_at date",
        description="ERP store master (ORC).",
    ),
    FileFeed(
        name="erp_suppliers",
        source_system="erp",
        landing_path="erp/suppliers",
        format="avro",
        expected_schema="supplier_id bigint, name string, country string, email string",
        description="ERP supplier master (Avro).",
    ),
    FileFeed(
        name="erp_orders",
        source_system="erp",
        landing_path="erp/orders",
        format="parquet",
        expected_schema=(
            f"{_CHANGE_EVENT}, order_id bigint, customer_id bigint, store_id int, order_ts timestamp, "
            "status string, currency string, channel string"
        ),
        description="Change events of ERP order headers (Parquet).",
    ),
    FileFeed(
        name="erp_order_lines",
        source_system="erp",
        landing_path="erp/order_lines",
        format="parquet",
        expected_schema=(
            f"{_CHANGE_EVENT}, order_id bigint, line_no int, product_id bigint, quantity int, "
            "unit_price decimal(12,2), discount double"
        ),
        description="Change events of ERP order lines (Parquet).",
    ),
    FileFeed(
        name="web_clickstream",
        source_system="web",
        landing_path="web/clickstream",
        format="json",
        expected_schema=(
            "event_id string, event_ts timestamp, session_id string, customer_id bigint, event_type string, "
            "page_url string, product_id bigint, referrer string, user_agent string, device string"
        ),
        description="Web clickstream events (JSON lines), the high-volume feed.",
    ),
    FileFeed(
        name="doc_invoices",
        source_system="docs",
        landing_path="docs/invoices",
        format="binaryFile",
        extensions=("pdf",),
        expected_schema="",
        description="Scanned supplier invoices (PDF) as binary files: path, size, hash, content type, bytes.",
    ),
    FileFeed(
        name="doc_product_images",
        source_system="docs",
        landing_path="docs/product_images",
        format="binaryFile",
        extensions=("png",),
        expected_schema="",
        description="Product images (PNG) as binary files: path, size, hash, content type, bytes.",
    ),
)
