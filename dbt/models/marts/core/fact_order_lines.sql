-- One row per order line (live in Silver, of a live order).
with lines as (

    select * from {{ ref('int_order_lines_priced') }}

),

orders as (

    select * from {{ ref('fact_orders') }}

)

select
    {{ dbt.concat([
        'cast(lines.order_id as ' ~ dbt.type_string() ~ ')', "'-'", 'cast(lines.line_no as ' ~ dbt.type_string() ~ ')'
    ]) }} as order_line_key,
    lines.order_id,
    lines.line_no,
    lines.product_id,
    orders.customer_key,
    orders.store_id,
    lines.order_date,
    orders.is_cancelled,
    lines.currency,
    lines.quantity,
    lines.unit_price,
    lines.discount,
    lines.net_amount,
    lines.fx_rate,
    lines.net_amount_eur
from lines
inner join orders
    on lines.order_id = orders.order_id
