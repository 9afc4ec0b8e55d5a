-- Back to the two functions of 20260401000001 (see the up migration), as that migration created them.
DROP FUNCTION IF EXISTS sudpro_claim_key(text, text, text, text, boolean, jsonb);

-- sudpro_claim_key starts an idempotent mutation (store.once): it lets the transaction commit without waiting for
-- its WAL to reach the disk when async is true (the caller waits for durability after COMMIT, without holding row
-- locks meanwhile), then records the idempotency key, or returns what was recorded with it first. A key being
-- recorded by a concurrent transaction makes the INSERT wait for it; the SELECT, with a new snapshot, then sees it.
-- With no key it only does the first part.
CREATE FUNCTION sudpro_claim_key(p_scope text, p_key text, p_operation text, p_hash text, p_async boolean,
    OUT key_id bigint, OUT prior_operation text, OUT prior_hash text, OUT prior_response jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    IF p_async THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    IF coalesce(p_key, '') = '' THEN
        RETURN;
    END IF;
    INSERT INTO idempotency_keys (scope, key, operation, request_hash) VALUES (p_scope, p_key, p_operation, p_hash)
        ON CONFLICT (scope, key) DO NOTHING RETURNING id INTO key_id;
    IF key_id IS NULL THEN
        SELECT k.operation, k.request_hash, k.response INTO prior_operation, prior_hash, prior_response
          FROM idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key;
    END IF;
END
$$;

-- sudpro_record_outcome records an idempotency key with the outcome of a mutation that wrote nothing else (a
-- refusal), in one statement committed synchronously, or returns what the key already holds (then writing nothing).
CREATE FUNCTION sudpro_record_outcome(p_scope text, p_key text, p_operation text, p_hash text, p_response jsonb,
    OUT key_id bigint, OUT prior_operation text, OUT prior_hash text, OUT prior_response jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO idempotency_keys (scope, key, operation, request_hash, response)
    VALUES (p_scope, p_key, p_operation, p_hash, p_response)
    ON CONFLICT (scope, key) DO NOTHING RETURNING id INTO key_id;
    IF key_id IS NULL THEN
        SELECT k.operation, k.request_hash, k.response INTO prior_operation, prior_hash, prior_response
          FROM idempotency_keys k WHERE k.scope = p_scope AND k.key = p_key;
    END IF;
END
$$;
