-- One row per customer version (SCD2): facts point at the version that was valid when the order
-- was placed; `is_current` marks each live customer's version of today.
with versions as (

    select * from {{ ref('stg_customer_history') }}

)

select
    {{ customer_key('customer_id', 'version_sequence') }} as customer_key,
    customer_id,
    city,
    country,
    valid_from,
    valid_to,
    is_current
from versions
