"""Pure DataFrame -> DataFrame transformations: no I/O, no Dagster."""
