"""The Kafka topics the sample source systems publish to (see `events.py` for what each carries)."""

CUSTOMER_CHANGES = "crm.customer_changes"  # Debezium-style CRM customer changes, keyed by customer id
ORDERS = "erp.orders"  # ERP order header change events, keyed by order id
ORDER_LINES = "erp.order_lines"  # ERP order line change events, keyed by order id (with their order)
CLICKSTREAM = "web.clickstream"  # web shop events, keyed by session id
TOPICS = (CUSTOMER_CHANGES, ORDERS, ORDER_LINES, CLICKSTREAM)
