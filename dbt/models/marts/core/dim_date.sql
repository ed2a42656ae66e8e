-- The calendar, one row per day of the whole years with activity (int_calendar_bounds).
{% set bounds = ref('int_calendar_bounds') %}

with days as (

    {#- The spine's end is exclusive. -#}
    {{ dbt.date_spine(
        'day',
        '(select first_day from ' ~ bounds ~ ')',
        dbt.dateadd('day', 1, '(select last_day from ' ~ bounds ~ ')')
    ) }}

),

dated as (

    select cast(date_day as date) as date_day
    from days

)

select
    date_day,
    -- The calendar's column names are the mart's contract, keywords or not.
    cast(extract(year from date_day) as integer) as year,  -- noqa: RF04
    cast(extract(quarter from date_day) as integer) as quarter,  -- noqa: RF04
    cast(extract(month from date_day) as integer) as month,  -- noqa: RF04
    cast(extract(day from date_day) as integer) as day_of_month,
    -- ISO day of week (Monday = 1) from the distance to a known Monday: the same on every engine.
    cast(mod({{ dbt.datediff("cast('2001-01-01' as date)", 'date_day', 'day') }}, 7) + 1 as integer) as day_of_week,
    mod({{ dbt.datediff("cast('2001-01-01' as date)", 'date_day', 'day') }}, 7) >= 5 as is_weekend,
    cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start
from dated
