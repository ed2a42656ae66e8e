-- Per customer: when they first and last ordered, how often, what they spent and where they buy
-- most. Cancelled orders do not count.
with orders as (

    select * from {{ ref('int_orders_priced') }}
    where
        not is_cancelled
        and customer_id is not null

),

totals as (

    select
        customer_id,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date,
        count(*) as order_count,
        sum(order_amount_eur) as lifetime_value
    from orders
    group by customer_id

),

channels as (

    select
        customer_id,
        channel,
        row_number() over (
            partition by customer_id
            order by count(*) desc, channel
        ) as channel_rank
    from orders
    where channel is not null
    group by customer_id, channel

)

select
    totals.*,
    channels.channel as preferred_channel
from totals
left join channels
    on
        totals.customer_id = channels.customer_id
        and channels.channel_rank = 1
