"""Sessions re-aggregated from the clickstream on real Spark: only touched sessions, all of their events."""

from datetime import date, datetime, timedelta

from lakehouse.transforms.sessions import session_changes

EVENT = (
    "event_id string, event_ts timestamp, event_date date, session_id string, customer_id bigint, "
    "event_type string, page_url string, referrer string, device string, is_deleted boolean"
)
T0 = datetime(2024, 3, 10, 23, 50)


def event(event_id, minute, session, event_type, customer=None, url=None, referrer=None, deleted=False):
    ts = T0 + timedelta(minutes=minute)
    return (
        event_id,
        ts,
        ts.date(),
        session,
        customer,
        event_type,
        url or f"/p/{event_id}",
        referrer,
        "mobile",
        deleted,
    )


ALL_EVENTS = [
    # s1 crosses midnight; its late event (e4, minute 5) arrives in the new increment.
    event("e1", 0, "s1", "page_view", url="/", referrer="https://search.example"),
    event("e2", 3, "s1", "product_view", customer=7),
    event("e4", 5, "s1", "add_to_cart", customer=7),
    event("e3", 15, "s1", "purchase", customer=7),
    event("e5", 8, "s1", "page_view", deleted=True),  # deleted: not part of the session
    event("e6", 20, "s2", "page_view", url="/c/shoes"),
    event("e7", 21, "s2", "product_view"),
    event("e8", -5000, "s0", "page_view"),  # days earlier, untouched
    event("e9", 22, None, "page_view"),  # no session: nothing to aggregate
]
NEW = {"e4", "e6", "e7", "e9"}


def sessions(spark, all_rows, new_ids):
    all_events = spark.createDataFrame(all_rows, EVENT)
    changes = session_changes(all_events.where(all_events.event_id.isin(*new_ids)), all_events)
    return {r.session_id: r for r in changes.collect()}


def test_only_touched_sessions_are_recomputed_from_all_their_events(spark):
    result = sessions(spark, ALL_EVENTS, NEW)
    assert set(result) == {"s1", "s2"}

    s1 = result["s1"]
    assert (s1.event_count, s1.page_views, s1.product_views, s1.add_to_cart_events, s1.purchases) == (4, 1, 1, 1, 1)
    assert s1.converted and s1.customer_id == 7
    assert (s1.started_at, s1.ended_at, s1.duration_seconds) == (T0, T0 + timedelta(minutes=15), 900)
    assert s1.session_date == date(2024, 3, 10)
    assert (s1.landing_page, s1.referrer, s1.device) == ("/", "https://search.example", "mobile")
    assert s1._invalid_reason is None

    s2 = result["s2"]
    assert (s2.event_count, s2.converted, s2.customer_id, s2.landing_page) == (2, False, None, "/c/shoes")
    assert s2.session_date == date(2024, 3, 11)


def test_a_late_event_gives_the_session_a_later_sequence(spark):
    without_late = [row for row in ALL_EVENTS if row[0] != "e4"]
    before = sessions(spark, without_late, {"e3"})["s1"]
    after = sessions(spark, ALL_EVENTS, {"e4"})["s1"]
    assert before.ended_at == after.ended_at  # the late event is in the middle of the session
    assert (before.event_count, after.event_count) == (3, 4)
    assert after._sequence > before._sequence
