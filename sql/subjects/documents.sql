-- The loaded documents, in order: the chunks of the subject sightings and resolution.
SELECT document_id FROM core.dim_document ORDER BY document_id
