-- The rows of documents that are gone or changed leave every per-document table (their document records last: the
-- facts refer to them); the ingest errors (small) are reloaded whole.
DELETE FROM core.dim_table WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_table_cell WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_budget_amount WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_project_funding WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_performance_target WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_narrative_figure WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_narrative_claim WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_text_line WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.fact_toc_entry WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.parse_issues WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.subject_sighting WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.subject_resolution WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.subject_name_document WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.subject_key_document WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.ref_narrative_target WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.dim_document WHERE document_id IN (SELECT document_id FROM build_removed);
DELETE FROM core.ingest_errors;
