with products as (

    select * from {{ ref('stg_products') }}

),

suppliers as (

    select * from {{ ref('stg_suppliers') }}

)

select
    products.product_id,
    products.sku,
    products.product_name,
    products.category,
    products.list_price,
    products.list_price_currency,
    products.supplier_id,
    suppliers.supplier_name,
    suppliers.supplier_country
from products
left join suppliers
    on products.supplier_id = suppliers.supplier_id
