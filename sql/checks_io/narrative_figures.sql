-- The narrative figures whose table targets are resolved (pipelines/checks.register_references): every document's,
-- or, in an incremental build, those of its new documents.
SELECT document_id, seq, label, unit, sentence FROM core.fact_narrative_figure
WHERE $all OR document_id IN (SELECT unnest(CAST($documents AS VARCHAR[])))  -- (a semi-join, as the subject steps filter)
