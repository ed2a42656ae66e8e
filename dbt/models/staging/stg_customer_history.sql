-- Every version of a customer's contact and address (SCD2). A deleted customer's versions are all
-- closed, so it has no current one; its history stays, for the orders placed while it was valid.
with source as (

    select * from {{ source('silver', 'customer_history') }}

)

select
    customer_id,
    _sequence as version_sequence,
    city,
    country,
    cast(valid_from as timestamp) as valid_from,
    cast(valid_to as timestamp) as valid_to,
    is_current
from source
