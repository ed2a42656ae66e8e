-- One row per live customer: where they live today, what they bought, how they browse, and their
-- recency/frequency/monetary (RFM) segment. Recency counts back from the last order day in the
-- data, not from today, so a rebuild of the same data gives the same scores.
with customers as (

    select * from {{ ref('dim_customer') }}
    where is_current

),

orders as (

    select * from {{ ref('int_customer_order_summary') }}

),

sessions as (

    select
        customer_id,
        count(*) as web_sessions,
        cast(sum(case when converted then 1 else 0 end) as bigint) as converted_sessions
    from {{ ref('stg_clickstream_sessions') }}
    where customer_id is not null
    group by customer_id

),

-- Scored among the live customers with orders.
ordering_customers as (

    select orders.*
    from orders
    inner join customers
        on orders.customer_id = customers.customer_id

),

as_of as (

    select max(last_order_date) as as_of_date
    from ordering_customers

),

scored as (

    select
        ordering_customers.customer_id,
        cast({{ dbt.datediff('ordering_customers.last_order_date', 'as_of.as_of_date', 'day') }} as integer)
            as recency_days,
        -- Scores 1-5 (5 best) from the share of customers at or below the value: equal values
        -- share a score, so the scores do not depend on row order (or on the engine).
        {{ quintile_score('ordering_customers.last_order_date') }} as recency_score,
        {{ quintile_score('ordering_customers.order_count') }} as frequency_score,
        {{ quintile_score('coalesce(ordering_customers.lifetime_value, 0)') }} as monetary_score
    from ordering_customers
    cross join as_of

)

select
    customers.customer_id,
    customers.customer_key,
    customers.city,
    customers.country,
    orders.first_ordered_at,
    orders.last_ordered_at,
    coalesce(orders.order_count, 0) as order_count,
    coalesce(orders.lifetime_value, cast(0 as double)) as lifetime_value_eur,
    orders.lifetime_value / orders.order_count as average_order_value_eur,
    orders.preferred_channel,
    coalesce(sessions.web_sessions, 0) as web_sessions,
    coalesce(sessions.converted_sessions, 0) as converted_sessions,
    scored.recency_days,
    scored.recency_score,
    scored.frequency_score,
    scored.monetary_score,
    case
        when scored.customer_id is null then 'prospect'
        when scored.recency_score >= 4 and scored.frequency_score >= 4 and scored.monetary_score >= 4 then 'champion'
        when scored.recency_score >= 3 and scored.frequency_score >= 4 then 'loyal'
        when scored.recency_score >= 4 and scored.frequency_score <= 2 then 'new'
        when scored.recency_score <= 2 and scored.frequency_score >= 3 then 'at_risk'
        when scored.recency_score <= 2 then 'hibernating'
        else 'promising'
    end as rfm_segment
from customers
left join orders
    on customers.customer_id = orders.customer_id
left join sessions
    on customers.customer_id = sessions.customer_id
left join scored
    on customers.customer_id = scored.customer_id
