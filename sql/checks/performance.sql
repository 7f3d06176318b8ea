-- Performance tables: every project has 产出, 效益 and 满意度 indicators; every target value is readable
-- (a value with several figures is kept as text and flagged); no indicator is published without a value.
WITH fam AS (
    SELECT document_id, table_seq, scope, min(project) AS project, min(page) AS page, min(line) AS line,
           bool_or(level1 LIKE '产出%') AS has_output, bool_or(level1 LIKE '效益%') AS has_benefit,
           bool_or(level1 LIKE '满意度%' OR level2 LIKE '%满意度%') AS has_satisfaction
    FROM chk_fact_performance_target GROUP BY document_id, table_seq, scope
)
SELECT 'perf_indicator_families' AS rule, document_id, table_seq, 'perf_project' AS table_type, project AS subject,
       '产出/效益/满意度' AS measure, NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual,
       NULL::DECIMAL(24, 6) AS tolerance, page, line, NULL AS cells,
       has_output AND has_benefit AND has_satisfaction AS passed,
       'missing indicator family: ' || concat_ws(', ', CASE WHEN NOT has_output THEN '产出指标' END,
           CASE WHEN NOT has_benefit THEN '效益指标' END, CASE WHEN NOT has_satisfaction THEN '满意度指标' END) AS message
FROM fam WHERE scope = 'project'
UNION ALL
SELECT 'perf_target_parse', document_id, table_seq, 'perf_' || scope, project, level3, NULL, NULL, NULL, page, line, src_ref,
       target_parsed AND target_text <> '',
       CASE WHEN target_text = '' THEN 'indicator ' || level3 || ' has no target value'
            ELSE 'target value ' || target_text || ' mixes figures and words (not one comparator, number and unit); kept as text, no number' END
FROM chk_fact_performance_target
