-- The CréditSud ledger (architecture.md, "The CréditSud ledger"): accounts with floors, balanced append-only
-- journal entries, idempotency keys. Public money: the design is judged by what can never happen.

ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_expense_category_check
    CHECK (expense_category IN ('GOODS_AND_SERVICES','FUEL','RENT','OPERATING_COSTS','HARDWARE'));
ALTER TABLE sessions ADD CONSTRAINT sessions_excluded_categories_check
    CHECK (excluded_expense_categories <@ ARRAY['GOODS_AND_SERVICES','FUEL','RENT','OPERATING_COSTS','HARDWARE']);

ALTER TABLE invoices
    ADD COLUMN control_note       text NOT NULL DEFAULT '',
    ADD COLUMN replaces_id        bigint UNIQUE REFERENCES invoices (id),
    ADD COLUMN tgc_not_applicable boolean NOT NULL DEFAULT false,
    ADD COLUMN confirmed_at       timestamptz;
CREATE INDEX invoices_status_idx ON invoices (status, issued_at DESC, id DESC);

-- Idempotency keys: a retried mutation with the same key returns the first result; each key maps to one effect.
CREATE TABLE idempotency_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope        text NOT NULL,   -- who: role, subject and business of the caller, so keys never collide across callers
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    operation    text NOT NULL,
    request_hash text NOT NULL,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    tx_id        bigint NOT NULL DEFAULT txid_current(),
    UNIQUE (scope, key)
);

CREATE TABLE accounts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('PROGRAMME_FUNDING','PROGRAMME_ALLOCATIONS','SESSION_AVAILABLE',
                      'SESSION_RESERVED','SELLER_PAYABLE','SESSION_PAID','CREDIT_AVAILABLE','CREDIT_RESERVED','CREDIT_USED')),
    programme_id  bigint NOT NULL REFERENCES programmes (id),
    session_id    bigint REFERENCES sessions (id),
    enterprise_id bigint REFERENCES enterprises (id),
    balance       bigint NOT NULL DEFAULT 0,
    floor         bigint,          -- NULL only for the Province's sources, whose balance is minus what they gave
    CONSTRAINT accounts_balance_floor CHECK (floor IS NULL OR balance >= floor),
    CONSTRAINT accounts_shape CHECK (
        (kind IN ('PROGRAMME_FUNDING','PROGRAMME_ALLOCATIONS') AND session_id IS NULL AND enterprise_id IS NULL AND floor IS NULL)
     OR (kind IN ('SESSION_AVAILABLE','SESSION_RESERVED','SESSION_PAID') AND session_id IS NOT NULL AND enterprise_id IS NULL AND floor = 0)
     OR (kind = 'SELLER_PAYABLE' AND session_id IS NOT NULL AND enterprise_id IS NOT NULL AND floor = 0)
     OR (kind IN ('CREDIT_AVAILABLE','CREDIT_RESERVED','CREDIT_USED') AND session_id IS NULL AND enterprise_id IS NOT NULL AND floor = 0)),
    CONSTRAINT accounts_identity UNIQUE NULLS NOT DISTINCT (kind, programme_id, session_id, enterprise_id)
);
CREATE INDEX accounts_enterprise_idx ON accounts (enterprise_id, programme_id) WHERE enterprise_id IS NOT NULL;
CREATE INDEX accounts_session_idx ON accounts (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE journal_entries (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text NOT NULL CHECK (kind IN ('ENVELOPE_FUNDING','ALLOCATION','RESERVATION','APPROVAL','PAYMENT',
                           'RETURN_RELEASE','REJECTION_RELEASE')),
    programme_id       bigint NOT NULL REFERENCES programmes (id),
    session_id         bigint REFERENCES sessions (id),
    invoice_id         bigint REFERENCES invoices (id),
    enterprise_id      bigint REFERENCES enterprises (id),  -- the beneficiary of an allocation
    idempotency_key_id bigint REFERENCES idempotency_keys (id),
    actor              text NOT NULL,
    request_id         text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    tx_id              bigint NOT NULL DEFAULT txid_current(),
    CHECK ((kind IN ('ENVELOPE_FUNDING','ALLOCATION')) = (invoice_id IS NULL)),
    CHECK ((kind = 'ALLOCATION') = (enterprise_id IS NOT NULL))
);
-- Each invoice is reserved, approved, paid, returned or rejected at most once: each moves money exactly once.
CREATE UNIQUE INDEX journal_entries_invoice_kind_key ON journal_entries (invoice_id, kind) WHERE invoice_id IS NOT NULL;
-- Each beneficiary is granted a programme's allocation at most once.
CREATE UNIQUE INDEX journal_entries_allocation_key ON journal_entries (programme_id, enterprise_id) WHERE kind = 'ALLOCATION';
CREATE INDEX journal_entries_created_idx ON journal_entries (created_at DESC, id DESC);
CREATE INDEX journal_entries_idempotency_idx ON journal_entries (idempotency_key_id) WHERE idempotency_key_id IS NOT NULL;

CREATE TABLE postings (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id   bigint NOT NULL REFERENCES journal_entries (id),
    account_id bigint NOT NULL REFERENCES accounts (id),
    amount     bigint NOT NULL CHECK (amount <> 0)
);
CREATE INDEX postings_entry_idx ON postings (entry_id);
CREATE INDEX postings_account_idx ON postings (account_id, entry_id);

-- The journal is append-only: corrections are new entries.
CREATE FUNCTION refuse_journal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

-- Every entry balances: its postings sum to zero, checked at commit (deferred), when all postings are in.
CREATE FUNCTION check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
BEGIN
    SELECT sum(amount) INTO total FROM postings WHERE entry_id = NEW.entry_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (sum %)', NEW.entry_id, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_entry_balanced();
