-- The customer version each order belongs to: the one valid when it was placed. An order placed
-- before its customer's first recorded version belongs to that first version.
with orders as (

    select
        order_id,
        customer_id,
        ordered_at
    from {{ ref('stg_orders') }}

),

versions as (

    select * from {{ ref('stg_customer_history') }}

),

first_versions as (

    select
        customer_id,
        min(valid_from) as first_valid_from
    from versions
    group by customer_id

),

valid_at_order as (

    select
        orders.order_id,
        versions.customer_id,
        versions.version_sequence
    from orders
    inner join versions
        on
            orders.customer_id = versions.customer_id
            and orders.ordered_at >= versions.valid_from
            and (versions.valid_to is null or orders.ordered_at < versions.valid_to)

),

before_first_version as (

    select
        orders.order_id,
        versions.customer_id,
        versions.version_sequence
    from orders
    inner join first_versions
        on
            orders.customer_id = first_versions.customer_id
            and orders.ordered_at < first_versions.first_valid_from
    inner join versions
        on
            first_versions.customer_id = versions.customer_id
            and first_versions.first_valid_from = versions.valid_from

)

select
    order_id, {{ customer_key('customer_id', 'version_sequence') }} as customer_key
from valid_at_order

union all

select
    order_id, {{ customer_key('customer_id', 'version_sequence') }} as customer_key
from before_first_version
