"""dbt's cross-database macros (`{{ dbt.date_trunc(...) }}`) for sqlfluff's Jinja templater: each renders
plain SQL of the same shape, so the models parse and lint without compiling them against a warehouse
(dbt-duckdb's delta plugin would read the Silver tables to compile)."""


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def concat(fields):
    return f"concat({', '.join(fields)})"


def current_timestamp():
    return "current_timestamp"


def date_spine(datepart, start_date, end_date):
    return f"select cast({start_date} as date) as date_{datepart} where {start_date} < {end_date}"


def hash(field):  # noqa: A001 (dbt's name)
    return f"md5(cast({field} as varchar))"


def type_string():
    return "varchar"
