-- One claim for every idempotency key: sudpro_claim_key takes the outcome when it is already known (a refusal that
-- wrote nothing else records its key and outcome in this one statement), and sudpro_record_outcome, which repeated
-- it with a response, goes (store.claimKey, store.recordRefusal).
--
-- This change was first written into 20260401000001 after that migration had been released; a database migrated
-- before then still has the five-argument claim and sudpro_record_outcome, one migrated from the edited file has
-- the six-argument claim already. Both end here with the six-argument claim only.
DROP FUNCTION IF EXISTS sudpro_record_outcome(text, text, text, text, jsonb);
DROP FUNCTION IF EXISTS sudpro_claim_key(text, text, text, text, boolean);

-- sudpro_claim_key starts an idempotent mutation (store.once): it lets the transaction commit without waiting for
-- its WAL to reach the disk when async is true (the caller waits for durability after COMMIT, without holding row
-- locks meanwhile), then records the idempotency key, or returns what was recorded with it first. A key being
-- recorded by a concurrent transaction makes the INSERT wait for it; the SELECT, with a new snapshot, then sees it.
-- With no key it only does the first part. p_response is the outcome when it is already known (a refusal that
-- wrote nothing else records its key and outcome in this one statement); NULL until settled otherwise.
CREATE OR REPLACE FUNCTION sudpro_claim_key(p_scope text, p_key text, p_operation text, p_hash text, p_async boolean,
    p_response jsonb, OUT key_id bigint, OUT prior_operation text, OUT prior_hash text, OUT prior_response jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    IF p_async THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    IF coalesce(p_key, '') = '' THEN
        RETURN;
    END IF;
    INSERT INTO idempotency_keys (scope, key, operation, request_hash, response)
    VALUES (p_scope, p_key, p_operation, p_hash, p_response)
    ON CONFLICT (scope, key) DO NOTHING RETURNING id INTO key_id;
    IF key_id IS NULL THEN
        SELECT k.operation, k.request_hash, k.response INTO prior_operation, prior_hash, prior_response
          FROM idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key;
    END IF;
END
$$;
