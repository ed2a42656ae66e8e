{{ config(meta={'dagster': {'ref': {'name': 'kpi_daily'}}}) }}
-- Daily revenue is the EUR total of that day's orders that were not cancelled, and no day with
-- revenue is missing.
with from_facts as (

    select
        order_date,
        sum(order_amount_eur) as revenue_eur
    from {{ ref('fact_orders') }}
    where not is_cancelled
    group by order_date

)

select
    from_facts.order_date,
    from_facts.revenue_eur,
    kpi_daily.revenue_eur as kpi_revenue_eur
from from_facts
left join {{ ref('kpi_daily') }} as kpi_daily
    on from_facts.order_date = kpi_daily.date_day
where
    kpi_daily.date_day is null
    or abs(kpi_daily.revenue_eur - coalesce(from_facts.revenue_eur, 0)) > 0.000001
