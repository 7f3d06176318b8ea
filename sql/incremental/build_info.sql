INSERT INTO core.build_info (fingerprint, built_at, code_fingerprint, mode) VALUES ($1, $2, $3, $4)
