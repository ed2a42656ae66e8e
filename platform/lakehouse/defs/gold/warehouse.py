"""Where the Gold tables are, and reading them back: the DuckDB file of the local default, or the
marts' Delta tables under `<storage root>/gold/<model>` when dbt runs on Spark or Databricks."""

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from deltalake import DeltaTable

from lakehouse.defs.gold.project import duckdb_path
from lakehouse.lib.storage import LakehouseStorage

GOLD = "gold"  # the asset key prefix, the dbt schema and the storage folder of every Gold table


def gold_key(model: str) -> dg.AssetKey:
    return dg.AssetKey([GOLD, model])


def read_gold(model: str, columns: list[str], dbt_target: str, storage: LakehouseStorage,
              state_dir: Path) -> pd.DataFrame:
    if dbt_target == "duckdb":
        # Attached to a session of its own: dbt's adapter in this process may hold the file open
        # with other settings, which a second `duckdb.connect` to it would refuse.
        with duckdb.connect() as session:
            session.execute(f"attach '{duckdb_path(state_dir)}' as warehouse (read_only)")
            # Through Arrow, as delta-rs reads: the same pandas types from either engine.
            return session.sql(f"select {', '.join(columns)} from warehouse.{GOLD}.{model}").to_arrow_table().to_pandas()
    return DeltaTable(storage.table_uri(gold_key(model))).to_pandas(columns=columns)
