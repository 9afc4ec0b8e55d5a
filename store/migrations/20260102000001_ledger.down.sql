DROP TABLE IF EXISTS postings;
DROP TABLE IF EXISTS journal_entries;
DROP FUNCTION IF EXISTS check_entry_balanced();
DROP FUNCTION IF EXISTS refuse_journal_change();
DROP TABLE IF EXISTS accounts;
DROP TABLE IF EXISTS idempotency_keys;
DROP INDEX IF EXISTS invoices_status_idx;
ALTER TABLE invoices DROP COLUMN IF EXISTS control_note, DROP COLUMN IF EXISTS replaces_id,
    DROP COLUMN IF EXISTS tgc_not_applicable, DROP COLUMN IF EXISTS confirmed_at;
ALTER TABLE sessions DROP CONSTRAINT IF EXISTS sessions_excluded_categories_check;
ALTER TABLE invoice_lines DROP CONSTRAINT IF EXISTS invoice_lines_expense_category_check;
