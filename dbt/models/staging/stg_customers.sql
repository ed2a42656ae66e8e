-- Live customers only: a deleted customer stays in Silver as a tombstone.
with source as (

    select * from {{ source('silver', 'customers') }}

)

select
    customer_id,
    city,
    country,
    cast(updated_at as timestamp) as updated_at
from source
where not is_deleted
