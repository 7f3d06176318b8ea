-- Findings count current documents only (a superseded version's findings are counted apart: *_superseded).
WITH cur AS (SELECT document_id, coalesce(is_current, TRUE) AS is_current FROM core.dim_document
             LEFT JOIN core.document_version USING (document_id))
SELECT
    (SELECT count(*) FROM core.dim_document) AS documents,
    (SELECT count(*) FROM core.ingest_errors) AS ingest_errors,
    (SELECT count(*) FROM core.dim_table) AS tables,
    (SELECT count(*) FROM core.fact_budget_amount) + (SELECT count(*) FROM core.fact_performance_target)
        + (SELECT count(*) FROM core.fact_project_funding) + (SELECT count(*) FROM core.fact_narrative_figure) AS facts,
    (SELECT count(*) FROM core.fact_budget_amount) AS budget_facts,
    (SELECT count(*) FROM core.fact_performance_target) AS target_facts,
    (SELECT count(*) FROM core.fact_project_funding) AS projects,
    (SELECT count(*) FROM dq.findings f LEFT JOIN cur USING (document_id)
     WHERE severity = 'error' AND coalesce(cur.is_current, TRUE)) AS findings_error,
    (SELECT count(*) FROM dq.findings f LEFT JOIN cur USING (document_id)
     WHERE severity = 'warn' AND coalesce(cur.is_current, TRUE)) AS findings_warn,
    (SELECT count(*) FROM cur WHERE NOT is_current) AS superseded_documents,
    (SELECT count(*) FROM dq.findings f JOIN cur USING (document_id) WHERE severity = 'error' AND NOT cur.is_current)
        AS findings_error_superseded,
    (SELECT count(*) FROM dq.findings f JOIN cur USING (document_id) WHERE severity = 'warn' AND NOT cur.is_current)
        AS findings_warn_superseded
