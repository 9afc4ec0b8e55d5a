ALTER TABLE api_keys DROP COLUMN IF EXISTS hourly_budget;
DROP TABLE IF EXISTS rate_limit_windows;
