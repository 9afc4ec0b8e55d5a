-- Back to facts that always carry their fingerprint (see the up migration): the functions as 20260410000001
-- created them.
DROP FUNCTION sudpro_confirmation_facts(bigint, bigint, bigint);

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

CREATE OR REPLACE FUNCTION sudpro_warm_up() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sudpro_confirmation_facts(i.id, i.buyer_id)
       FROM invoices AS i WHERE i.status = 'ISSUED' ORDER BY i.issued_at DESC, i.id DESC LIMIT 1;
    PERFORM sudpro_confirm_batch('[]', '{}', false);
END
$$;
