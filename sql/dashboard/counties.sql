-- Documents and findings per county: share of documents that pass the gate.
SELECT coalesce(county, '(unresolved)') AS county, count(*) AS documents,
       count(*) FILTER (WHERE dq_status = 'pass') AS pass, count(*) FILTER (WHERE dq_status = 'warn') AS warn,
       count(*) FILTER (WHERE dq_status = 'fail') AS fail,
       round(100.0 * count(*) FILTER (WHERE dq_status <> 'fail') / count(*), 1) AS trusted_pct,
       sum(dq_errors) AS errors, sum(dq_warnings) AS warnings
FROM marts.documents WHERE coalesce(is_current, TRUE) GROUP BY 1 ORDER BY 1;
