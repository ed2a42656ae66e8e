"""Clickstream events -> one row per web session. Pure: no I/O, no Dagster."""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.transforms.cdc import READ, row_changes

SESSION_KEY = ["session_id"]
SESSION_COLUMNS = [
    "session_id",
    "session_date",
    "customer_id",
    "started_at",
    "ended_at",
    "duration_seconds",
    "event_count",
    "page_views",
    "product_views",
    "add_to_cart_events",
    "checkouts",
    "purchases",
    "converted",
    "landing_page",
    "referrer",
    "device",
]
# How far before the earliest new event a touched session's other events are looked for: web
# sessions time out after minutes of inactivity, so a day covers any session that is not a bot.
# The `single_day` expectation counts sessions that break the assumption.
SESSION_REACH_DAYS = 1


def session_changes(events: DataFrame, all_events: DataFrame) -> DataFrame:
    """Change rows re-aggregating every session the new `events` touched, over all of its events.

    A session is recomputed from everything it has so far, so a late event changes its own
    session and nothing else. The sequence orders recomputations by (last event time, event
    count), which only grow as a session's events arrive, so an older result never wins.
    """
    live = F.col("session_id").isNotNull() & ~F.col("is_deleted")
    session_events = events.where(live)
    first_day = session_events.agg(F.min("event_date")).first()[0]
    if first_day is not None:
        nearby = all_events.where(live & (F.col("event_date") >= F.date_sub(F.lit(first_day), SESSION_REACH_DAYS)))
        session_events = nearby.join(session_events.select(*SESSION_KEY).distinct(), SESSION_KEY, "left_semi")
    return _as_changes(_aggregate(session_events))


def _aggregate(events: DataFrame) -> DataFrame:
    def count_of(event_type: str) -> Column:
        return F.count_if(F.col("event_type") == event_type)

    first = F.struct("event_ts", "event_id")  # ties on time broken by id, so the pick is deterministic
    sessions = events.groupBy(*SESSION_KEY).agg(
        # Anonymous sessions have no customer; a session does not change hands.
        F.max("customer_id").alias("customer_id"),
        F.min("event_ts").alias("started_at"),
        F.max("event_ts").alias("ended_at"),
        F.count("*").alias("event_count"),
        count_of("page_view").alias("page_views"),
        count_of("product_view").alias("product_views"),
        count_of("add_to_cart").alias("add_to_cart_events"),
        count_of("checkout").alias("checkouts"),
        count_of("purchase").alias("purchases"),
        F.min_by("page_url", first).alias("landing_page"),
        F.min_by("referrer", first).alias("referrer"),
        F.min_by("device", first).alias("device"),
    )
    return sessions.withColumns(
        {
            "session_date": F.to_date("started_at"),
            "duration_seconds": F.unix_seconds("ended_at") - F.unix_seconds("started_at"),
            "converted": F.col("purchases") > 0,
        }
    )


def _as_changes(sessions: DataFrame) -> DataFrame:
    # (last event time, event count) as one number: microseconds since 1970 stay below 2^63 / 1000 until 2262.
    sequence = F.unix_micros("ended_at") * 1000 + F.least(F.col("event_count"), F.lit(999))
    return row_changes(
        sessions, SESSION_KEY, SESSION_COLUMNS, op=F.lit(READ), sequence=sequence, event_ts=F.col("ended_at")
    )
