"""Row-level expectations: SQL rules with an action, evaluated in one pass over a DataFrame.

Expectations are declared as a module-level list next to the table's contract::

    ORDER_EXPECTATIONS = [
        Expectation("amount_positive", "amount > 0", "quarantine", "an order has a positive total"),
        Expectation("known_country", "country IN ('DE', 'FR')", "warn"),
    ]

`condition_sql` is true for a good row; a NULL result counts as a failure. Actions:

- warn: the row is kept and counted (a flag);
- default: the row is kept and counted, with the columns in `fill` set to their default where NULL;
- drop: the row is removed and counted;
- quarantine: the row goes to the quarantine output with the rules it failed and why;
- fail: `evaluate` raises `ExpectationFailedError` naming the table, rule and example keys.

A row failing several rules goes to one place (quarantine beats drop beats keep) but is counted
under every rule it failed, so per-rule counts may add up to more than the rows moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dagster as dg
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

Action = Literal["warn", "default", "drop", "quarantine", "fail"]
ACTIONS: tuple[Action, ...] = ("warn", "default", "drop", "quarantine", "fail")

FAILED = "_failed"  # array of the names of the rules a row failed
FATE = "_fate"  # keep | drop | quarantine
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Expectation:
    name: str
    condition_sql: str
    action: Action
    description: str = ""
    fill: Mapping[str, Any] = field(default_factory=dict)  # column -> default, for the `default` action

    def __post_init__(self):
        if self.action not in ACTIONS:
            raise ValueError(f"expectation {self.name!r}: action {self.action!r} is not one of {ACTIONS}")
        if (self.action == "default") != bool(self.fill):
            raise ValueError(f"expectation {self.name!r}: `fill` goes with the `default` action, and only with it")

    @property
    def reason(self) -> str:
        return f"{self.description} ({self.condition_sql})" if self.description else self.condition_sql


class ExpectationFailedError(dg.Failure):
    """Rows failed an expectation whose action is `fail`: the step fails with the message as its
    description, and is not retried (the same rows would fail again)."""

    def __init__(self, message: str):
        super().__init__(description=message, allow_retries=False)


@dataclass
class Evaluation:
    """The outcome of `evaluate`: where rows went and how many failed each rule.

    `kept` and `quarantined` read the same persisted frame; use the evaluation as a context manager
    so it is released once both are written.
    """

    table: str
    expectations: Sequence[Expectation]
    kept: DataFrame
    quarantined: DataFrame
    rows_in: int
    rows_out: int
    rows_dropped: int
    rows_quarantined: int
    failed: dict[str, int]  # rule -> rows that failed it
    _flagged: DataFrame = field(repr=False)
    kept_aggregates: tuple = ()  # the values of `evaluate`'s `kept_aggregates`, in order

    def __enter__(self) -> Evaluation:
        return self

    def __exit__(self, *exc_info) -> None:
        self._flagged.unpersist()

    @property
    def identity_holds(self) -> bool:
        return self.rows_in == self.rows_out + self.rows_dropped + self.rows_quarantined

    def _failed_by(self, action: Action) -> dict[str, int]:
        return {e.name: self.failed[e.name] for e in self.expectations if e.action == action}

    @property
    def warned_by_rule(self) -> dict[str, int]:
        return self._failed_by("warn")

    @property
    def defaulted_by_rule(self) -> dict[str, int]:
        return self._failed_by("default")

    @property
    def dropped_by_rule(self) -> dict[str, int]:
        return self._failed_by("drop")

    @property
    def quarantined_by_rule(self) -> dict[str, int]:
        return self._failed_by("quarantine")

    def metadata(self) -> dict[str, Any]:
        """Materialization metadata: flat numbers (plotted over time by Dagster) and a rule table."""
        rows = "\n".join(
            f"| {e.name} | {e.action} | {self.failed[e.name]} | `{e.condition_sql}` |" for e in self.expectations
        )
        return {
            "quality/rows_in": self.rows_in,
            "quality/rows_out": self.rows_out,
            "quality/rows_dropped": self.rows_dropped,
            "quality/rows_quarantined": self.rows_quarantined,
            "quality/identity_holds": self.identity_holds,
            **{f"quality/failed/{name}": count for name, count in self.failed.items()},
            "quality/rules": dg.MetadataValue.md(
                "| rule | action | failed rows | condition |\n|---|---|---|---|\n" + rows
            ),
        }


def evaluate(
    df: DataFrame,
    expectations: Sequence[Expectation],
    keys: Sequence[str],
    table: str,
    kept_aggregates: Sequence[Column] = (),
) -> Evaluation:
    """Flag every row with the rules it fails and count all rules in a single aggregation.

    `kept_aggregates` are aggregates over the kept rows (as `Evaluation.kept` has them) computed in the
    same pass, for what writing them needs to know up front; rows not kept are NULL in every column
    there, so they must be aggregates that skip NULLs (max, collect_set, count of a column).

    Raises `ExpectationFailedError` if any row fails a `fail` rule.
    """
    names = [e.name for e in expectations]
    if len(set(names)) != len(names):
        raise ValueError(f"{table}: expectation names must be unique, got {names}")
    flagged = (
        df.withColumn(FAILED, _failed_rules(expectations))
        .withColumn(FATE, _fate(expectations))
        # Counting, then writing kept and quarantined rows, would otherwise each recompute upstream.
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    kept_columns = _with_defaults(df, expectations)
    counts = (
        flagged.select(
            FATE, FAILED, *[F.when(F.col(FATE) == "keep", c).alias(name) for name, c in kept_columns.items()]
        )
        .agg(
            F.count("*"),
            F.count_if(F.col(FATE) == "keep"),
            F.count_if(F.col(FATE) == "drop"),
            F.count_if(F.col(FATE) == "quarantine"),
            *[F.count_if(F.array_contains(FAILED, name)) for name in names],
            *kept_aggregates,
        )
        .first()
    )
    rule_counts_end = 4 + len(names)
    rows_in, rows_out, dropped, quarantined, *per_rule = counts[:rule_counts_end]
    failed = dict(zip(names, per_rule))

    fatal = [e for e in expectations if e.action == "fail" and failed[e.name]]
    if fatal:
        message = "; ".join(_failure_message(flagged, table, e, failed[e.name], keys) for e in fatal)
        flagged.unpersist()
        raise ExpectationFailedError(message)

    original = [F.col(c) for c in df.columns]
    return Evaluation(
        table=table,
        expectations=expectations,
        kept=flagged.where(F.col(FATE) == "keep").select(*[c.alias(name) for name, c in kept_columns.items()]),
        quarantined=flagged.where(F.col(FATE) == "quarantine").select(
            *original,
            F.col(FAILED).alias("_rule"),
            F.array_join(F.transform(FAILED, lambda rule: _reasons(expectations)[rule]), "; ").alias("_reason"),
            F.current_timestamp().alias("_quarantined_at"),
        ),
        rows_in=rows_in,
        rows_out=rows_out,
        rows_dropped=dropped,
        rows_quarantined=quarantined,
        failed=failed,
        _flagged=flagged,
        kept_aggregates=tuple(counts[rule_counts_end:]),
    )


def _failed_rules(expectations: Sequence[Expectation]) -> Column:
    """The names of the rules a row fails; a NULL condition is a failure."""
    return F.array_compact(
        F.array(*[F.when(~F.coalesce(F.expr(e.condition_sql), F.lit(False)), F.lit(e.name)) for e in expectations])
    ).cast("array<string>")


def _with_defaults(df: DataFrame, expectations: Sequence[Expectation]) -> dict[str, Column]:
    """The columns of `df` by name, NULLs filled on the rows that failed a `default` rule filling them."""
    columns = {c: F.col(c) for c in df.columns}
    for rule in (e for e in expectations if e.action == "default"):
        for name, value in rule.fill.items():
            default = F.coalesce(columns[name], F.lit(value).cast(df.schema[name].dataType))
            columns[name] = F.when(F.array_contains(FAILED, rule.name), default).otherwise(columns[name])
    return columns


def _fate(expectations: Sequence[Expectation]) -> Column:
    """Where a row goes: quarantine beats drop beats keep (warn and fail rules keep it)."""

    def fails_any(action: Action) -> Column:
        rules = [e.name for e in expectations if e.action == action]
        return F.arrays_overlap(F.col(FAILED), F.array(*map(F.lit, rules))) if rules else F.lit(False)

    return F.when(fails_any("quarantine"), "quarantine").when(fails_any("drop"), "drop").otherwise("keep")


def _reasons(expectations: Sequence[Expectation]) -> Column:
    return F.create_map(*[F.lit(x) for e in expectations for x in (e.name, e.reason)])


def _failure_message(flagged: DataFrame, table: str, rule: Expectation, count: int, keys: Sequence[str]) -> str:
    examples = flagged.where(F.array_contains(FAILED, rule.name)).select(*keys).limit(MAX_EXAMPLES).collect()
    shown = ", ".join(" ".join(f"{k}={row[k]}" for k in keys) for row in examples)
    return f"{table}: rule {rule.name!r} ({rule.reason}) failed for {count} rows, e.g. {shown}"
