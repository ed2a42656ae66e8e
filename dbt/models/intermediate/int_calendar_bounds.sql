-- The calendar's span: whole years around every day with orders or web sessions (the current year
-- while there are none), so dim_date holds every day a fact points at.
with activity_days as (

    select order_date as activity_day from {{ ref('stg_orders') }}
    union all
    select session_date as activity_day from {{ ref('stg_clickstream_sessions') }}

),

bounds as (

    select
        coalesce(min(activity_day), cast({{ dbt.current_timestamp() }} as date)) as first_active_day,
        coalesce(max(activity_day), cast({{ dbt.current_timestamp() }} as date)) as last_active_day
    from activity_days

)

select
    cast({{ dbt.date_trunc('year', 'first_active_day') }} as date) as first_day,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', 'last_active_day'))) }} as date) as last_day
from bounds
