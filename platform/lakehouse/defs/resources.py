"""The resource set of the target chosen by LAKEHOUSE_TARGET (see lakehouse.lib.targets)."""

import dagster as dg

from lakehouse.lib.targets import resources_for_target


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(resources=resources_for_target())
