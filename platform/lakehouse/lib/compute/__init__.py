"""Where the Spark steps run: in the Dagster process, or as Spark applications that report through
Dagster Pipes (a local standalone cluster, EMR, Databricks). Asset bodies call a compute resource and
never know which (README, "Compute")."""
