"""A remote driver finds a step by its name after importing its module; the main job on a cluster runs
only some of the steps, so this covers all of them without starting one application each."""

import json
import subprocess
import sys

from lakehouse.definitions import defs
from lakehouse.lib.compute.step import registered_steps

FIND = """
import json, sys
from lakehouse.lib.compute.step import registered_step
found = {name: registered_step(name, module) for name, module in json.load(sys.stdin).items()}
print(json.dumps({name: [step.run.__module__, step.run.__qualname__] for name, step in found.items()}))
"""


def test_a_fresh_driver_finds_every_step_of_the_code_location_from_its_name_and_module():
    defs()
    # Only the package's: tests register steps of their own, in modules a fresh process cannot import.
    steps = {name: step for name, step in registered_steps().items() if step.module.startswith("lakehouse.")}
    assert {"bronze/erp_orders", "silver__orders", "analyst/customers", "maintenance/delta_tables"} <= set(steps)
    found = subprocess.run([sys.executable, "-c", FIND], input=json.dumps({n: s.module for n, s in steps.items()}),
                           capture_output=True, text=True)  # fmt: skip
    assert found.returncode == 0, found.stderr[-3000:]
    assert json.loads(found.stdout) == {n: [s.run.__module__, s.run.__qualname__] for n, s in steps.items()}
