-- What the dashboard leaves out: superseded versions of republished documents and their findings.
SELECT (SELECT count(*) FROM marts.documents WHERE NOT is_current) AS documents,
       (SELECT count(*) FROM marts.dq_findings WHERE NOT is_current) AS findings
