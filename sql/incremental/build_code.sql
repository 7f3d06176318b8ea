-- The code fingerprint the live warehouse was built with (an incremental build needs the same).
SELECT code_fingerprint FROM core.build_info ORDER BY built_at DESC LIMIT 1
