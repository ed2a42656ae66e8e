-- A customer's versions follow one another: none starts before the previous one has ended.
with ordered as (

    select
        customer_id,
        valid_from,
        lag(valid_to) over (partition by customer_id order by valid_from) as previous_valid_to,
        row_number() over (partition by customer_id order by valid_from) as version_number
    from {{ ref('dim_customer') }}

)

select *
from ordered
where
    version_number > 1
    and (previous_valid_to is null or valid_from < previous_valid_to)
