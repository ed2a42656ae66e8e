with source as (

    select * from {{ source('silver', 'stores') }}

)

select
    store_id,
    name as store_name,
    city,
    country,
    channel,
    opened_at as opened_on
from source
where not is_deleted
