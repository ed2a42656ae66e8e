-- The span of activity (every day with orders or web sessions) and the calendar around it: whole
-- years, the current year while there is no activity, so dim_date holds every day a fact points at.
with activity_days as (

    select order_date as activity_day from {{ ref('stg_orders') }}
    union all
    select session_date as activity_day from {{ ref('stg_clickstream_sessions') }}

),

active_span as (

    select
        min(activity_day) as first_active_day,
        max(activity_day) as last_active_day
    from activity_days

),

calendar_span as (

    select
        first_active_day,
        last_active_day,
        coalesce(first_active_day, cast({{ dbt.current_timestamp() }} as date)) as first_calendar_day,
        coalesce(last_active_day, cast({{ dbt.current_timestamp() }} as date)) as last_calendar_day
    from active_span

)

select
    first_active_day,
    last_active_day,
    cast({{ dbt.date_trunc('year', 'first_calendar_day') }} as date) as first_day,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, dbt.date_trunc('year', 'last_calendar_day'))) }} as date)
        as last_day
from calendar_span
