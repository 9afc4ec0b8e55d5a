-- Back to the store sending each statement of the ledger's hot path itself (see the up migration).
DROP FUNCTION IF EXISTS sudpro_lease_points(text, timestamptz, int, int, int);
DROP FUNCTION IF EXISTS sudpro_record_outcome(text, text, text, text, jsonb);
DROP FUNCTION IF EXISTS sudpro_confirm(text, bigint, bigint, bigint, bigint, bigint, text, text, text, text, jsonb, text, text, timestamptz, bigint[], bigint[], bigint[], bigint[], text, text, boolean);
DROP FUNCTION IF EXISTS sudpro_confirmation_facts(bigint, bigint);
DROP FUNCTION IF EXISTS sudpro_post_entry(text, bigint, bigint, bigint, bigint, bigint, text, text, timestamptz, bigint[], bigint[]);
DROP FUNCTION IF EXISTS sudpro_settle(bigint, jsonb, bigint[], bigint[], text, text, boolean);
DROP FUNCTION IF EXISTS sudpro_claim_key(text, text, text, text, boolean);
