"""The Kafka topics the sample source systems publish to, as the platform's feed registry names them
(see `events.py` for what each carries)."""

from lakehouse.defs.bronze.kafka_topics import CLICKSTREAM, CUSTOMER_CHANGES, ORDER_LINES, ORDERS

TOPICS = (CUSTOMER_CHANGES, ORDERS, ORDER_LINES, CLICKSTREAM)
