with source as (

    select * from {{ source('silver', 'suppliers') }}

)

select
    supplier_id,
    name as supplier_name,
    country as supplier_country
from source
where not is_deleted
