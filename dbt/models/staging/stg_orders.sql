with source as (

    select * from {{ source('silver', 'orders') }}

)

select
    order_id,
    customer_id,
    store_id,
    cast(order_ts as timestamp) as ordered_at,
    cast(order_ts as date) as order_date,
    status,
    currency,
    channel
from source
where not is_deleted
