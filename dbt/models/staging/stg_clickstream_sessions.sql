with source as (

    select * from {{ source('silver', 'clickstream_sessions') }}

)

select
    session_id,
    session_date,
    customer_id,
    cast(started_at as timestamp) as started_at,
    cast(ended_at as timestamp) as ended_at,
    event_count,
    converted
from source
where not is_deleted
