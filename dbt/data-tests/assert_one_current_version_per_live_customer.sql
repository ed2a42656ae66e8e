{{ config(meta={'dagster': {'ref': {'name': 'dim_customer'}}}) }}
-- Every live customer has exactly one current version in dim_customer, and deleted ones none.
with current_versions as (

    select
        customer_id,
        count(*) as current_versions
    from {{ ref('dim_customer') }}
    where is_current
    group by customer_id

)

select
    coalesce(live.customer_id, current_versions.customer_id) as customer_id,
    current_versions.current_versions
from {{ ref('stg_customers') }} as live
full outer join current_versions
    on live.customer_id = current_versions.customer_id
where
    live.customer_id is null
    or current_versions.customer_id is null
    or current_versions.current_versions <> 1
