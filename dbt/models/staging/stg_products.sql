with source as (

    select * from {{ source('silver', 'products') }}

)

select
    product_id,
    sku,
    name as product_name,
    category,
    unit_price as list_price,
    currency as list_price_currency,
    supplier_id
from source
where not is_deleted
