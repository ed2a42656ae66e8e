"""The sensors that evaluate automation conditions, one per kind of asset: the dbt models are
evaluated in a sensor of their own, so however long that takes, it never delays Silver, whose eager
condition is what brings file arrivals to Silver within a minute.

Every asset with a condition is targeted by one of them; otherwise Dagster would add its default
automation sensor for the rest.
"""

import dagster as dg

from lakehouse.lib.lanes import GOLD, SILVER, lane

DBT = dg.AssetSelection.kind("dbt")

spark_tables_automation = dg.AutomationConditionSensorDefinition(
    "spark_tables_automation",
    target=dg.AssetSelection.all() - DBT,
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_tags=lane(SILVER),
    description="Evaluates the automation conditions of the Spark tables (Silver follows its sources eagerly).",
)

dbt_models_automation = dg.AutomationConditionSensorDefinition(
    "dbt_models_automation",
    target=DBT,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    run_tags=lane(GOLD),
    description="Evaluates the automation conditions of the Gold dbt models (lib.automation.gold_automation).",
)
