"""Standardisation expressions on a real Spark session."""

import pycountry
from pyspark.sql import functions as F

from lakehouse.transforms.standardize import (
    clean_email,
    clean_string,
    e164_phone,
    iso_country,
    iso_currency,
    snake_case,
    snake_case_columns,
)


def test_snake_case_names():
    assert [snake_case(n) for n in ["CustomerID", "first name", "Order-Lines", "ts_ms"]] == [
        "customer_id",
        "first_name",
        "order_lines",
        "ts_ms",
    ]


def test_snake_case_columns_keeps_ingestion_columns(spark):
    df = spark.createDataFrame([(1, 2)], "`OrderId` int, `_batch_id` int")
    assert snake_case_columns(df).columns == ["order_id", "_batch_id"]


def test_strings_emails_countries_currencies(spark):
    df = spark.createDataFrame(
        [
            ("  Anna   Maria ", " Anna.Schmidt@Example.COM ", "germany", " eur"),
            ("", "x@y.io", " DE ", "usd"),
            ("Bob", None, "Narnia", "XYZ"),
        ],
        "name string, email string, country string, currency string",
    )
    rows = df.select(
        clean_string(F.col("name")).alias("name"),
        clean_email(F.col("email")).alias("email"),
        iso_country(F.col("country")).alias("country"),
        iso_currency(F.col("currency")).alias("currency"),
    ).collect()
    assert [tuple(r) for r in rows] == [
        ("Anna Maria", "anna.schmidt@example.com", "DE", "EUR"),
        (None, "x@y.io", "DE", "USD"),
        ("Bob", None, None, None),
    ]


def test_every_country_name_and_code_maps_to_its_alpha_2_code(spark):
    names = {country.name: country.alpha_2 for country in pycountry.countries}
    assert "Côte d'Ivoire" in names  # quotes in names survive the SQL literal
    df = spark.createDataFrame([(name.lower(),) for name in names], "country string")
    got = dict(df.select("country", iso_country(F.col("country"))).collect())
    assert got == {name.lower(): code for name, code in names.items()}


def test_phones_become_e164_using_the_customer_country(spark):
    df = spark.createDataFrame(
        [
            ("+49 30 1234567", "DE"),
            ("030-1234567", "DE"),
            ("(020) 7946 0958", "GB"),
            ("0049301234567", "DE"),
            ("not a phone", "DE"),
            (None, "DE"),
        ],
        "phone string, country string",
    )
    got = [r[0] for r in df.select(e164_phone(F.col("phone"), F.col("country"))).collect()]
    assert got == ["+49301234567", "+49301234567", "+442079460958", "+49301234567", None, None]
