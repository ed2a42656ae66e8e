"""Table contracts: one pandera `DataFrameModel` per table, and everything generated from it.

A contract is declared once; the catalog schema, the Spark schema, PII tags, conformance, asset
checks and the schema registry are all derived from it, never written per table::

    import pandera.pyspark as pa
    import pyspark.sql.types as T

    class Order(pa.DataFrameModel):
        order_id: T.StringType() = pa.Field(description="Order number from the ERP")
        email: T.StringType() = pa.Field(nullable=True, metadata={"pii": "email"})
        amount: T.DecimalType(12, 2) = pa.Field(ge=0, description="Order total in EUR")

        class Config:
            name = "orders"                 # table name: registry folder, messages
            unique = ["order_id"]           # the table key: uniqueness check, example keys
            metadata = {"version": 1, "owner": "sales"}

Conventions:

- Columns are non-nullable unless `nullable=True` (pandera's pyspark default).
- `metadata={"pii": kind}` on a column tags personal data; kind is one of `PII_KINDS`.
- `Config.metadata["version"]` is bumped for every breaking change (a removed or retyped column, a
  new non-nullable column, a column becoming nullable). The schema registry enforces it.

Schema registry: `contracts_registry/<table>/v<version>.json` holds the column facts of each
contract version (`write_snapshot`); `registry_problems` compares a contract with its table's
latest snapshot and is what the test suite runs for every contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pandera.pyspark as pa
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructField, StructType

Contract = type[pa.DataFrameModel]

PII_KINDS = ("email", "phone", "name", "address")
REGISTRY_DIR = Path(__file__).resolve().parents[2] / "contracts_registry"


class MissingColumnsError(ValueError):
    """A DataFrame lacks columns its contract requires."""


def table_name(model: Contract) -> str:
    return model.__config__.name


def table_keys(model: Contract) -> list[str]:
    unique = model.__config__.unique or []
    return [unique] if isinstance(unique, str) else list(unique)


def contract_version(model: Contract) -> int:
    return int((model.__config__.metadata or {})["version"])


def contract_owner(model: Contract) -> str:
    """The team that owns the table, as a Dagster owner string (e.g. `team:sales-analytics`)."""
    return (model.__config__.metadata or {})["owner"]


def pii_columns(model: Contract) -> dict[str, str]:
    """Column name -> PII kind, for the columns tagged `metadata={"pii": kind}`."""
    tagged = {
        name: column.metadata["pii"]
        for name, column in model.to_schema().columns.items()
        if column.metadata and "pii" in column.metadata
    }
    unknown = {name: kind for name, kind in tagged.items() if kind not in PII_KINDS}
    if unknown:
        raise ValueError(f"{table_name(model)}: unknown PII kinds {unknown}; use one of {PII_KINDS}")
    return tagged


def spark_schema(model: Contract) -> StructType:
    """The contract as a Spark schema, with nullability and descriptions (as column comments).

    pandera's own `to_structtype()` marks every column nullable; readers and `createDataFrame`
    should see the contract's nullability.
    """
    return StructType(
        [
            StructField(
                name,
                column.dtype.type,
                column.nullable,
                metadata={"comment": column.description} if column.description else {},
            )
            for name, column in model.to_schema().columns.items()
        ]
    )


def column_schema(model: Contract) -> dg.TableSchema:
    """The contract as Dagster's column schema: what the catalog shows before a table exists."""
    keys = table_keys(model)
    pii = pii_columns(model)
    columns = model.to_schema().columns
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=name,
                # simpleString, like the materialization metadata, so schema-change checks compare equal types.
                type=column.dtype.type.simpleString(),
                description=column.description,
                constraints=dg.TableColumnConstraints(
                    nullable=column.nullable,
                    unique=keys == [name],
                    other=[check.error or check.name for check in column.checks],
                ),
                tags={"pii": pii[name]} if name in pii else None,
            )
            for name, column in columns.items()
        ],
        constraints=dg.TableConstraints(other=[f"unique ({', '.join(keys)})"] if keys else []),
    )


def conform(df: DataFrame, model: Contract) -> DataFrame:
    """The contract's columns, in contract order and cast to contract types; extra columns dropped."""
    columns = model.to_schema().columns
    missing = [name for name in columns if name not in df.columns]
    if missing:
        raise MissingColumnsError(f"{table_name(model)}: missing contract columns {missing}")
    return df.select([F.col(name).cast(column.dtype.type).alias(name) for name, column in columns.items()])


@dataclass(frozen=True)
class Change:
    column: str
    kind: str  # added | removed | retyped | nullability
    detail: str
    breaking: bool


def schema_changes(old: dg.TableSchema | Mapping[str, Any], new: dg.TableSchema | Mapping[str, Any]) -> list[Change]:
    """What changed for readers between two schemas (a `TableSchema` or a registry snapshot).

    Compatible: a new nullable column, a column becoming non-nullable. Breaking: a removed or
    retyped column, a new non-nullable column, a column becoming nullable.
    """
    before, after = _column_facts(old), _column_facts(new)
    changes = []
    for name, (new_type, nullable) in after.items():
        if name not in before:
            kind = "nullable" if nullable else "non-nullable"
            changes.append(Change(name, "added", f"added {kind} {new_type}", breaking=not nullable))
            continue
        old_type, was_nullable = before[name]
        if old_type != new_type:
            changes.append(Change(name, "retyped", f"{old_type} -> {new_type}", breaking=True))
        if was_nullable != nullable:
            detail = "became nullable" if nullable else "became non-nullable"
            changes.append(Change(name, "nullability", detail, breaking=nullable))
    changes += [
        Change(name, "removed", f"removed {before[name][0]}", breaking=True) for name in before if name not in after
    ]
    return changes


def _column_facts(schema: dg.TableSchema | Mapping[str, Any]) -> dict[str, tuple[str, bool]]:
    if isinstance(schema, dg.TableSchema):
        return {c.name: (c.type, c.constraints.nullable) for c in schema.columns}
    return {c["name"]: (c["type"], c["nullable"]) for c in schema["columns"]}


def snapshot(model: Contract) -> dict[str, Any]:
    """The registry record of a contract version: table facts and one entry per column."""
    config = model.__config__
    return {
        "table": table_name(model),
        "version": contract_version(model),
        "owner": (config.metadata or {}).get("owner"),
        "keys": table_keys(model),
        "columns": [
            {
                "name": column.name,
                "type": column.type,
                "nullable": column.constraints.nullable,
                "description": column.description,
                "pii": column.tags.get("pii"),
            }
            for column in column_schema(model).columns
        ],
    }


def write_snapshot(model: Contract, registry: Path = REGISTRY_DIR) -> Path:
    path = registry / table_name(model) / f"v{contract_version(model)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot(model), indent=2) + "\n")
    return path


def latest_snapshot(table: str, registry: Path = REGISTRY_DIR) -> dict[str, Any] | None:
    versions = {
        int(match[1]): path
        for path in (registry / table).glob("v*.json")
        if (match := re.fullmatch(r"v(\d+)\.json", path.name))
    }
    return json.loads(versions[max(versions)].read_text()) if versions else None


def registry_problems(model: Contract, registry: Path = REGISTRY_DIR) -> list[str]:
    """Why the registry does not hold the current contract; empty when it does.

    A breaking change needs a version bump and a new snapshot; a compatible change a rewritten
    snapshot of the same version (so a later removal of that column is still caught).
    """
    table, version = table_name(model), contract_version(model)
    latest = latest_snapshot(table, registry)
    if latest is None:
        return [f"{table}: no snapshot in the registry; write v{version} with write_snapshot"]
    if version < latest["version"]:
        return [f"{table}: contract is v{version}, behind the registry's v{latest['version']}"]
    if version > latest["version"]:
        return [f"{table}: version bumped to v{version}; write its snapshot with write_snapshot"]
    return [
        f"{table}.{change.column}: breaking change without a version bump ({change.detail}); bump "
        f"Config.metadata['version'] and write the new snapshot"
        if change.breaking
        else f"{table}.{change.column}: compatible change not in snapshot v{version} ({change.detail}); "
        f"rewrite it with write_snapshot"
        for change in schema_changes(latest, column_schema(model))
    ]
