-- Invoice events: every statement that inserts or updates invoices sends, in its own transaction, one NOTIFY per
-- 200 changed rows on channel invoice_updated, with "id:seller_id:buyer_id" items separated by commas. NOTIFY is
-- delivered at COMMIT only, so an event exists if and only if its change committed (store/events.go).
CREATE FUNCTION sudpro_notify_invoices() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chunk text;
BEGIN
    FOR chunk IN
        SELECT string_agg(id || ':' || seller_id || ':' || buyer_id, ',' ORDER BY id)
        FROM (SELECT id, seller_id, buyer_id, (row_number() OVER (ORDER BY id) - 1) / 200 AS part FROM changed) c
        GROUP BY part
    LOOP
        PERFORM pg_notify('invoice_updated', chunk);
    END LOOP;
    RETURN NULL;
END
$$;

CREATE TRIGGER invoices_notify_insert AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sudpro_notify_invoices();
CREATE TRIGGER invoices_notify_update AFTER UPDATE ON invoices
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION sudpro_notify_invoices();
