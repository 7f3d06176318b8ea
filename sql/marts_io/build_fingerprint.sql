SELECT fingerprint FROM core.build_info ORDER BY built_at DESC LIMIT 1;
