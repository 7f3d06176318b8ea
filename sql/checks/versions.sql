-- Versions of one part of a publication whose order cannot be decided (the same modification time): every
-- such version stays current and each gets this finding, naming the others — never a silent tie-break.
SELECT 'version_order_undecided' AS rule, v.document_id, NULL::INTEGER AS table_seq, 'document' AS table_type,
       v.publication_key AS subject, v.part AS measure, NULL::DECIMAL(24, 6) AS expected,
       NULL::DECIMAL(24, 6) AS actual, NULL::DECIMAL(24, 6) AS tolerance, NULL::INTEGER AS page,
       NULL::INTEGER AS line, NULL AS cells, NOT v.order_undecided AS passed,
       CASE WHEN v.order_undecided THEN
           'two or more files of the ' || v.part || ' part of ' || v.publication_key ||
           ' carry the same publication date and modification time, so which one replaces the other cannot be decided; all stay '
           || 'current: ' || (SELECT string_agg(d.source_path, ' | ' ORDER BY d.source_path)
                              FROM chk_document_version o JOIN chk_dim_document d USING (document_id)
                              WHERE o.publication_key = v.publication_key AND o.part = v.part
                                AND o.version = v.version)
       END AS message
FROM chk_document_version v
WHERE v.versions > 1 OR v.order_undecided;
