-- One row per loaded or classified document (document_kind: budget, unit_budget, final_accounts,
-- performance_targets_only, narrative_only, evaluation_report, not_budget, not_pdf; metadata_source: where
-- department, region, year and phase came from), every version of a republished one (is_current, superseded_by), with its
-- data-quality status, and `synthetic` (the document says it is test material made by the forge, never published):
-- 'fail' when any gating finding (severity 'error'), 'warn' when any warning, else 'pass'.
CREATE OR REPLACE VIEW marts.documents AS
WITH f AS (
    SELECT document_id,
           count(*) FILTER (WHERE severity = 'error') AS errors,
           count(*) FILTER (WHERE severity = 'warn') AS warnings
    FROM dq.findings GROUP BY document_id
)
SELECT d.document_id, d.source_path, d.sha256, d.region_code, d.county, d.region_level, d.province, d.prefecture,
       d.department, d.department_printed, d.department_code, d.fiscal_year, d.phase, d.document_kind,
       d.metadata_source, d.pages, d.n_tables, d.unit, d.file_type, d.parser_version,
       CASE WHEN coalesce(f.errors, 0) > 0 THEN 'fail' WHEN coalesce(f.warnings, 0) > 0 THEN 'warn' ELSE 'pass' END
           AS dq_status,
       coalesce(f.errors, 0) AS dq_errors, coalesce(f.warnings, 0) AS dq_warnings,
       v.version, v.versions, v.is_current, v.superseded_by, d.source_mtime, d.synthetic,
       v.part, v.publication_key,
       d.copy_protected  -- the PDF forbade copying its text (read all the same: the bits are advisory)
FROM core.dim_document d LEFT JOIN f USING (document_id) LEFT JOIN core.document_version v USING (document_id);
