"""A step's results as Dagster events, and as Dagster Pipes messages: one translation each way, so a step
reports the same whether it ran in the Dagster process or in a remote Spark driver."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg

from lakehouse.lib.compute.step import Checked, DaysApplied, Materialized, Reported, StepResult

# What a step's results become in Dagster: an asset's materializations and check results, an op's output.
StepEvent = dg.MaterializeResult | dg.AssetCheckResult | dg.Output

# The results Pipes has no message for travel as custom messages, in Dagster's own serialisation.
DAYS_APPLIED_MESSAGE, REPORTED_MESSAGE = "days_applied", "reported"


def dagster_events(context: dg.AssetExecutionContext, results: Iterable[StepResult]) -> Iterator[StepEvent]:
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
        elif isinstance(result, Reported):
            yield dg.Output(None, metadata=dict(result.metadata))
        else:
            log_days_applied(context, result)


def log_days_applied(context: dg.AssetExecutionContext, result: DaysApplied) -> None:
    for day in result.days:
        context.log_event(dg.AssetMaterialization(asset_key=result.asset_key, partition=day, metadata=result.metadata))


def custom_message(result: DaysApplied | Reported) -> dict[str, Any]:
    if isinstance(result, Reported):
        return {REPORTED_MESSAGE: dg.serialize_value(dict(result.metadata))}
    days = {"asset_key": result.asset_key.to_user_string(), "days": list(result.days),
            "metadata": dg.serialize_value(dict(result.metadata))}  # fmt: skip
    return {DAYS_APPLIED_MESSAGE: days}


def custom_results(messages: Iterable[Mapping[str, Any]]) -> Iterator[DaysApplied | Reported]:
    """The results a remote step sent as custom messages (`custom_message`), in their order."""
    for message in messages:
        if REPORTED_MESSAGE in message:
            yield Reported(dg.deserialize_value(message[REPORTED_MESSAGE]))
        elif DAYS_APPLIED_MESSAGE in message:
            days = message[DAYS_APPLIED_MESSAGE]
            yield DaysApplied(dg.AssetKey.from_user_string(days["asset_key"]), days["days"],
                              dg.deserialize_value(days["metadata"]))  # fmt: skip


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
