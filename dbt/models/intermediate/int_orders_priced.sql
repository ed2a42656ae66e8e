-- One row per order with its line totals, in its own currency and in EUR.
-- A cancelled order keeps its amounts; revenue figures leave it out.
with orders as (

    select * from {{ ref('stg_orders') }}

),

line_totals as (

    select
        order_id,
        count(*) as line_count,
        -- Sums widen differently per engine; cast back to the types the marts promise.
        cast(sum(quantity) as bigint) as item_quantity,
        cast(sum(net_amount) as decimal(18, 2)) as order_amount,
        sum(net_amount_eur) as order_amount_eur
    from {{ ref('int_order_lines_priced') }}
    group by order_id

),

fx as (

    select * from {{ ref('int_fx_rates_by_order_day') }}

)

select
    orders.order_id,
    orders.customer_id,
    orders.store_id,
    orders.ordered_at,
    orders.order_date,
    orders.status,
    orders.status = 'cancelled' as is_cancelled,
    orders.channel,
    orders.currency,
    coalesce(line_totals.line_count, 0) as line_count,
    coalesce(line_totals.item_quantity, 0) as item_quantity,
    coalesce(line_totals.order_amount, cast(0 as decimal(18, 2))) as order_amount,
    fx.units_per_eur as fx_rate,
    -- An order without lines is worth 0; one without a rate cannot be converted.
    case
        when fx.units_per_eur is null then null
        else coalesce(line_totals.order_amount_eur, cast(0 as double))
    end as order_amount_eur
from orders
left join line_totals
    on orders.order_id = line_totals.order_id
left join fx
    on
        orders.order_date = fx.order_date
        and orders.currency = fx.currency
