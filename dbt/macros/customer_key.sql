{# The surrogate key of one customer version: the same text on every engine. #}
{% macro customer_key(customer_id, version_sequence) %}
  {{ dbt.hash(dbt.concat([
      'cast(' ~ customer_id ~ ' as ' ~ dbt.type_string() ~ ')',
      "'-'",
      'cast(' ~ version_sequence ~ ' as ' ~ dbt.type_string() ~ ')'
  ])) }}
{% endmacro %}
