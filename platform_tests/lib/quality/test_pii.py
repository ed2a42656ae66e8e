"""PII masking driven by the contract's tags: deterministic, salted, other columns untouched."""

import pandera.pyspark as pa
import pyspark.sql.types as T
import pytest

from lakehouse.lib.quality.pii import SALT_ENV, PiiMasking, mask_pii


class Customer(pa.DataFrameModel):
    customer_id: T.StringType() = pa.Field()
    email: T.StringType() = pa.Field(nullable=True, metadata={"pii": "email"})
    phone: T.StringType() = pa.Field(nullable=True, metadata={"pii": "phone"})
    city: T.StringType() = pa.Field(nullable=True)

    class Config:
        name = "customers"
        unique = ["customer_id"]
        metadata = {"version": 1}


ROWS = [
    ("c-1", "Ada@Example.com", "+49 30 1234", "Berlin"),
    ("c-2", "ada@example.com", "+49 30 1234", "Berlin"),
    ("c-3", "bob@mail.org", "+33 1 9876", "Paris"),
    ("c-4", None, None, "Lyon"),
]
DDL = "customer_id string, email string, phone string, city string"


def test_pii_columns_are_masked_deterministically(spark):
    df = spark.createDataFrame(ROWS, DDL)
    masking = PiiMasking(salt="pepper")
    masked = {r.customer_id: r for r in masking.mask(df, Customer).collect()}

    raw_values = {v for row in ROWS for v in row[1:3] if v is not None}
    assert not raw_values & {v for r in masked.values() for v in (r.email, r.phone)}
    assert masked["c-1"].email == masked["c-2"].email and masked["c-1"].email.endswith("@example.com")
    assert masked["c-1"].phone == masked["c-2"].phone != masked["c-3"].phone
    assert masked["c-4"].email is None and masked["c-4"].phone is None
    assert [(r.customer_id, r.city) for r in masked.values()] == [(r[0], r[3]) for r in ROWS]

    # Same input, same output across calls; another salt gives other hashes.
    again = masking.mask(df, Customer).where("customer_id = 'c-3'").first()
    assert again.phone == masked["c-3"].phone
    assert mask_pii(df, Customer, salt="other").where("customer_id = 'c-3'").first().phone != masked["c-3"].phone


def test_masking_without_a_salt_is_refused(spark):
    with pytest.raises(ValueError, match=SALT_ENV):
        PiiMasking(salt="").mask(spark.createDataFrame(ROWS, DDL), Customer)
