"""Standardisation shared by the Silver tables: names, strings, e-mails, phones, countries,
currencies and timestamps. Pure column expressions; no I/O.

Reference data comes from the libraries of the field: ISO 3166 countries and ISO 4217 currencies
from pycountry, phone parsing and E.164 formatting from phonenumbers (Google's libphonenumber).
"""

import re
from functools import cache

import pandas as pd
import phonenumbers
import pycountry
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake_case(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", _CAMEL_BOUNDARY.sub("_", name)).strip("_").lower()


def snake_case_columns(df: DataFrame) -> DataFrame:
    return df.toDF(*[snake_case(c) if not c.startswith("_") else c for c in df.columns])


def clean_string(column: Column) -> Column:
    """Trimmed, inner whitespace collapsed, empty as NULL."""
    collapsed = F.regexp_replace(F.trim(column), r"\s+", " ")
    return F.when(collapsed != "", collapsed)


def clean_email(column: Column) -> Column:
    return F.lower(clean_string(column))


@cache
def _country_lookup() -> dict[str, str]:
    """Upper-cased ISO alpha-2, alpha-3, name and common name -> ISO alpha-2."""
    lookup: dict[str, str] = {}
    for country in pycountry.countries:
        for name in (
            country.alpha_2,
            country.alpha_3,
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ):
            if name:
                lookup[name.upper()] = country.alpha_2
    return lookup


def _sql_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@cache
def _country_map_sql() -> str:
    # One SQL literal: a map built from a thousand F.lit calls costs a second of py4j round trips per use.
    return "map(" + ", ".join(f"{_sql_string(k)}, {_sql_string(v)}" for k, v in _country_lookup().items()) + ")"


def iso_country(column: Column) -> Column:
    """ISO 3166 alpha-2 code from a code or an English name in any case; NULL if unknown."""
    return F.expr(_country_map_sql())[F.upper(clean_string(column))]


@cache
def iso_currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def iso_currency(column: Column) -> Column:
    """ISO 4217 code upper-cased; NULL if not a currency."""
    code = F.upper(clean_string(column))
    return F.when(code.isin(*sorted(iso_currency_codes())), code)


def _e164(raw: pd.Series, region: pd.Series) -> pd.Series:
    def one(number, country):
        if number is None or pd.isna(number):
            return None
        try:
            parsed = phonenumbers.parse(number, country if isinstance(country, str) else None)
        except phonenumbers.NumberParseException:
            return None
        return (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_possible_number(parsed)
            else None
        )

    return pd.Series([one(n, c) for n, c in zip(raw, region)], dtype="object")


@cache
def _e164_udf():
    # A vectorised (Arrow) UDF: libphonenumber has no Spark equivalent, and phone columns are small.
    # Built on first use: defining a UDF needs a running Spark session.
    return F.pandas_udf(_e164, "string")


def e164_phone(phone: Column, country_iso2: Column) -> Column:
    """E.164 (+4930123456); national numbers are read in the customer's country; NULL if invalid."""
    return _e164_udf()(clean_string(phone), country_iso2)
