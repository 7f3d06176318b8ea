-- The gate. Two different things, two different consequences:
--  * a parse doubt (dq.findings.kind = 'parse_doubt', severity 'error': we may have misread a table) keeps that
--    table's lines out of the default views — every table of the document when the doubt is not tied to one;
--  * a source finding (kind 'source': the publisher's own figures disagree) keeps the published lines in, each
--    flagged with the ids of the findings that point at its cell (marts.line_findings); dq_status stays on the
--    document ('fail' with any error finding) for those who want whole documents only.
CREATE OR REPLACE VIEW marts.untrusted_tables AS
SELECT DISTINCT t.document_id, t.table_seq
FROM core.dim_table t
JOIN dq.findings f ON f.document_id = t.document_id AND f.severity = 'error' AND f.kind = 'parse_doubt'
                  AND (f.table_seq = t.table_seq OR f.table_seq IS NULL);

-- Which findings touch which published cell: a finding names its cells (space-separated source references);
-- a narrative finding's cells may lie in the table part of the same publication (core.publication_table_source).
CREATE OR REPLACE VIEW marts.line_findings AS
WITH refs AS (
    SELECT f.finding_id, f.document_id, f.rule, f.severity, f.kind, unnest(string_split(f.cells, ' ')) AS src_ref
    FROM dq.findings f WHERE f.cells IS NOT NULL AND f.cells <> ''
), docs AS (
    SELECT r.*, r.document_id AS line_document_id FROM refs r
    UNION
    SELECT r.*, s.table_document_id AS line_document_id
    FROM refs r JOIN core.publication_table_source s ON s.document_id = r.document_id
    WHERE s.table_document_id IS NOT NULL AND s.table_document_id <> r.document_id
)
SELECT DISTINCT d.line_document_id AS document_id, b.table_seq, b.row_idx, b.col_idx, d.finding_id, d.rule,
       d.severity, d.kind, d.document_id AS finding_document_id
FROM docs d
JOIN core.fact_budget_amount b ON b.document_id = d.line_document_id AND b.src_ref = d.src_ref;
