-- Back to one confirmation per statement (see the up migration): sudpro_confirm as 20260401000001 created it.
DROP FUNCTION IF EXISTS sudpro_warm_up();
DROP FUNCTION IF EXISTS sudpro_confirm_batch(jsonb, bigint[], boolean);
DROP TYPE IF EXISTS sudpro_confirmation;

-- sudpro_confirmation_facts reads, in one round trip and without locking anything, what a confirmation's rules
-- (model.CheckConfirmation) need, as JSON objects keyed by column (each the row as a SELECT * would give it):
--   now          the statement's timestamp;
--   invoice      the invoice (absent: no such invoice);
-- and, only when the invoice is ISSUED and p_buyer is its buyer (otherwise Go refuses on the invoice alone):
--   parties      its seller and buyer;
--   lines        its lines, by position;
--   session      the open session of a programme in which the buyer holds CréditSud, the earliest opened when
--                several are (absent: none; any_open then says whether another session is open);
--   accounts     with a session: the buyer's credit accounts of its programme and the session's available and
--                reserved accounts (Go opens missing accounts, granted before every account was opened at once);
--   fingerprint  a digest of all of it but the time and the session's accounts, whose balances a rush changes all
--                the time and whose floor guards them anyway: sudpro_confirm compares it under lock.
CREATE OR REPLACE FUNCTION sudpro_confirmation_facts(p_invoice_id bigint, p_buyer_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    inv   invoices;
    sess  sessions;
    facts jsonb;
BEGIN
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('now', now(), 'fingerprint', '');
    END IF;
    facts := jsonb_build_object('invoice', to_jsonb(inv));
    IF inv.buyer_id IS DISTINCT FROM p_buyer_id OR inv.status <> 'ISSUED' THEN
        RETURN facts || jsonb_build_object('now', now(), 'fingerprint', md5(facts::text));
    END IF;
    facts := facts || jsonb_build_object(
        -- Without the directory's search columns, large and of no use here.
        'parties', (SELECT jsonb_agg(to_jsonb(e) - '{search_doc,search_words,search_names}'::text[] ORDER BY e.id)
                      FROM enterprises e WHERE e.id IN (inv.seller_id, inv.buyer_id)),
        'lines', (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.position), '[]')
                    FROM invoice_lines l WHERE l.invoice_id = inv.id));
    SELECT s.* INTO sess FROM sessions s
     WHERE s.opens_at <= now() AND (s.closes_at IS NULL OR s.closes_at > now())
       AND EXISTS (SELECT 1 FROM accounts a WHERE a.kind = 'CREDIT_AVAILABLE' AND a.programme_id = s.programme_id
                                              AND a.enterprise_id = inv.buyer_id)
     ORDER BY s.opens_at, s.id LIMIT 1;
    IF NOT FOUND THEN
        facts := facts || jsonb_build_object('any_open', EXISTS (
            SELECT 1 FROM sessions WHERE opens_at <= now() AND (closes_at IS NULL OR closes_at > now())));
        RETURN facts || jsonb_build_object('now', now(), 'fingerprint', md5(facts::text));
    END IF;
    facts := facts || jsonb_build_object('session', to_jsonb(sess), 'buyer_accounts', (
        SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]') FROM accounts a
         WHERE a.programme_id = sess.programme_id AND a.enterprise_id = inv.buyer_id AND a.session_id IS NULL
           AND a.kind IN ('CREDIT_AVAILABLE', 'CREDIT_RESERVED', 'CREDIT_USED')));
    RETURN facts || jsonb_build_object('now', now(), 'fingerprint', md5(facts::text), 'session_accounts', (
        SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]') FROM accounts a
         WHERE a.session_id = sess.id AND a.enterprise_id IS NULL AND a.kind IN ('SESSION_AVAILABLE', 'SESSION_RESERVED')));
END
$$;
DROP FUNCTION IF EXISTS sudpro_confirmation_version(bigint);
DROP FUNCTION IF EXISTS sudpro_open_session(bigint);

-- sudpro_confirm confirms an invoice in one statement, once Go has checked the rules on the facts it read
-- (optimistic concurrency: the facts were read without locks). Under lock, in the ledger's lock order (the invoice,
-- then the buyer's credit accounts by id, then the envelope's in move_balances), it reads the facts again: if their
-- fingerprint changed (another confirmation by the same buyer, a change to the invoice, its parties or the
-- session), it writes nothing and returns {"stale": true}, and Go decides again. Otherwise it records the
-- idempotency key with the outcome (or returns the outcome the key already has, writing nothing), confirms the
-- invoice, posts the reservation entry, tells the session's listeners (NOTIFY at COMMIT) and moves the balances.
-- A move that would take an account below its floor (the envelope or the buyer's credit spent meanwhile) raises
-- SQLSTATE SP001, its DETAIL the move's position, and the whole statement rolls back. With p_async the statement
-- commits without waiting for the disk: it then holds the envelope's row for the statement only, and Go waits for
-- durability afterwards, holding nothing. It returns {"invoice": the invoice as it now is}.
CREATE FUNCTION sudpro_confirm(p_fingerprint text, p_invoice_id bigint, p_buyer_id bigint, p_session_id bigint,
    p_programme_id bigint, p_credit bigint, p_scope text, p_key text, p_operation text, p_hash text, p_response jsonb,
    p_actor text, p_request_id text, p_created_at timestamptz, p_account_ids bigint[], p_amounts bigint[],
    p_move_ids bigint[], p_move_amounts bigint[], p_channel text, p_payload text, p_async boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    inv    invoices;
    key_id bigint;
    prior  idempotency_keys;
    failed int;
BEGIN
    IF p_async THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    PERFORM 1 FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    PERFORM 1 FROM accounts
      WHERE programme_id = p_programme_id AND enterprise_id = p_buyer_id AND session_id IS NULL
        AND kind IN ('CREDIT_AVAILABLE', 'CREDIT_RESERVED', 'CREDIT_USED')
      ORDER BY id FOR UPDATE;
    -- The locks waited for any transaction that held them; the facts' statements see what it committed.
    IF sudpro_confirmation_facts(p_invoice_id, p_buyer_id) ->> 'fingerprint' IS DISTINCT FROM p_fingerprint THEN
        RETURN jsonb_build_object('stale', true);
    END IF;
    IF coalesce(p_key, '') <> '' THEN
        INSERT INTO idempotency_keys (scope, key, operation, request_hash, response)
        VALUES (p_scope, p_key, p_operation, p_hash, p_response)
        ON CONFLICT (scope, key) DO NOTHING RETURNING id INTO key_id;
        IF key_id IS NULL THEN
            SELECT * INTO prior FROM idempotency_keys WHERE scope = p_scope AND key = p_key;
            RETURN jsonb_build_object('prior', jsonb_build_object('operation', prior.operation,
                                      'request_hash', prior.request_hash, 'response', prior.response));
        END IF;
    END IF;
    UPDATE invoices SET status = 'CONFIRMED', session_id = p_session_id, credit_amount = p_credit,
                        confirmed_at = now(), updated_at = now()
     WHERE id = p_invoice_id
    RETURNING * INTO inv;
    PERFORM sudpro_post_entry('RESERVATION', p_programme_id, p_session_id, p_invoice_id, NULL, key_id, p_actor,
                              p_request_id, p_created_at, p_account_ids, p_amounts);
    IF coalesce(p_payload, '') <> '' THEN
        PERFORM pg_notify(p_channel, p_payload);
    END IF;
    failed := move_balances(p_move_ids, p_move_amounts);
    IF failed > 0 THEN
        RAISE EXCEPTION 'sudpro_confirm: move % would take its account below its floor', failed
            USING ERRCODE = 'SP001', DETAIL = failed::text;
    END IF;
    RETURN jsonb_build_object('invoice', to_jsonb(inv));
END
$$;
