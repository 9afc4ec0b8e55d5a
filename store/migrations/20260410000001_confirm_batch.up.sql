-- Confirmations in batches (issue 3, the session-opening rush): the reservations of a rush all move the session's
-- envelope row, so they run one after the other whatever the number of connections, and each one's writes (the
-- key, the invoice, the entry, its postings, four balances, and the ledger's and dashboard's triggers) took about
-- 2 ms of PostgreSQL's time with that row locked. The store now sends the confirmations that arrive while one
-- statement runs as one statement (store.confirmationGroup), which decides them one by one in memory and writes
-- them with one statement per table: the envelope's row is updated and committed once per batch.

DROP FUNCTION sudpro_confirm(text, bigint, bigint, bigint, bigint, bigint, text, text, text, text, jsonb, text, text,
    timestamptz, bigint[], bigint[], bigint[], bigint[], text, text, boolean);

-- The open session a buyer's confirmation goes to: the open session of a programme in which the buyer holds
-- CréditSud, the earliest opened when several are.
CREATE FUNCTION sudpro_open_session(p_buyer_id bigint) RETURNS SETOF sessions LANGUAGE sql STABLE AS $$
    SELECT s.* FROM sessions AS s
     WHERE s.opens_at <= now() AND (s.closes_at IS NULL OR s.closes_at > now())
       AND EXISTS (SELECT 1 FROM accounts AS a WHERE a.kind = 'CREDIT_AVAILABLE' AND a.programme_id = s.programme_id
                                                 AND a.enterprise_id = p_buyer_id)
     ORDER BY s.opens_at, s.id LIMIT 1
$$;

-- sudpro_confirmation_version is the fingerprint of a confirmation's facts (sudpro_confirmation_facts): the row
-- versions (xmin, which every UPDATE changes) of the invoice, its parties, its lines and its buyer's credit
-- accounts, which session is open for the buyer now and its version, and whether any session is open. It leaves
-- out the sessions' envelope accounts, whose balances a rush changes all the time and whose floors guard them
-- anyway. Comparing versions costs a few index lookups, where digesting the facts cost building them again.
-- In PL/pgSQL, whose plans each connection keeps: a SQL function's body is planned again at every call.
CREATE FUNCTION sudpro_confirmation_version(p_invoice_id bigint) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT concat_ws(' ', i.xmin::text,
        (SELECT string_agg(e.id || ':' || e.xmin::text, ',' ORDER BY e.id) FROM enterprises AS e
          WHERE e.id IN (i.seller_id, i.buyer_id)),
        (SELECT string_agg(l.id || ':' || l.xmin::text, ',' ORDER BY l.id) FROM invoice_lines AS l
          WHERE l.invoice_id = i.id),
        (SELECT string_agg(a.id || ':' || a.xmin::text, ',' ORDER BY a.id) FROM accounts AS a
          WHERE a.enterprise_id = i.buyer_id AND a.session_id IS NULL
            AND a.kind IN ('CREDIT_AVAILABLE', 'CREDIT_RESERVED', 'CREDIT_USED')),
        (SELECT 'session:' || s.id || ':' || s.xmin::text FROM sessions AS s
          WHERE s.id = (SELECT o.id FROM sudpro_open_session(i.buyer_id) AS o)),
        (SELECT 'open:' || EXISTS (SELECT 1 FROM sessions WHERE opens_at <= now() AND (closes_at IS NULL OR closes_at > now()))))
      FROM invoices AS i WHERE i.id = p_invoice_id);
END
$$;

-- sudpro_confirmation_facts as before (see 20260401000001), but STABLE, so that every statement in it reads the
-- same snapshot and the fingerprint is the version of exactly the rows returned, and with sudpro_confirmation_version
-- as the fingerprint.
CREATE OR REPLACE FUNCTION sudpro_confirmation_facts(p_invoice_id bigint, p_buyer_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    inv   invoices;
    sess  sessions;
    facts jsonb;
BEGIN
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('now', now(), 'fingerprint', '');
    END IF;
    facts := jsonb_build_object('invoice', to_jsonb(inv), 'now', now(),
                                'fingerprint', sudpro_confirmation_version(p_invoice_id));
    IF inv.buyer_id IS DISTINCT FROM p_buyer_id OR inv.status <> 'ISSUED' THEN
        RETURN facts;
    END IF;
    facts := facts || jsonb_build_object(
        -- Without the directory's search columns, large and of no use here.
        'parties', (SELECT jsonb_agg(to_jsonb(e) - '{search_doc,search_words,search_names}'::text[] ORDER BY e.id)
                      FROM enterprises e WHERE e.id IN (inv.seller_id, inv.buyer_id)),
        'lines', (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.position), '[]')
                    FROM invoice_lines l WHERE l.invoice_id = inv.id));
    SELECT * INTO sess FROM sudpro_open_session(inv.buyer_id);
    IF NOT FOUND THEN
        RETURN facts || jsonb_build_object('any_open', EXISTS (
            SELECT 1 FROM sessions WHERE opens_at <= now() AND (closes_at IS NULL OR closes_at > now())));
    END IF;
    RETURN facts || jsonb_build_object('session', to_jsonb(sess), 'buyer_accounts', (
        SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]') FROM accounts a
         WHERE a.programme_id = sess.programme_id AND a.enterprise_id = inv.buyer_id AND a.session_id IS NULL
           AND a.kind IN ('CREDIT_AVAILABLE', 'CREDIT_RESERVED', 'CREDIT_USED')), 'session_accounts', (
        SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id), '[]') FROM accounts a
         WHERE a.session_id = sess.id AND a.enterprise_id IS NULL AND a.kind IN ('SESSION_AVAILABLE', 'SESSION_RESERVED')));
END
$$;

-- One checked confirmation of a batch, as Go sends it (store.confirmationWrite): the facts' fingerprint, the
-- reservation (invoice, buyer, session, programme, credit), the idempotency key with the outcome to record, the
-- entry's author, its postings (account_ids, amounts), the balance moves in lock order (move_ids, move_amounts)
-- and the NOTIFY to send (channel, payload).
CREATE TYPE sudpro_confirmation AS (fingerprint text, invoice_id bigint, buyer_id bigint, session_id bigint,
    programme_id bigint, credit bigint, scope text, key text, operation text, hash text, response jsonb, actor text,
    request_id text, created_at timestamptz, account_ids bigint[], amounts bigint[], move_ids bigint[],
    move_amounts bigint[], channel text, payload text);

-- sudpro_confirm_batch writes checked confirmations (store.ConfirmInvoice) as if one after the other, in the order
-- given, and returns one answer per confirmation, in the same order. The facts of each were read without locks
-- (optimistic concurrency).
--
-- It first locks, in the ledger's lock order, every row the batch may write or whose change would change a
-- verdict: the invoices by id, then p_account_ids (the buyers' credit accounts and the sessions' envelope accounts,
-- which Go gives in lock order, every account a move names among them). Then it decides each confirmation, in
-- order, writing nothing yet:
--   {"stale": true}   its facts changed since they were read (their version, read again; or an earlier
--                     confirmation of the batch confirms the same invoice, or is the same buyer's, or has the same
--                     idempotency key): nothing is written for it, and Go decides again;
--   {"failed": k}     its k-th balance move would take an account below its floor, counting the confirmations
--                     before it (the envelope, or the buyer's credit, spent meanwhile): nothing is written for it;
--   {"prior": …}      its idempotency key already holds an outcome (the key's operation, request hash and
--                     response): nothing is written for it;
--   {"invoice": …}    it is written: the key recorded with the outcome, the invoice confirmed (the answer is the
--                     invoice as it now is), the reservation entry posted, the balances moved, the session's
--                     listeners told (NOTIFY at COMMIT).
-- The writes are set-wise, one statement per table for the whole batch, so the session's envelope row is updated
-- once per batch and the ledger's triggers run once per batch. Dropping a confirmation whose key turns out to be
-- taken only gives money back to the accounts it would have debited, so the others still fit; the balance update
-- checks the floors again anyway, and a violation (a bug) rolls the whole batch back.
--
-- With p_async the statement commits without waiting for the disk: it holds the envelope's row for the statement
-- only, and Go waits for durability afterwards, holding nothing.
CREATE FUNCTION sudpro_confirm_batch(p_items jsonb, p_account_ids bigint[], p_async boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    -- The confirmations decoded once, in order.
    items      sudpro_confirmation[] := ARRAY(SELECT jsonb_populate_record(NULL::sudpro_confirmation, e.value)
                                               FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e
                                              ORDER BY e.ordinality);
    n          int := cardinality(items);
    it         sudpro_confirmation;
    answers    jsonb[] := array_fill(NULL::jsonb, ARRAY[n]);
    key_ids    bigint[] := array_fill(NULL::bigint, ARRAY[n]);
    accepted   int[] := '{}';
    balances   bigint[];
    floors     bigint[];
    slot       int;
    failed     int;
    invoices_w bigint[] := '{}';
    buyers_w   bigint[] := '{}';
    keys_w     text[] := '{}';
    r          record;
    prior      idempotency_keys;
    moved      int;
BEGIN
    IF p_async THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    PERFORM 1 FROM invoices
      WHERE id IN (SELECT x.invoice_id FROM unnest(items) AS x)
      ORDER BY id FOR UPDATE;
    SELECT array_agg(l.balance ORDER BY l.position), array_agg(l.floor ORDER BY l.position) INTO balances, floors
      FROM (SELECT u.position, a.balance, a.floor
              FROM unnest(p_account_ids) WITH ORDINALITY AS u (id, position)
              JOIN accounts AS a ON a.id = u.id
             ORDER BY u.position FOR UPDATE OF a) AS l;
    IF coalesce(cardinality(balances), 0) <> coalesce(cardinality(p_account_ids), 0) THEN
        RAISE EXCEPTION 'sudpro_confirm_batch: % accounts to lock, % found', cardinality(p_account_ids), cardinality(balances);
    END IF;

    -- The locks waited for any transaction that held them: the statements below see what it committed.
    FOR i IN 1 .. n LOOP
        it := items[i];
        IF it.invoice_id = ANY (invoices_w) OR it.buyer_id = ANY (buyers_w)
           OR (coalesce(it.key, '') <> '' AND it.scope || E'\n' || it.key = ANY (keys_w))
           OR sudpro_confirmation_version(it.invoice_id) IS DISTINCT FROM it.fingerprint THEN
            answers[i] := '{"stale": true}';
            CONTINUE;
        END IF;
        failed := NULL;
        FOR k IN 1 .. coalesce(cardinality(it.move_ids), 0) LOOP
            slot := array_position(p_account_ids, it.move_ids[k]);
            IF slot IS NULL THEN
                RAISE EXCEPTION 'sudpro_confirm_batch: account % of invoice % is not locked', it.move_ids[k], it.invoice_id;
            END IF;
            IF floors[slot] IS NOT NULL AND balances[slot] + it.move_amounts[k] < floors[slot] THEN
                failed := k;
                EXIT;
            END IF;
        END LOOP;
        IF failed IS NOT NULL THEN
            answers[i] := jsonb_build_object('failed', failed);
            CONTINUE;
        END IF;
        FOR k IN 1 .. coalesce(cardinality(it.move_ids), 0) LOOP
            slot := array_position(p_account_ids, it.move_ids[k]);
            balances[slot] := balances[slot] + it.move_amounts[k];
        END LOOP;
        accepted := accepted || i;
        invoices_w := invoices_w || it.invoice_id;
        buyers_w := buyers_w || it.buyer_id;
        IF coalesce(it.key, '') <> '' THEN
            keys_w := keys_w || (it.scope || E'\n' || it.key);
        END IF;
    END LOOP;

    -- The keys; one that another transaction recorded meanwhile holds that call's outcome, which is then the answer.
    FOR r IN
        WITH c AS (SELECT pos, x.* FROM unnest(accepted) AS pos
                   CROSS JOIN LATERAL (SELECT (items[pos]).*) AS x
                   WHERE coalesce(x.key, '') <> ''),
             recorded AS (INSERT INTO idempotency_keys (scope, key, operation, request_hash, response)
                          SELECT c.scope, c.key, c.operation, c.hash, c.response FROM c ORDER BY c.pos
                          ON CONFLICT (scope, key) DO NOTHING RETURNING id, scope, key)
        SELECT c.pos, c.scope, c.key, recorded.id FROM c LEFT JOIN recorded USING (scope, key)
    LOOP
        IF r.id IS NOT NULL THEN
            key_ids[r.pos] := r.id;
            CONTINUE;
        END IF;
        SELECT * INTO prior FROM idempotency_keys WHERE scope = r.scope AND key = r.key;
        answers[r.pos] := jsonb_build_object('prior', jsonb_build_object('operation', prior.operation,
                              'request_hash', prior.request_hash, 'response', prior.response));
        accepted := array_remove(accepted, r.pos);
    END LOOP;
    -- With none accepted, the statements below run on no rows and write nothing: that is how sudpro_warm_up
    -- prepares them.

    FOR r IN
        UPDATE invoices AS inv SET status = 'CONFIRMED', session_id = c.session_id, credit_amount = c.credit,
                                   confirmed_at = now(), updated_at = now()
          FROM (SELECT pos, x.* FROM unnest(accepted) AS pos
                CROSS JOIN LATERAL (SELECT (items[pos]).*) AS x) AS c
         WHERE inv.id = c.invoice_id
        RETURNING c.pos, to_jsonb(inv) AS invoice
    LOOP
        answers[r.pos] := jsonb_build_object('invoice', r.invoice);
    END LOOP;

    WITH c AS (SELECT pos, x.* FROM unnest(accepted) AS pos
               CROSS JOIN LATERAL (SELECT (items[pos]).*) AS x),
         entries AS (INSERT INTO journal_entries (kind, programme_id, session_id, invoice_id, enterprise_id,
                                                  idempotency_key_id, actor, request_id, created_at)
                     SELECT 'RESERVATION', c.programme_id, c.session_id, c.invoice_id, NULL, key_ids[c.pos], c.actor,
                            c.request_id, coalesce(c.created_at, now())
                       FROM c ORDER BY c.pos
                     RETURNING id, invoice_id)
    INSERT INTO postings (entry_id, account_id, amount)
    SELECT entries.id, p.account_id, p.amount
      FROM entries JOIN c USING (invoice_id)
     CROSS JOIN LATERAL unnest(c.account_ids, c.amounts) WITH ORDINALITY AS p (account_id, amount, position)
     ORDER BY entries.id, p.position;

    WITH deltas AS (SELECT m.id, sum(m.amount) AS amount
                      FROM unnest(accepted) AS pos
                     CROSS JOIN LATERAL (SELECT (items[pos]).*) AS x
                     CROSS JOIN LATERAL unnest(x.move_ids, x.move_amounts) AS m (id, amount)
                     GROUP BY m.id)
    UPDATE accounts AS a SET balance = a.balance + deltas.amount
      FROM deltas
     WHERE a.id = deltas.id AND (a.floor IS NULL OR a.balance + deltas.amount >= a.floor);
    GET DIAGNOSTICS moved = ROW_COUNT;
    IF moved <> (SELECT count(DISTINCT m.id)
                   FROM unnest(accepted) AS pos
                  CROSS JOIN LATERAL (SELECT (items[pos]).*) AS x
                  CROSS JOIN LATERAL unnest(x.move_ids) AS m (id)) THEN
        RAISE EXCEPTION 'sudpro_confirm_batch: a balance would go below its floor although checked under lock';
    END IF;

    PERFORM pg_notify(told.channel, told.payload)
       FROM (SELECT DISTINCT x.channel, x.payload FROM unnest(accepted) AS pos
             CROSS JOIN LATERAL (SELECT (items[pos]).*) AS x
             WHERE coalesce(x.payload, '') <> '') AS told;
    RETURN to_jsonb(answers);
END
$$;

-- sudpro_warm_up prepares a new connection of the server (store.Options.WarmUp) for a session-opening rush. The
-- first call of a PL/pgSQL function in a connection compiles it and plans each of its statements when they first
-- run, and the first statement on a table loads its catalog entries (the tables', their indexes', triggers' and
-- constraints'): 10 to 30 ms of one CPU per connection, which fell on the first wave of confirmations of a rush
-- (the slowest 1 % of the benchmark's answers were the first 32). It writes nothing: the facts of the latest
-- ISSUED invoice, if any, and an empty batch of confirmations, whose statements then run on no rows.
CREATE FUNCTION sudpro_warm_up() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sudpro_confirmation_facts(i.id, i.buyer_id)
       FROM invoices AS i WHERE i.status = 'ISSUED' ORDER BY i.issued_at DESC, i.id DESC LIMIT 1;
    PERFORM sudpro_confirm_batch('[]', '{}', false);
END
$$;
