"""Where the Gold tables are, and reading them back: the DuckDB file of the local default, or the
marts' Delta tables under `<storage root>/gold/<model>` when dbt runs on Spark or Databricks."""

from pathlib import Path

import duckdb
import pandas as pd

from lakehouse.defs.gold.project import duckdb_path
from lakehouse.lib.delta_tables import delta_dataset
from lakehouse.lib.layers import GOLD
from lakehouse.lib.storage import LakehouseStorage, join_uri

MARTS = "marts"  # the dbt layer users read


def gold_table_uri(storage: LakehouseStorage, model: str, dbt_layer: str = MARTS) -> str:
    """Where dbt on Spark writes a model (the `location_root` of its layer in dbt_project.yml): the
    marts at <root>/gold/<model>, staging and intermediate models below <root>/gold/<layer>/."""
    if dbt_layer == MARTS:
        return storage.table_uri_for(GOLD, model)
    return join_uri(storage.root_uri, GOLD, dbt_layer, model)


def read_gold(
    model: str, columns: list[str], dbt_target: str, storage: LakehouseStorage, state_dir: Path
) -> pd.DataFrame:
    if dbt_target == "duckdb":
        # Attached to a session of its own: dbt's adapter in this process may hold the file open
        # with other settings, which a second `duckdb.connect` to it would refuse.
        with duckdb.connect() as session:
            session.execute(f"attach '{duckdb_path(state_dir)}' as warehouse (read_only)")
            # Through Arrow, as delta-rs reads: the same pandas types from either engine.
            return (
                session.sql(f"select {', '.join(columns)} from warehouse.{GOLD}.{model}").to_arrow_table().to_pandas()
            )
    return delta_dataset(gold_table_uri(storage, model)).to_table(columns=columns).to_pandas()


def duckdb_marts(state_dir: Path) -> list[tuple[str, int]]:
    """The marts in the local DuckDB warehouse with their row counts (none before the first build)."""
    path = duckdb_path(state_dir)
    if not path.exists():
        return []
    with duckdb.connect() as session:
        session.execute(f"attach '{path}' as warehouse (read_only)")
        names = session.execute(
            f"select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = '{GOLD}'"
            " and not regexp_matches(table_name, '^(stg|int)_') order by table_name"
        ).fetchall()
        return [
            (name, session.execute(f"select count(*) from warehouse.{GOLD}.{name}").fetchone()[0]) for (name,) in names
        ]
