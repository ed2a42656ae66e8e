"""dbt-duckdb's `delta` source plugin, reading shallow clones too: a branch deployment's Silver tables
start as clones of production's, which delta-rs cannot scan on its own (see `delta_dataset`)."""

from typing import Any

from dbt.adapters.duckdb.plugins import delta
from dbt.adapters.duckdb.utils import SourceConfig

from lakehouse.lib.delta_tables import delta_dataset


class Plugin(delta.Plugin):
    def load(self, source_config: SourceConfig) -> Any:
        if set(source_config.meta) & {"storage_options", "as_of_version", "as_of_datetime"}:
            return super().load(source_config)  # options of the stock plugin this project does not use
        return delta_dataset(source_config["delta_table_path"])
