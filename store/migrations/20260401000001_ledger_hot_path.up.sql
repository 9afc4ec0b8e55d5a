-- The ledger's hot path in a few round trips, with plans PostgreSQL keeps (issue 3, the session-opening rush).
--
-- Bun writes every value into the statement's text, so each statement the store sends is new to the server: it is
-- parsed, analysed and planned every time, which was over half of PostgreSQL's CPU in a rush (perf, BENCHMARKS.md).
-- The statements inside a PL/pgSQL function are planned once per connection and their plans kept, and a function
-- does several of them in one round trip. These functions hold only SQL: every rule stays in Go (model/), which
-- reads what sudpro_confirmation_facts gathers and decides.

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

-- sudpro_settle ends an idempotent mutation (store.once), just before COMMIT: the outcome recorded with the key,
-- the sessions whose envelope moves told (NOTIFY, delivered at COMMIT only), then the balances moved in the order
-- given (move_balances: the caller sorts them in the ledger's lock order). With p_sync, the transaction commits
-- synchronously again (it moves nothing, holds no hot row, and so may wait for the disk at COMMIT itself). It
-- returns move_balances' answer: 0, or the position of the first move that would take an account below its floor,
-- and the caller then rolls back.
CREATE FUNCTION sudpro_settle(p_key_id bigint, p_response jsonb, p_account_ids bigint[], p_amounts bigint[],
    p_channel text, p_payload text, p_sync boolean) RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
    IF p_sync THEN
        PERFORM set_config('synchronous_commit', 'on', true);
    END IF;
    IF p_key_id IS NOT NULL THEN
        UPDATE idempotency_keys SET response = p_response WHERE id = p_key_id;
    END IF;
    IF coalesce(p_payload, '') <> '' THEN
        PERFORM pg_notify(p_channel, p_payload);
    END IF;
    RETURN move_balances(p_account_ids, p_amounts);
END
$$;

-- sudpro_post_entry writes a journal entry and its postings (store.post); the postings' balance is checked by the
-- ledger's own constraint trigger. created_at NULL stamps the entry now.
CREATE FUNCTION sudpro_post_entry(p_kind text, p_programme_id bigint, p_session_id bigint, p_invoice_id bigint,
    p_enterprise_id bigint, p_key_id bigint, p_actor text, p_request_id text, p_created_at timestamptz,
    p_account_ids bigint[], p_amounts bigint[], OUT entry_id bigint, OUT entry_created_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO journal_entries (kind, programme_id, session_id, invoice_id, enterprise_id, idempotency_key_id, actor,
                                 request_id, created_at)
    VALUES (p_kind, p_programme_id, p_session_id, p_invoice_id, p_enterprise_id, p_key_id, p_actor, p_request_id,
            coalesce(p_created_at, now()))
    RETURNING id, created_at INTO entry_id, entry_created_at;
    INSERT INTO postings (entry_id, account_id, amount)
    SELECT entry_id, x.account_id, x.amount FROM unnest(p_account_ids, p_amounts) AS x (account_id, amount);
END
$$;

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
CREATE FUNCTION sudpro_confirmation_facts(p_invoice_id bigint, p_buyer_id bigint) RETURNS jsonb
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

-- sudpro_lease_points leases points of a caller's hourly budget (store.Lease): up to p_grant more points, never past
-- p_limit, when at least p_need are left; otherwise none. It returns the points granted and the window's points
-- used after the lease; used is -1 when the window's row was created by a concurrent call meanwhile (retry). It
-- commits without waiting for its WAL flush: a crash only forgets points, which the unlogged table forgets anyway.
-- A session-opening rush is thousands of callers each leasing once, so this runs once per request there.
CREATE FUNCTION sudpro_lease_points(p_caller text, p_window timestamptz, p_limit int, p_need int, p_grant int,
    OUT granted int, OUT used int)
LANGUAGE plpgsql AS $$
DECLARE
    current_used int;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT w.used INTO current_used FROM rate_limit_windows w
     WHERE w.caller = p_caller AND w.window_start = p_window FOR UPDATE;
    IF FOUND THEN
        IF current_used + p_need <= p_limit THEN
            UPDATE rate_limit_windows w SET used = w.used + least(p_limit - current_used, p_grant)
             WHERE w.caller = p_caller AND w.window_start = p_window
            RETURNING w.used INTO used;
            granted := used - current_used;
        ELSE
            granted := 0;
            used := current_used;
        END IF;
        RETURN;
    END IF;
    INSERT INTO rate_limit_windows AS w (caller, window_start, used) VALUES (p_caller, p_window, least(p_limit, p_grant))
        ON CONFLICT (caller, window_start) DO NOTHING
    RETURNING w.used INTO used;
    IF FOUND THEN
        granted := used;
    ELSE
        granted := 0;
        used := -1;
    END IF;
END
$$;

