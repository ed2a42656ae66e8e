-- The rate that converts each order day's currency into EUR, the FX feed's base and the reporting
-- currency: the latest rate published on or before that day (the feed may skip days).

with order_days as (

    select distinct
        order_date,
        currency
    from {{ ref('stg_orders') }}
    where
        order_date is not null
        and currency is not null

),

rates as (

    select
        rate_date,
        quote_currency as currency,
        rate
    from {{ ref('stg_fx_rates') }}
    where base_currency = 'EUR'

    union all

    -- EUR converts into itself at 1, on every day.
    select
        order_date as rate_date,
        currency,
        cast(1 as double) as rate
    from order_days
    where currency = 'EUR'

),

ranked as (

    select
        order_days.order_date,
        order_days.currency,
        rates.rate_date,
        rates.rate,
        row_number() over (
            partition by order_days.order_date, order_days.currency
            order by rates.rate_date desc
        ) as recency
    from order_days
    inner join rates
        on
            order_days.currency = rates.currency
            and order_days.order_date >= rates.rate_date

)

select
    order_date,
    currency,
    rate_date,
    rate as units_per_eur
from ranked
where recency = 1
