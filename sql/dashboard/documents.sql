SELECT county, region_code, department, fiscal_year, phase, document_kind, dq_status, dq_errors, dq_warnings, n_tables, document_id,
       source_path
FROM marts.documents WHERE coalesce(is_current, TRUE)  -- current versions (superseded: counted apart)
ORDER BY region_code, department, fiscal_year, phase;
