select
    store_id,
    store_name,
    city,
    country,
    channel,
    opened_on
from {{ ref('stg_stores') }}
