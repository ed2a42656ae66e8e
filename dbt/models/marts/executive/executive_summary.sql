-- One row per month for the executive dashboard: revenue and its change on the previous month,
-- orders, average order value, web conversion, new and active customers.
with daily as (

    select * from {{ ref('kpi_daily') }}

),

active_customers as (

    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as month_start,
        count(distinct customer_id) as active_customers
    from {{ ref('fact_orders') }}
    where not is_cancelled
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date)

),

monthly as (

    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        sum(revenue_eur) as revenue_eur,
        -- Sums of counts widen differently per engine; the contract promises bigint.
        cast(sum(orders) as bigint) as orders,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(converted_sessions) as bigint) as converted_sessions,
        cast(sum(new_customers) as bigint) as new_customers
    from daily
    group by cast({{ dbt.date_trunc('month', 'date_day') }} as date)

)

select
    monthly.month_start,
    round(monthly.revenue_eur, 2) as revenue_eur,
    round(
        (monthly.revenue_eur - lag(monthly.revenue_eur) over (order by monthly.month_start))
        / nullif(lag(monthly.revenue_eur) over (order by monthly.month_start), 0),
        4
    ) as revenue_change_vs_previous_month,
    monthly.orders,
    round(monthly.revenue_eur / nullif(monthly.orders, 0), 2) as average_order_value_eur,
    round(cast(monthly.converted_sessions as double) / nullif(monthly.sessions, 0), 4) as conversion_rate,
    monthly.new_customers,
    coalesce(active_customers.active_customers, 0) as active_customers
from monthly
left join active_customers
    on monthly.month_start = active_customers.month_start
