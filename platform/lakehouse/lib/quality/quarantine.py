"""Quarantine tables: rows held back by `quarantine` expectations, one Delta table per source table.

A quarantined row keeps its original columns plus `_rule` (the names of every rule it failed),
`_reason` and `_quarantined_at`, so it can be inspected, fixed upstream and replayed. Its times are
kept as received, however implausible, so the tables keep no statistics on times (see
`stats_columns_without_times`).
"""

from __future__ import annotations

import dagster as dg
import deltalake

from lakehouse.lib.delta_tables import STATS_COLUMNS, append_rows, stats_columns_without_times
from lakehouse.lib.quality.expectations import Evaluation
from lakehouse.lib.storage import LakehouseStorage, join_uri


def quarantine_uri(storage: LakehouseStorage, asset_key: dg.AssetKey) -> str:
    """`<root>/quarantine/<layer>/<table>`: the full asset key, so equal table names in two layers never mix."""
    return join_uri(storage.root_uri, "quarantine", *asset_key.path)


def append_quarantine(evaluation: Evaluation, uri: str, *, batch: str, batch_version: int) -> None:
    """Append the evaluation's quarantined rows once per batch; no commit when there are none.

    `batch` names the writer and `batch_version` must grow with every new batch it quarantines
    (the Silver tables use the sum of the source versions read). The pair is committed with the rows
    (Delta's application transaction) and a batch whose pair the table holds is skipped, so a batch
    re-run after a crash does not quarantine its rows twice.

    Written with delta-rs: a batch quarantines a handful of rows, and a Spark write of them costs a
    second or more of jobs and commit per table and run.
    """
    if not evaluation.rows_quarantined:
        return
    if deltalake.DeltaTable.is_deltatable(uri):
        committed = deltalake.DeltaTable(uri).transaction_version(batch)
        if committed is not None and committed >= batch_version:
            return
    # The contract may gain nullable columns; older quarantined rows keep theirs as NULL.
    append_rows(
        uri,
        evaluation.quarantined.toArrow(),
        schema_mode="merge",
        configuration={STATS_COLUMNS: stats_columns_without_times(evaluation.quarantined.schema)},  # on creation
        commit_properties=deltalake.CommitProperties(app_transactions=[deltalake.Transaction(batch, batch_version)]),
    )


def replace_quarantine(evaluation: Evaluation, uri: str, where: str | None = None) -> None:
    """Replace the quarantine with the evaluation's rows: a full rebuild judges every row again.

    With `where` (SQL), only the quarantined rows matching it are replaced: a rebuild of some days.
    """
    if not (evaluation.rows_quarantined or deltalake.DeltaTable.is_deltatable(uri)):
        return
    rows = evaluation.quarantined
    writer = (
        rows.write.format("delta").mode("overwrite").option(STATS_COLUMNS, stats_columns_without_times(rows.schema))
    )
    if where is None:
        writer.option("overwriteSchema", "true").save(uri)
    else:  # Delta refuses a schema overwrite with replaceWhere; the contract may have gained columns
        writer.option("replaceWhere", where).option("mergeSchema", "true").save(uri)
