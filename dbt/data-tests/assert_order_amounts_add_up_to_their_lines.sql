{{ config(meta={'dagster': {'ref': {'name': 'fact_orders'}}}) }}
-- An order's amount is the sum of its lines, in its own currency and in EUR.
with line_totals as (

    select
        order_id,
        sum(net_amount) as net_amount,
        sum(net_amount_eur) as net_amount_eur
    from {{ ref('fact_order_lines') }}
    group by order_id

)

select
    fact_orders.order_id,
    fact_orders.order_amount,
    line_totals.net_amount
from {{ ref('fact_orders') }} as fact_orders
left join line_totals
    on fact_orders.order_id = line_totals.order_id
where
    fact_orders.order_amount <> coalesce(line_totals.net_amount, 0)
    or abs(coalesce(fact_orders.order_amount_eur, 0) - coalesce(line_totals.net_amount_eur, 0)) > 0.000001
