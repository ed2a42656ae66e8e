with source as (

    select * from {{ source('silver', 'order_lines') }}

)

select
    order_id,
    line_no,
    product_id,
    quantity,
    unit_price,
    -- Discounts are shares such as 0.05: exact in four decimals, so amounts stay exact decimals.
    cast(coalesce(discount, 0) as decimal(5, 4)) as discount
from source
where not is_deleted
