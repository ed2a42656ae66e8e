-- One row per day from the first to the last day with orders or web sessions: revenue in EUR,
-- orders, average order value, web conversion and new vs returning customers. Cancelled orders
-- are not revenue.
with orders as (

    select * from {{ ref('fact_orders') }}

),

sessions as (

    select * from {{ ref('stg_clickstream_sessions') }}

),

customers as (

    select
        customer_id,
        first_order_date
    from {{ ref('int_customer_order_summary') }}

),

daily_orders as (

    select
        orders.order_date as date_day,
        count(case when not orders.is_cancelled then orders.order_id end) as orders,
        count(case when orders.is_cancelled then orders.order_id end) as cancelled_orders,
        sum(case when not orders.is_cancelled then orders.order_amount_eur end) as revenue_eur,
        count(distinct case when not orders.is_cancelled then orders.customer_id end) as ordering_customers,
        count(distinct case
            when not orders.is_cancelled and customers.first_order_date = orders.order_date
                then orders.customer_id
        end) as new_customers
    from orders
    left join customers
        on orders.customer_id = customers.customer_id
    group by orders.order_date

),

daily_sessions as (

    select
        session_date as date_day,
        count(*) as sessions,
        cast(sum(case when converted then 1 else 0 end) as bigint) as converted_sessions
    from sessions
    group by session_date

),

active_span as (

    select
        first_active_day,
        last_active_day
    from {{ ref('int_calendar_bounds') }}

)

select
    dim_date.date_day,
    coalesce(daily_orders.orders, 0) as orders,
    coalesce(daily_orders.cancelled_orders, 0) as cancelled_orders,
    coalesce(daily_orders.revenue_eur, cast(0 as double)) as revenue_eur,
    daily_orders.revenue_eur / nullif(daily_orders.orders, 0) as average_order_value_eur,
    coalesce(daily_sessions.sessions, 0) as sessions,
    coalesce(daily_sessions.converted_sessions, 0) as converted_sessions,
    cast(daily_sessions.converted_sessions as double) / nullif(daily_sessions.sessions, 0) as conversion_rate,
    coalesce(daily_orders.new_customers, 0) as new_customers,
    coalesce(daily_orders.ordering_customers - daily_orders.new_customers, 0) as returning_customers
from {{ ref('dim_date') }} as dim_date
inner join active_span
    on dim_date.date_day between active_span.first_active_day and active_span.last_active_day
left join daily_orders
    on dim_date.date_day = daily_orders.date_day
left join daily_sessions
    on dim_date.date_day = daily_sessions.date_day
