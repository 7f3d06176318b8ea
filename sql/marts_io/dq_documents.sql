SELECT county, department, fiscal_year, phase, dq_status, dq_errors, dq_warnings, document_id
FROM marts.documents ORDER BY county, department, fiscal_year;
