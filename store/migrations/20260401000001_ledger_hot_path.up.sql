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

-- sudpro_confirmation_facts locks an invoice a buyer confirms and gathers, in one round trip, what the
-- confirmation's rules (model.CheckConfirmation) need, as JSON objects keyed by column (each the row as a SELECT *
-- would give it):
--   now        the transaction's timestamp;
--   invoice    the invoice, locked FOR UPDATE (absent: no such invoice);
-- and, only when the invoice is ISSUED and p_buyer is its buyer (otherwise Go refuses on the invoice alone):
--   parties    its seller and buyer;
--   lines      its lines, by position;
--   session    the open session of a programme in which the buyer holds CréditSud, the earliest opened when
--              several are (absent: none; any_open then says whether another session is open);
--   accounts   with a session: the buyer's credit accounts of its programme, locked in id order (so two
--              confirmations by one buyer cannot both see "unused" and both spend), and the session's available and
--              reserved accounts, not locked (only the final moves lock them, for the shortest time). Go opens the
--              accounts missing (granted before every account was opened at once) the slow way.
CREATE FUNCTION sudpro_confirmation_facts(p_invoice_id bigint, p_buyer_id bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    inv   invoices;
    sess  sessions;
    facts jsonb;
BEGIN
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('now', now());
    END IF;
    facts := jsonb_build_object('now', now(), 'invoice', to_jsonb(inv));
    IF inv.buyer_id IS DISTINCT FROM p_buyer_id OR inv.status <> 'ISSUED' THEN
        RETURN facts;
    END IF;
    facts := facts || jsonb_build_object(
        -- Without the directory's search columns, large and of no use here.
        'parties', (SELECT jsonb_agg(to_jsonb(e) - '{search_doc,search_words,search_names}'::text[])
                      FROM enterprises e WHERE e.id IN (inv.seller_id, inv.buyer_id)),
        'lines', (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.position), '[]')
                    FROM invoice_lines l WHERE l.invoice_id = inv.id));
    SELECT s.* INTO sess FROM sessions s
     WHERE s.opens_at <= now() AND (s.closes_at IS NULL OR s.closes_at > now())
       AND EXISTS (SELECT 1 FROM accounts a WHERE a.kind = 'CREDIT_AVAILABLE' AND a.programme_id = s.programme_id
                                              AND a.enterprise_id = inv.buyer_id)
     ORDER BY s.opens_at, s.id LIMIT 1;
    IF NOT FOUND THEN
        RETURN facts || jsonb_build_object('any_open', EXISTS (
            SELECT 1 FROM sessions WHERE opens_at <= now() AND (closes_at IS NULL OR closes_at > now())));
    END IF;
    RETURN facts || jsonb_build_object('session', to_jsonb(sess), 'accounts', (
        WITH buyer AS (
            SELECT * FROM accounts
             WHERE programme_id = sess.programme_id AND enterprise_id = inv.buyer_id AND session_id IS NULL
               AND kind IN ('CREDIT_AVAILABLE', 'CREDIT_RESERVED', 'CREDIT_USED')
             ORDER BY id FOR UPDATE
        )
        SELECT coalesce(jsonb_agg(to_jsonb(a)), '[]') FROM (
            SELECT * FROM buyer
            UNION ALL
            SELECT * FROM accounts
             WHERE session_id = sess.id AND enterprise_id IS NULL AND kind IN ('SESSION_AVAILABLE', 'SESSION_RESERVED')
        ) a));
END
$$;

-- sudpro_reserve confirms a locked ISSUED invoice with its reservation entry (the rules were checked in Go): the
-- invoice CONFIRMED in the session with the credit amount, and the entry with its postings; the balances move
-- later, in sudpro_settle. It returns the invoice as it now is.
CREATE FUNCTION sudpro_reserve(p_invoice_id bigint, p_session_id bigint, p_credit bigint, p_programme_id bigint,
    p_key_id bigint, p_actor text, p_request_id text, p_created_at timestamptz, p_account_ids bigint[],
    p_amounts bigint[]) RETURNS SETOF invoices
LANGUAGE plpgsql AS $$
DECLARE
    inv invoices;
BEGIN
    UPDATE invoices SET status = 'CONFIRMED', session_id = p_session_id, credit_amount = p_credit,
                        confirmed_at = now(), updated_at = now()
     WHERE id = p_invoice_id AND status = 'ISSUED'
    RETURNING * INTO inv;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sudpro_reserve: invoice % is not ISSUED', p_invoice_id;
    END IF;
    PERFORM sudpro_post_entry('RESERVATION', p_programme_id, p_session_id, p_invoice_id, NULL, p_key_id, p_actor,
                              p_request_id, p_created_at, p_account_ids, p_amounts);
    RETURN NEXT inv;
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
