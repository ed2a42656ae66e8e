"""A contract's rules as quarantine expectations, on real Spark: every pandera check keeps out the rows
pandera would refuse, times must be plausible, and deletes pass whatever their image holds."""

from datetime import date, datetime, timedelta

import pandas as pd
import pandera.pyspark as pa
import pyspark.sql.types as T
import pytest

from lakehouse.defs.silver.contracts import SILVER_CONTRACTS
from lakehouse.lib.quality.contract_rules import contract_rules
from lakehouse.lib.quality.expectations import evaluate


class Line(pa.DataFrameModel):
    line_id: T.LongType() = pa.Field()
    quantity: T.IntegerType() = pa.Field(nullable=True, gt=0)
    discount: T.DoubleType() = pa.Field(nullable=True, ge=0, le=1)
    status: T.StringType() = pa.Field(nullable=True, isin=["open", "it's done"])
    code: T.StringType() = pa.Field(nullable=True, str_matches=r"[A-Z]{3}", str_length={"min_value": 3, "max_value": 4})
    shipped_at: T.TimestampType() = pa.Field(nullable=True)
    due_on: T.DateType() = pa.Field(nullable=True)

    class Config:
        name = "lines"
        unique = ["line_id"]


SCHEMA = (
    "line_id bigint, quantity int, discount double, status string, code string, shipped_at timestamp, "
    "due_on date, _op string"
)
GOOD = (1, 2, 0.5, "it's done", "ABC", datetime(2026, 3, 1), date(2026, 3, 2), "c")


def row(**changes):
    values = dict(zip(["line_id", "quantity", "discount", "status", "code", "shipped_at", "due_on", "_op"], GOOD))
    return tuple({**values, **changes}.values())


BROKEN = {  # line_id -> the rule it breaks
    10: ("contract_line_id_not_null", row(line_id=None)),
    11: ("contract_quantity_greater_than", row(line_id=11, quantity=0)),
    12: ("contract_discount_greater_than_or_equal_to", row(line_id=12, discount=-0.1)),
    13: ("contract_discount_less_than_or_equal_to", row(line_id=13, discount=1.5)),
    14: ("contract_status_isin", row(line_id=14, status="lost")),
    15: ("contract_code_str_matches", row(line_id=15, code="ab1")),
    16: ("contract_code_str_length", row(line_id=16, code="ABCDE")),
    17: ("contract_shipped_at_plausible", row(line_id=17, shipped_at=datetime(2999, 1, 1))),
    18: ("contract_shipped_at_plausible", row(line_id=18, shipped_at=datetime(1850, 1, 1))),
    19: ("contract_due_on_plausible", row(line_id=19, due_on=date.today() + timedelta(days=30))),
}
PASSING = [
    row(),
    row(line_id=2, quantity=None, discount=None, status=None, code=None, shipped_at=None, due_on=None),
    row(line_id=3, discount=1.0, code="XYZW"),  # the bounds themselves
    row(
        line_id=4, quantity=-5, status="lost", shipped_at=datetime(2999, 1, 1), _op="d"
    ),  # a delete's image as received
]


def test_each_broken_rule_quarantines_its_row_and_nothing_else(spark):
    changes = spark.createDataFrame(PASSING + [r for _, r in BROKEN.values()], SCHEMA)
    rules = contract_rules(Line, changes.columns)

    with evaluate(changes, rules, ["line_id"], "lines") as evaluation:
        quarantined = {r.line_id if r.line_id is not None else 10: r._rule for r in evaluation.quarantined.collect()}
        kept = sorted(r.line_id for r in evaluation.kept.collect())

    assert kept == [1, 2, 3, 4]
    assert quarantined == {line_id: [rule] for line_id, (rule, _) in BROKEN.items()}


def test_the_generated_rules_refuse_what_pandera_refuses(spark):
    """pandera's own pandas checks as the oracle, value by value, for every column check."""
    values = {
        "quantity": [0, 1, None],
        "discount": [-0.1, 0.0, 1.0, 1.01],
        "status": ["open", "lost", "it's done"],
        "code": ["ABC", "ABCD", "AB", "abc", "ABCDE", "1ABC"],
    }
    for column, candidates in values.items():
        changes = spark.createDataFrame([row(line_id=i, **{column: v}) for i, v in enumerate(candidates)], SCHEMA)
        rules = [
            r
            for r in contract_rules(Line, changes.columns)
            if r.name.startswith(f"contract_{column}_") and not r.name.endswith("_plausible")
        ]
        with evaluate(changes, rules, ["line_id"], "lines") as evaluation:
            kept = {r.line_id for r in evaluation.kept.collect()}
        checks = Line.to_schema().columns[column].checks
        series = pd.Series(candidates, dtype="object")
        oracle = {
            i for i, v in enumerate(candidates) if v is None or all(bool(c(series).check_output[i]) for c in checks)
        }
        assert kept == oracle, column


def test_rules_cover_only_the_columns_the_changes_have(spark):
    names = {r.name for r in contract_rules(Line, ["line_id", "quantity"])}
    assert names == {"contract_line_id_not_null", "contract_quantity_greater_than"}


@pytest.mark.parametrize("contract", SILVER_CONTRACTS, ids=lambda c: c.__config__.name)
def test_every_silver_contract_check_has_a_rule(contract):
    columns = list(contract.to_schema().columns)
    rules = contract_rules(contract, columns)
    checks = sum(len(c.checks) for c in contract.to_schema().columns.values())
    required = sum(not c.nullable for c in contract.to_schema().columns.values())
    times = sum(isinstance(c.dtype.type, (T.TimestampType, T.DateType)) for c in contract.to_schema().columns.values())
    assert len(rules) == checks + required + times
