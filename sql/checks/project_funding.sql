-- Project performance tables: 年度资金总额 = 当年财政拨款 + 上年结转 + 其他资金.
SELECT 'project_funding_sum' AS rule, document_id, table_seq, 'perf_project' AS table_type, project AS subject,
       '年度资金总额 = 财政拨款+上年结转+其他资金' AS measure,
       coalesce(total_wan, 0) AS expected,
       coalesce(appropriation_wan, 0) + coalesce(carryover_wan, 0) + coalesce(other_wan, 0) AS actual,
       dq_tol(4, 6) AS tolerance, page, line, src_ref AS cells,
       NULL::BOOLEAN AS passed, NULL AS message
FROM chk_fact_project_funding
WHERE has_funding_block
