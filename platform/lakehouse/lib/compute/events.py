"""A step's results as Dagster events, and as Dagster Pipes messages: one translation each way, so a step
reports the same whether it ran in the Dagster process or in a remote Spark driver."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg

from lakehouse.lib.compute.step import Checked, DaysApplied, Materialized, StepResult

DAYS_APPLIED_MESSAGE = "days_applied"


def dagster_events(
    context: dg.AssetExecutionContext, results: Iterable[StepResult]
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    for result in results:
        if isinstance(result, Materialized):
            yield dg.MaterializeResult(asset_key=result.asset_key, metadata=dict(result.metadata))
        elif isinstance(result, Checked):
            yield dg.AssetCheckResult(
                asset_key=result.asset_key,
                check_name=result.check_name,
                passed=result.passed,
                severity=dg.AssetCheckSeverity(result.severity),
                metadata=dict(result.metadata),
                description=result.description,
            )
        else:
            log_days_applied(context, result)


def log_days_applied(context: dg.AssetExecutionContext, result: DaysApplied) -> None:
    for day in result.days:
        context.log_event(dg.AssetMaterialization(asset_key=result.asset_key, partition=day, metadata=result.metadata))


def pipes_metadata(metadata: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Metadata as Dagster Pipes carries it (`{"type": ..., "raw_value": ...}`), for the types the steps use.

    Written here because dagster_pipes only reads typed values back (`metadata_value_from_external`); a
    table schema loses its table-level constraints on the way, which Pipes has no field for.
    """
    return {key: _pipes_value(value) for key, value in metadata.items()}


def _pipes_value(value: Any) -> dict[str, Any]:
    if isinstance(value, dg.TableSchema):
        value = dg.MetadataValue.table_schema(value)
    typed = {
        dg.MarkdownMetadataValue: "md",
        dg.JsonMetadataValue: "json",
        dg.TextMetadataValue: "text",
        dg.UrlMetadataValue: "url",
        dg.PathMetadataValue: "path",
        dg.TimestampMetadataValue: "timestamp",
    }
    if isinstance(value, dg.TableSchemaMetadataValue):
        return {"type": "table_schema", "raw_value": {"columns": [_column(c) for c in value.schema.columns]}}
    if type(value) in typed:
        return {"type": typed[type(value)], "raw_value": value.value}
    if isinstance(value, dg.MetadataValue):
        return {"type": "__infer__", "raw_value": value.value}
    if isinstance(value, bool | int | float | str) or value is None:
        return {"type": "__infer__", "raw_value": value}
    if isinstance(value, datetime.date):
        return {"type": "text", "raw_value": value.isoformat()}
    return {"type": "json", "raw_value": value}


def _column(column: dg.TableColumn) -> dict[str, Any]:
    constraints = column.constraints
    return {
        "name": column.name,
        "type": column.type,
        "description": column.description,
        "tags": dict(column.tags) if column.tags else None,
        "constraints": {
            "nullable": constraints.nullable,
            "unique": constraints.unique,
            "other": list(constraints.other),
        },
    }
