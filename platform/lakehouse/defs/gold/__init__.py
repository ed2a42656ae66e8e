"""Gold: the dbt project in `dbt/` (star schema, Customer 360, KPIs) as assets fed by Silver, plus
reconciliation checks that recompute its figures from Silver."""
