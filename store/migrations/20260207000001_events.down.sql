DROP TRIGGER IF EXISTS invoices_notify_update ON invoices;
DROP TRIGGER IF EXISTS invoices_notify_insert ON invoices;
DROP FUNCTION IF EXISTS sudpro_notify_invoices();
