-- A corpus-wide rule (expectation meta "scope": "corpus"): a subject code has one name per year and classification
-- across the loaded documents. Per document and name: a document printing a code with another name than most
-- documents of that year (or two names in one document) gets the finding, not an arbitrary one of them.
-- It reads every document (core.subject_name_document, one row per document, code, year and name; the census:
-- sql/checks/00_macros.sql), not the re-checked ones: an incremental build keeps the instances on the codes whose
-- census changed and the re-checked documents' (sql/checks_io/instances.sql) and counts the rest
-- (sql/checks_io/corpus_rest.sql).
SELECT 'dim_one_name_per_code' AS rule, o.document_id, NULL::INTEGER AS table_seq, 'subject' AS table_type,
       o.code AS subject, o.classification AS measure, NULL::DECIMAL(24, 6) AS expected,
       NULL::DECIMAL(24, 6) AS actual, NULL::DECIMAL(24, 6) AS tolerance, o.page, NULL::INTEGER AS line,
       NULL AS cells, m.n_names = 1 OR o.subject_name = m.mode_name AS passed,
       'code ' || o.code || ' has several names in ' || o.fiscal_year || ': ' || m.all_names || ' (this document: '
           || o.subject_name || '; most documents: ' || m.mode_name || ')' AS message
FROM core.subject_name_document o JOIN subject_name_census m USING (code, classification, fiscal_year)
