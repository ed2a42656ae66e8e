-- Order lines with their order's day and currency, their net amount (exact decimal, half-up to
-- the cent) and that amount converted into EUR. Lines whose order is missing
-- or deleted have no day or currency and stay out of Gold.
with lines as (

    select * from {{ ref('stg_order_lines') }}

),

orders as (

    select * from {{ ref('stg_orders') }}

),

fx as (

    select * from {{ ref('int_fx_rates_by_order_day') }}

),

priced as (

    select
        lines.order_id,
        lines.line_no,
        lines.product_id,
        orders.order_date,
        orders.currency,
        lines.quantity,
        lines.unit_price,
        lines.discount,
        cast(lines.quantity * lines.unit_price * (1 - lines.discount) as decimal(18, 2)) as net_amount
    from lines
    inner join orders
        on lines.order_id = orders.order_id

)

select
    priced.*,
    fx.units_per_eur as fx_rate,
    cast(priced.net_amount as double) / fx.units_per_eur as net_amount_eur
from priced
left join fx
    on
        priced.order_date = fx.order_date
        and priced.currency = fx.currency
