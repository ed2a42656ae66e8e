"""The Gold dbt models as Dagster assets: one asset per model, every dbt test an asset check.

Each dbt source is the Silver asset it reads, so the graph shows one lineage Bronze -> Silver -> Gold.
A run builds the selected models with `dbt build` (tests included) and records each model's row
count and column schema: through dbt's adapter on DuckDB, from the models' Delta tables on Spark.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from lakehouse.defs.gold.project import DBT_EXECUTABLE, dbt_vars, prepared_gold_project
from lakehouse.defs.gold.warehouse import MARTS, gold_table_uri
from lakehouse.lib.automation import GOLD_FRESHNESS, gold_automation
from lakehouse.lib.delta_metadata import delta_table_metadata
from lakehouse.lib.layers import GOLD, SILVER, gold_key, silver_key
from lakehouse.lib.storage import LakehouseStorage
from lakehouse.lib.targets import local_state_dir

GOLD_PROJECT = prepared_gold_project(local_state_dir())


class GoldTranslator(DagsterDbtTranslator):
    """Sources are the Silver assets; models are `gold/<model>`, tagged with their dbt layer and
    refreshed by the Gold automation condition."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            if dbt_resource_props["source_name"] != SILVER:
                raise ValueError(f"Gold reads Silver only, not source {dbt_resource_props['unique_id']}")
            return silver_key(dbt_resource_props["name"])
        return gold_key(dbt_resource_props["name"])

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            return spec
        layer = props["fqn"][1]  # fqn: [project, "staging" | "intermediate" | "marts", ..., model]
        # Every model follows Silver on the Gold cron; the marts are what users are promised fresh.
        return spec.replace_attributes(
            group_name=GOLD,
            automation_condition=gold_automation(),
            freshness_policy=GOLD_FRESHNESS if layer == MARTS else None,
        ).merge_attributes(tags={"layer": GOLD, "dbt_layer": layer})


# One build at a time: DuckDB's warehouse file takes one writer.
@dbt_assets(
    manifest=GOLD_PROJECT.manifest_path, project=GOLD_PROJECT, dagster_dbt_translator=GoldTranslator(), pool="gold/dbt"
)
def gold_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, storage: LakehouseStorage):
    variables = dbt_vars(dbt.target, storage.root_uri, local_state_dir())
    events = dbt.cli(["build", "--vars", json.dumps(variables)], context=context).stream()
    if dbt.target == "duckdb":
        # Read back through dbt's adapter in this process. Column lineage is left out: it needs the
        # sources' columns, which exist only inside dbt's run (the delta plugin registers them per
        # invocation).
        yield from events.fetch_row_counts().fetch_column_metadata(with_column_lineage=False)
    else:
        # On Spark the models' catalog lives in dbt's own session, so dbt's adapter here cannot
        # see them; their Delta tables can.
        yield from with_delta_table_metadata(context, events, storage)


def with_delta_table_metadata(
    context: dg.AssetExecutionContext, events: Iterator[Any], storage: LakehouseStorage
) -> Iterator[Any]:
    for event in events:
        if isinstance(event, dg.Output):
            key = context.assets_def.keys_by_output_name[event.output_name]
            layer = context.assets_def.specs_by_key[key].tags["dbt_layer"]
            table = delta_table_metadata(gold_table_uri(storage, key.path[-1], layer))
            event = event.with_metadata({**event.metadata, **table})
        yield event


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[gold_dbt_models],
        resources={"dbt": DbtCliResource(project_dir=GOLD_PROJECT, dbt_executable=DBT_EXECUTABLE)},
    )
