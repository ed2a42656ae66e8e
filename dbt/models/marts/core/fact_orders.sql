-- One row per order (live in Silver), with its customer version, store, day and amounts in its
-- own currency and in EUR.
with orders as (

    select * from {{ ref('int_orders_priced') }}

),

customer_versions as (

    select * from {{ ref('int_order_customer_versions') }}

)

select
    orders.order_id,
    orders.customer_id,
    customer_versions.customer_key,
    orders.store_id,
    orders.order_date,
    orders.ordered_at,
    orders.status,
    orders.is_cancelled,
    orders.channel,
    orders.currency,
    orders.line_count,
    orders.item_quantity,
    orders.order_amount,
    orders.fx_rate,
    orders.order_amount_eur
from orders
left join customer_versions
    on orders.order_id = customer_versions.order_id
