ALTER TABLE api_keys DROP COLUMN IF EXISTS persisted_only;
DROP TABLE IF EXISTS persisted_operations;
