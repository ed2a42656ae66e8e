"""The code location: everything under `lakehouse/defs`, run in one process per run.

Spark-heavy assets share one SparkSession (one JVM) per run, so runs use the in-process executor
instead of a subprocess per step.
"""

from pathlib import Path

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(executor=dg.in_process_executor),
    )
