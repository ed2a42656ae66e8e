"""Print what the lakehouse holds, read with delta-rs (`deltalake`): an independent Delta reader,
so the summary also proves the tables are plain Delta that any engine can read."""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
from deltalake import DeltaTable

from lakehouse.lib.delta_tables import delta_dataset
from lakehouse.lib.layers import LAYERS
from lakehouse.transforms.bronze_columns import RESCUED


def delta_tables(data_root: Path) -> list[tuple[str, Path]]:
    found = []
    for layer in LAYERS:
        for folder in sorted((data_root / layer).glob("*/_delta_log")):
            found.append((f"{layer}.{folder.parent.name}", folder.parent))
    return found


def print_summary(data_root: Path) -> None:
    rows = []
    for name, path in delta_tables(data_root):
        table = DeltaTable(str(path))
        dataset = delta_dataset(str(path))
        rescued = dataset.count_rows(filter=pc.field(RESCUED).is_valid()) if RESCUED in dataset.schema.names else 0
        rows.append((name, table.version(), dataset.count_rows(), rescued))
    if not rows:
        print(f"no Delta tables under {data_root} yet")
        return
    width = max(len(r[0]) for r in rows)
    print(f"\n{'table':<{width}}  {'version':>7}  {'rows':>12}  {'rescued':>8}")
    for name, version, count, rescued in rows:
        print(f"{name:<{width}}  {version:>7}  {count:>12,}  {rescued:>8,}")
    _print_refused_files(data_root / "_system" / "ingest_ledger")
    _print_gold_warehouse()
    print(f"\ntables: {data_root}\n{_dashboard_line(data_root)}\nUI:     make ui  (then open http://127.0.0.1:3000)")


def _dashboard_line(data_root: Path) -> str:
    from lakehouse.defs.gold.dashboard import DASHBOARD_FILE, DASHBOARD_KEY

    page = data_root.joinpath(*DASHBOARD_FILE)
    if page.exists():
        return f"dashboard: {page}  (one HTML file: open it in a browser, offline too)"
    return f"dashboard: not built yet (materialize {DASHBOARD_KEY.to_user_string()})"


def _print_gold_warehouse() -> None:
    """Gold built by dbt on the local default lives in DuckDB, not in Delta."""
    from lakehouse.defs.gold.project import duckdb_path
    from lakehouse.defs.gold.warehouse import duckdb_marts
    from lakehouse.lib.targets import local_state_dir

    marts = duckdb_marts(local_state_dir())
    if marts:
        print(f"\ngold marts in DuckDB ({duckdb_path(local_state_dir())}):")
        for name, count in marts:
            print(f"  gold.{name:<22} {count:>12,}")


def _print_refused_files(ledger_path: Path) -> None:
    if not (ledger_path / "_delta_log").exists():
        return
    ledger = delta_dataset(str(ledger_path)).to_table(columns=["feed", "source_file", "status", "reason"])
    refused = ledger.filter(pc.field("status") == "rejected").to_pylist()
    print(f"\ningestion ledger: {ledger.num_rows} files, {len(refused)} refused")
    for entry in refused:
        print(f"  {entry['feed']}: {entry['source_file'].rsplit('/', 1)[-1]}: {entry['reason']}")
