-- An amount read by OCR whose lowest character probability is below the confidence floor (vocab/ocr.csv,
-- core.ref_ocr_setting) is flagged: the reader is unsure of at least one of its characters. Whether the
-- amount is right is then for the document's own arithmetic to say (the roll-up rules run on every OCR
-- table like on any other); an empty OCR cell with ink in it is a parse_error (rule ocr_unread_cell).
SELECT 'ocr_low_confidence' AS rule, f.document_id, f.table_seq, f.table_type, coalesce(f.subject_code, f.subject_name) AS subject,
       f.measure, s.value::DECIMAL(24, 6) AS expected, f.ocr_confidence::DECIMAL(24, 6) AS actual,
       NULL::DECIMAL(24, 6) AS tolerance, f.page, f.line, f.src_ref AS cells,
       f.ocr_confidence >= s.value AS passed,
       'OCR read ' || coalesce(f.amount_text, '') || ' at ' || f.src_ref || ' with confidence ' ||
       round(f.ocr_confidence, 3)::VARCHAR || ', below the floor ' || s.value::VARCHAR AS message
FROM chk_fact_budget_amount f
JOIN core.ref_ocr_setting s ON s.setting = 'confidence_floor'
WHERE f.source_method = 'ocr' AND f.ocr_confidence IS NOT NULL
