"""Running the code location's assets and checks in the test's process, on resources of the test's own."""

import dagster as dg


def in_process_job(definitions: dg.Definitions, resources: dict, job) -> dg.JobDefinition:
    """`job` (an asset job or an op job) over every asset and check of `definitions`, with `resources`."""
    local = dg.Definitions(
        assets=definitions.assets,
        asset_checks=definitions.asset_checks,
        jobs=[job],
        resources=resources,
        executor=dg.in_process_executor,
    )
    return local.resolve_job_def(job.name)
