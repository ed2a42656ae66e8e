"""Run dbt on the Gold project with the lakehouse's locations:

    python -m lakehouse.defs.gold.dbt_cli build                  # LAKEHOUSE_DBT_TARGET, default duckdb
    python -m lakehouse.defs.gold.dbt_cli build --target spark

The arguments go to dbt as given; the target's `--vars` (see project.py) are added.
"""

import argparse
import json
import subprocess
import sys

from lakehouse.defs.gold.project import (
    DBT_EXECUTABLE,
    DBT_PROJECT_DIR,
    HAND_RUN_TARGET_PATH,
    dbt_vars,
    local_lake_root,
)
from lakehouse.lib.targets import dbt_target, local_state_dir


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    given = argparse.ArgumentParser(add_help=False)
    given.add_argument("--target", "-t")
    given.add_argument("--target-path")
    chosen = given.parse_known_args(args)[0]
    target = chosen.target or dbt_target()
    variables = dbt_vars(target, local_lake_root(), local_state_dir())
    command = [
        DBT_EXECUTABLE,
        *args,
        *([] if chosen.target else ["--target", target]),
        *([] if chosen.target_path else ["--target-path", str(HAND_RUN_TARGET_PATH)]),
        "--vars",
        json.dumps(variables),
    ]
    return subprocess.call(command, cwd=DBT_PROJECT_DIR)


if __name__ == "__main__":
    sys.exit(main())
