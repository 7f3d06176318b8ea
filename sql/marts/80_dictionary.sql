-- The data dictionary: every allowed value of the coded columns of the marts — table_type (the registry),
-- canonical_measure (vocab/measures.csv with its kind and unit; meanings in vocab/measure_meanings.csv),
-- classification, subject_level, side, value_kind, code_source, severity, dq_status, phase, part, coverage_status,
-- figure_state, three_public_measure, amount_text (vocab/dictionary.csv), figure (vocab/headline_figures.csv),
-- three_public_item (the registry's 三公 nesting) and rule (expectations/, with its description).
CREATE OR REPLACE VIEW marts.dictionary AS
SELECT field, value, name_zh, meaning_en, kind, unit, source FROM core.ref_dictionary;

-- Every non-empty cell of every table of the current documents, as printed: a cell printed "—" is here (and has
-- no row in budget_lines), a blank cell is in neither, a printed 0 is in both.
CREATE OR REPLACE VIEW marts.table_cells AS
SELECT c.document_id, d.region_code, d.county, d.department, d.fiscal_year, d.phase, c.table_seq, t.table_type,
       t.title AS table_title, c.row_idx, c.col_idx, c.text, c.page, c.line, c.src_ref
FROM core.fact_table_cell c JOIN marts.documents d USING (document_id)
JOIN core.dim_table t USING (document_id, table_seq)
WHERE d.is_current;
