with source as (

    select * from {{ source('silver', 'fx_rates') }}

)

select
    rate_date,
    base_currency,
    quote_currency,
    rate
from source
where not is_deleted
