{#
  Makes the Silver sources queryable by name on Spark. dbt-spark's `session` catalog lives only as
  long as its Spark session, so every run registers each Silver Delta folder (the source's
  `delta_table_path`) as an external table. DuckDB reads the folders through the delta plugin
  instead, and Databricks finds the tables in Unity Catalog: nothing to do there.
#}
{% macro register_silver_tables() %}
    {{ return(adapter.dispatch('register_silver_tables')()) }}
{% endmacro %}

{% macro default__register_silver_tables() %}
{% endmacro %}

{% macro databricks__register_silver_tables() %}
{% endmacro %}

{% macro spark__register_silver_tables() %}
    {% if execute %}
        {% for source in graph.sources.values() if source.source_name == 'silver' %}
            {% do run_query('create schema if not exists ' ~ source.schema) %}
      {% do run_query(
        'create table if not exists ' ~ source.schema ~ '.' ~ source.identifier
        ~ " using delta location '" ~ source.meta.delta_table_path ~ "'"
      ) %}
        {% endfor %}
    {% endif %}
{% endmacro %}
