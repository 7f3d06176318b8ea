SELECT
    (SELECT count(*) FROM core.dim_document) AS documents,
    (SELECT count(*) FROM core.ingest_errors) AS ingest_errors,
    (SELECT count(*) FROM core.dim_table) AS tables,
    (SELECT count(*) FROM core.fact_budget_amount) + (SELECT count(*) FROM core.fact_performance_target)
        + (SELECT count(*) FROM core.fact_project_funding) + (SELECT count(*) FROM core.fact_narrative_figure) AS facts,
    (SELECT count(*) FROM core.fact_budget_amount) AS budget_facts,
    (SELECT count(*) FROM core.fact_performance_target) AS target_facts,
    (SELECT count(*) FROM core.fact_project_funding) AS projects,
    (SELECT count(*) FROM dq.findings WHERE severity = 'error') AS findings_error,
    (SELECT count(*) FROM dq.findings WHERE severity = 'warn') AS findings_warn
