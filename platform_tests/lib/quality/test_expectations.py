"""Expectations on real Spark: each action, the row accounting, and one aggregation for all rules."""

import re

import dagster as dg
import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from lakehouse.lib.quality.expectations import Expectation, ExpectationFailedError, evaluate
from lakehouse.lib.quality.quarantine import append_quarantine, quarantine_uri, replace_quarantine

SCHEMA = "order_id string, country string, amount double, is_test boolean"
CLEAN = [(f"o-{i}", "DE", 10.0 + i, False) for i in range(20)]
BAD = [
    ("w-1", "XX", 5.0, False),
    ("w-2", "XX", 6.0, False),
    ("w-3", None, 7.0, False),  # warn (NULL fails too)
    ("d-1", "DE", 8.0, True),
    ("d-2", "FR", 9.0, True),  # drop
    ("q-1", "DE", -1.0, False),
    ("q-2", "FR", None, False),  # quarantine (NULL fails too)
    ("all-1", "XX", -5.0, True),  # every rule: quarantined once
]

RULES = [
    Expectation("known_country", "country IN ('DE', 'FR')", "warn", "country we ship to"),
    Expectation("not_a_test_order", "NOT is_test", "drop"),
    Expectation("positive_amount", "amount > 0", "quarantine", "an order has a positive total"),
]
# The same rules in Python, as an independent oracle (None is a failure, like a NULL condition).
ORACLE = {
    "known_country": lambda r: r[1] in ("DE", "FR"),
    "not_a_test_order": lambda r: r[3] is False,
    "positive_amount": lambda r: r[2] is not None and r[2] > 0,
}


def orders(spark, rows=CLEAN + BAD):
    return spark.createDataFrame(rows, SCHEMA)


def evaluate_counting_jobs(spark, group, df, rules, **options):
    """`evaluate`'s result, and the number of Spark jobs it ran."""
    context = spark.sparkContext
    context.setJobGroup(group, group)
    try:
        result = evaluate(df, rules, keys=["order_id"], table="orders", **options)
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)  # what Scala's clearJobGroup does
    return result, len(context.statusTracker().getJobIdsForGroup(group))


def test_each_action_routes_rows_and_counts_every_rule(spark):
    with evaluate(orders(spark), RULES, keys=["order_id"], table="orders") as result:
        kept = {r.order_id for r in result.kept.collect()}
        quarantined = {r.order_id: r for r in result.quarantined.collect()}

        assert kept == {r[0] for r in CLEAN} | {"w-1", "w-2", "w-3"}  # warn keeps
        assert set(quarantined) == {"q-1", "q-2", "all-1"}  # drop rows are gone from both
        assert result.quarantined.columns == [
            "order_id",
            "country",
            "amount",
            "is_test",
            "_rule",
            "_reason",
            "_quarantined_at",
        ]
        assert quarantined["all-1"]._rule == ["known_country", "not_a_test_order", "positive_amount"]
        assert "an order has a positive total (amount > 0)" in quarantined["q-1"]._reason
        assert quarantined["q-1"]._quarantined_at is not None

        expected = {name: sum(not ok(r) for r in CLEAN + BAD) for name, ok in ORACLE.items()}
        assert result.failed == expected == {"known_country": 4, "not_a_test_order": 3, "positive_amount": 3}
        assert result.warned_by_rule == {"known_country": 4}
        assert result.dropped_by_rule == {"not_a_test_order": 3}  # all-1 counted, though quarantined
        assert result.quarantined_by_rule == {"positive_amount": 3}
        assert (result.rows_in, result.rows_out, result.rows_dropped, result.rows_quarantined) == (28, 23, 2, 3)
        assert result.identity_holds
        assert result.rows_out == result.kept.count() and result.rows_quarantined == result.quarantined.count()

        metadata = result.metadata()
        assert metadata["quality/rows_dropped"] == 2 and metadata["quality/failed/known_country"] == 4
        assert "| positive_amount | quarantine | 3 | `amount > 0` |" in metadata["quality/rules"].value


def test_default_fills_nulls_on_kept_rows_and_counts_them(spark):
    rules = [
        Expectation("country_given", "country IS NOT NULL", "default", "unknown country", fill={"country": "ZZ"}),
        Expectation("positive_amount", "amount > 0", "quarantine"),
    ]
    rows = CLEAN + [("n-1", None, 3.0, False), ("n-2", None, -1.0, False)]
    with evaluate(orders(spark, rows), rules, keys=["order_id"], table="orders") as result:
        kept = {r.order_id: r.country for r in result.kept.collect()}
        assert kept == {**{r[0]: "DE" for r in CLEAN}, "n-1": "ZZ"}
        assert result.quarantined.where("order_id = 'n-2'").first().country is None  # quarantined as received
        assert result.defaulted_by_rule == {"country_given": 2}
        assert (result.rows_in, result.rows_out, result.rows_quarantined) == (22, 21, 1)

    with pytest.raises(ValueError, match="fill"):
        Expectation("country_given", "country IS NOT NULL", "default")
    with pytest.raises(ValueError, match="fill"):
        Expectation("country_given", "country IS NOT NULL", "warn", fill={"country": "ZZ"})


def test_kept_aggregates_see_the_kept_rows_as_written_in_the_same_pass(spark):
    """What a write needs to know of the kept rows up front comes with the counts, not from another job."""
    rules = [
        Expectation("country_given", "country IS NOT NULL", "default", "unknown country", fill={"country": "ZZ"}),
        *RULES,
    ]
    rows = CLEAN + BAD + [("n-1", None, 3.0, False)]
    aggregates = [F.max("amount"), F.min("amount"), F.collect_set("country"), F.count("order_id")]

    plain, plain_jobs = evaluate_counting_jobs(spark, "no-aggregates", orders(spark, rows), rules)
    summarized, summarized_jobs = evaluate_counting_jobs(
        spark, "kept-aggregates", orders(spark, rows), rules, kept_aggregates=aggregates
    )
    with plain, summarized:
        assert plain.kept_aggregates == ()
        assert summarized_jobs == plain_jobs
        biggest, smallest, countries, kept = summarized.kept_aggregates
        expected = summarized.kept.agg(*aggregates).first()
        # Dropped (d-2 at 9.0 is FR, a test order) and quarantined (q-1 at -1.0) rows are not seen; the
        # defaulted country is, as written.
        assert (biggest, smallest, kept) == (expected[0], expected[1], expected[3]) == (29.0, 3.0, 24)
        assert sorted(countries) == sorted(expected[2]) == ["DE", "XX", "ZZ"]


def test_quarantined_rows_append_once_per_batch_and_a_rebuild_replaces_them(spark, storage):
    uri = quarantine_uri(storage, dg.AssetKey(["silver", "orders"]))
    assert uri == f"{storage.root_uri}/quarantine/silver/orders"

    def quarantined():
        return sorted(r.order_id for r in spark.read.format("delta").load(uri).collect())

    # Batch 2 is re-run after a crash: its rows are not quarantined twice.
    for rows, batch_version in ((CLEAN + BAD, 1), (CLEAN + BAD, 2), (CLEAN + BAD, 2), (CLEAN, 3)):
        with evaluate(orders(spark, rows), RULES, keys=["order_id"], table="orders") as result:
            append_quarantine(result, uri, batch="silver.orders", batch_version=batch_version)
    assert quarantined() == ["all-1", "all-1", "q-1", "q-1", "q-2", "q-2"]
    assert DeltaTable.forPath(spark, uri).history().count() == 2  # a skipped or empty batch commits nothing

    with evaluate(orders(spark, CLEAN + BAD), RULES, keys=["order_id"], table="orders") as result:
        replace_quarantine(result, uri)
    assert quarantined() == ["all-1", "q-1", "q-2"]
    with evaluate(orders(spark, CLEAN), RULES, keys=["order_id"], table="orders") as result:
        replace_quarantine(result, uri)
    assert quarantined() == []


def test_fail_raises_naming_table_rule_and_five_example_keys(spark):
    rows = CLEAN + [(f"bad-{i}", "DE", -1.0, False) for i in range(7)]
    rule = Expectation("positive_amount", "amount > 0", "fail")
    with pytest.raises(ExpectationFailedError) as failure:
        evaluate(orders(spark, rows), [rule], keys=["order_id"], table="silver.orders")
    assert isinstance(failure.value, dg.Failure) and not failure.value.allow_retries  # a clear step failure
    message = str(failure.value)
    assert message.startswith("silver.orders: rule 'positive_amount' (amount > 0) failed for 7 rows")
    examples = re.findall(r"order_id=(\S+?)(?:,|$)", message)
    assert len(examples) == 5 and all(key.startswith("bad-") for key in examples)


def test_all_rules_are_counted_in_one_aggregation(spark):
    """Spark jobs for the counts do not grow with the number of rules; outputs read the cached flags."""
    many_rules = [Expectation(f"amount_above_{i}", f"amount > {i}", "warn") for i in range(12)]

    one, one_rule_jobs = evaluate_counting_jobs(spark, "one-rule", orders(spark), RULES[:1])
    many, many_rule_jobs = evaluate_counting_jobs(spark, "many-rules", orders(spark), many_rules)
    with one, many:
        assert many_rule_jobs == one_rule_jobs
        assert "InMemoryRelation" in many.kept._jdf.queryExecution().withCachedData().toString()
        assert many.failed["amount_above_11"] == sum(1 for r in CLEAN + BAD if not (r[2] is not None and r[2] > 11))
