SELECT 'documents', count(*) FROM marts.documents
UNION ALL SELECT 'budget_lines', count(*) FROM marts.budget_lines
UNION ALL SELECT 'budget_lines_all', count(*) FROM marts.budget_lines_all
UNION ALL SELECT 'performance_targets', count(*) FROM marts.performance_targets
UNION ALL SELECT 'projects', count(*) FROM marts.projects
UNION ALL SELECT 'dq_findings', count(*) FROM marts.dq_findings;
