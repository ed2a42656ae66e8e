"""A contract's rules as row-level `quarantine` expectations, so a row that breaks the contract is
held back before it is applied instead of failing the blocking `contract` check on every later run.

Generated from the pandera model (nullability and column checks) plus a plausibility rule per time
column; deletes and truncates are exempt, as the contract describes live rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pyspark.sql.types import DateType, TimestampType

from lakehouse.lib.quality.contracts import Contract, table_name
from lakehouse.lib.quality.expectations import Expectation
from lakehouse.transforms.cdc import DELETE, OP, TRUNCATE

# A time before this, or more than a day after the run, is a typo or a unit mistake (seconds read as
# milliseconds, a year 2999 placeholder), not an event: readers that hold nanoseconds cannot even represent it.
PLAUSIBLE_SINCE = "1900-01-01"
_TIME_BOUNDS = {  # type -> (SQL literal type, latest plausible value)
    TimestampType: ("TIMESTAMP", "current_timestamp() + INTERVAL 1 DAY"),
    DateType: ("DATE", "date_add(current_date(), 1)"),
}
_EXEMPT = f"{OP} IN ('{DELETE}', '{TRUNCATE}')"


def sql_literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool) or value is None:
        return str(value).upper()
    return repr(value)


def _values(values: Iterable[Any]) -> str:
    return ", ".join(sql_literal(v) for v in values)


def _range(column: str, s: Mapping[str, Any]) -> str:
    low = ">=" if s["include_min"] else ">"
    high = "<=" if s["include_max"] else "<"
    return f"{column} {low} {sql_literal(s['min_value'])} AND {column} {high} {sql_literal(s['max_value'])}"


def _length(column: str, s: Mapping[str, Any]) -> str:
    if s["exact_value"] is not None:
        return f"char_length({column}) = {s['exact_value']}"
    bounds = [
        f"char_length({column}) >= {s['min_value']}" if s["min_value"] is not None else "",
        f"char_length({column}) <= {s['max_value']}" if s["max_value"] is not None else "",
    ]
    return " AND ".join(filter(None, bounds))


# pandera's built-in checks in Spark SQL, by check name; the column comes in quoted.
_CHECK_SQL: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    "equal_to": lambda c, s: f"{c} = {sql_literal(s['value'])}",
    "not_equal_to": lambda c, s: f"{c} <> {sql_literal(s['value'])}",
    "greater_than": lambda c, s: f"{c} > {sql_literal(s['min_value'])}",
    "greater_than_or_equal_to": lambda c, s: f"{c} >= {sql_literal(s['min_value'])}",
    "less_than": lambda c, s: f"{c} < {sql_literal(s['max_value'])}",
    "less_than_or_equal_to": lambda c, s: f"{c} <= {sql_literal(s['max_value'])}",
    "in_range": _range,
    "isin": lambda c, s: f"{c} IN ({_values(s['allowed_values'])})",
    "notin": lambda c, s: f"{c} NOT IN ({_values(s['forbidden_values'])})",
    # pandera matches from the start of the string (re.match); RLIKE finds the pattern anywhere.
    "str_matches": lambda c, s: f"{c} RLIKE {sql_literal('^(?:' + s['pattern'] + ')')}",
    "str_contains": lambda c, s: f"{c} RLIKE {sql_literal(s['pattern'])}",
    "str_startswith": lambda c, s: f"startswith({c}, {sql_literal(s['string'])})",
    "str_endswith": lambda c, s: f"endswith({c}, {sql_literal(s['string'])})",
    "str_length": _length,
}


def contract_rules(model: Contract, columns: Iterable[str]) -> list[Expectation]:
    """The quarantine rules of `model` for those of `columns` it declares: non-nullable columns are
    present, column checks hold (a NULL passes them, as in pandera), times are plausible."""
    declared = model.to_schema().columns
    rules = []
    for name in (c for c in columns if c in declared):
        column, quoted = declared[name], f"`{name}`"
        if not column.nullable:
            rules.append(_rule(f"{name}_not_null", f"{quoted} IS NOT NULL", f"{name} is required"))
        for check in column.checks:
            if check.name not in _CHECK_SQL:
                raise ValueError(
                    f"{table_name(model)}.{name}: no SQL for the contract check {check.name!r}; "
                    f"add it to lakehouse.lib.quality.contract_rules"
                )
            condition = f"{quoted} IS NULL OR ({_CHECK_SQL[check.name](quoted, check.statistics)})"
            rules.append(_rule(f"{name}_{check.name}", condition, f"{name}: {check.error or check.name}"))
        if type(column.dtype.type) in _TIME_BOUNDS:
            rules.append(
                _rule(
                    f"{name}_plausible",
                    plausible_time(name, type(column.dtype.type)),
                    f"{name} between {PLAUSIBLE_SINCE} and a day after the run",
                )
            )
    return rules


def plausible_time(column: str, kind: type = TimestampType) -> str:
    """SQL: `column` (a timestamp or date) is NULL or plausible."""
    literal, latest = _TIME_BOUNDS[kind]
    return f"`{column}` IS NULL OR `{column}` BETWEEN {literal} '{PLAUSIBLE_SINCE}' AND {latest}"


def _rule(name: str, condition: str, description: str) -> Expectation:
    return Expectation(f"contract_{name}", f"{_EXEMPT} OR ({condition})", "quarantine", description)
