"""Analyst-facing views of tables with personal data: the contract's PII columns become salted hashes.

Hashing is deterministic (same salt, same value, same hash), so masked columns still join and
count distinct; the salt is a deployment secret (`LAKEHOUSE_PII_SALT`), which keeps the hashes from
being reversed with a dictionary of known emails or phone numbers.
"""

from typing import ClassVar

import dagster as dg
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.lib.quality.contracts import Contract, pii_columns

SALT_ENV = "LAKEHOUSE_PII_SALT"


class PiiMasking(dg.ConfigurableResource):
    """Hashes the PII columns of analyst-facing tables with the deployment's salt (a secret:
    configure it with `dg.EnvVar(SALT_ENV)`)."""

    salt: str
    # Sent to a remote Spark driver in its environment, never with the step's settings (lib/compute/resources.py).
    secret_fields: ClassVar[tuple[str, ...]] = ("salt",)

    def mask(self, df: DataFrame, model: Contract) -> DataFrame:
        return mask_pii(df, model, self.salt)


def mask_pii(df: DataFrame, model: Contract, salt: str) -> DataFrame:
    """`df` with every column the contract tags as PII hashed; other columns untouched."""
    if not salt:
        raise ValueError(f"masking PII needs a salt: set {SALT_ENV}")
    return df.withColumns(
        {name: _mask(kind, F.col(name), salt) for name, kind in pii_columns(model).items() if name in df.columns}
    )


def _mask(kind: str, value: Column, salt: str) -> Column:
    if kind == "email":
        # Emails differ only in case across sources; the domain stays readable (e.g. corporate vs webmail).
        email = F.lower(F.trim(value))
        return F.concat(_digest(email, salt), F.lit("@"), F.regexp_extract(email, "@([^@]+)$", 1))
    return _digest(value, salt)


def _digest(value: Column, salt: str) -> Column:
    return F.sha2(F.concat(F.lit(salt), value.cast("string")), 256)
