{# 1-5 by the share of rows at or below `expression`: 5 for the top fifth, ties share a score. #}
{% macro quintile_score(expression) %}
  cast(ceil(5 * cume_dist() over (order by {{ expression }})) as integer)
{% endmacro %}
