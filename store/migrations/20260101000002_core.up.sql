-- Core entities: businesses, CréditSud programmes and sessions, invoices, consultations.
-- Invariants that must hold across rows live here as constraints, not only in Go.

CREATE TABLE enterprises (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ridet                text NOT NULL UNIQUE CHECK (ridet ~ '^[0-9]{7}[0-9]{3}$' AND right(ridet, 3) <> '000'),
    -- ICU root collation sorts names as people expect ("Électricité" among the E, not after Z).
    name                 text COLLATE "und-x-icu" NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    trade_name           text NOT NULL DEFAULT '' CHECK (length(trade_name) <= 200),
    legal_form           text NOT NULL CHECK (legal_form IN ('PATENTE','EURL','SARL','SAS','SASU','SA','SNC','SCI','GIE','GDPL','ASSOCIATION','OTHER')),
    ape_code             text NOT NULL CHECK (ape_code ~ '^[0-9]{4}[A-Z]$'),
    sector_code          text NOT NULL REFERENCES sectors (code),
    commune_code         text NOT NULL REFERENCES communes (code),
    headcount            integer NOT NULL CHECK (headcount BETWEEN 0 AND 100000),
    status               text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','ACTIVE','SUSPENDED','CLOSED')),
    registered_at        timestamptz NOT NULL DEFAULT now(),
    description          text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    keywords             text[] NOT NULL DEFAULT '{}',
    listed_in_directory  boolean NOT NULL DEFAULT false,
    tgc_franchise        boolean NOT NULL DEFAULT false,
    contact_email        text NOT NULL DEFAULT '',
    contact_phone        text NOT NULL DEFAULT '',
    representative_name  text NOT NULL DEFAULT '',
    representative_email text NOT NULL DEFAULT '',
    representative_phone text NOT NULL DEFAULT '',
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination orders (ties broken by id).
CREATE INDEX enterprises_name_idx ON enterprises (name, id);
CREATE INDEX enterprises_registered_at_idx ON enterprises (registered_at, id);
CREATE INDEX enterprises_sector_idx ON enterprises (sector_code, name, id);
CREATE INDEX enterprises_commune_idx ON enterprises (commune_code, name, id);
CREATE INDEX enterprises_listed_idx ON enterprises (name, id) WHERE listed_in_directory AND status = 'ACTIVE';

CREATE TABLE programmes (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    description       text NOT NULL DEFAULT '',
    allocation_amount bigint NOT NULL DEFAULT 250000 CHECK (allocation_amount > 0),
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    programme_id                bigint NOT NULL REFERENCES programmes (id),
    name                        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    opens_at                    timestamptz NOT NULL,
    closes_at                   timestamptz,
    envelope                    bigint NOT NULL CHECK (envelope > 0),
    sector_codes                text[] NOT NULL DEFAULT '{}',
    sector_rule_applies_to      text NOT NULL DEFAULT 'SELLER' CHECK (sector_rule_applies_to IN ('SELLER','BUYER','BOTH')),
    excluded_expense_categories text[] NOT NULL DEFAULT '{}',
    only_unused_beneficiaries   boolean NOT NULL DEFAULT false,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (programme_id, name),
    CHECK (closes_at IS NULL OR closes_at > opens_at)
);
CREATE INDEX sessions_programme_idx ON sessions (programme_id, opens_at, id);

CREATE TABLE invoices (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id     bigint NOT NULL REFERENCES enterprises (id),
    buyer_id      bigint NOT NULL REFERENCES enterprises (id),
    session_id    bigint REFERENCES sessions (id),
    number        text NOT NULL CHECK (length(btrim(number)) BETWEEN 1 AND 50),
    status        text NOT NULL DEFAULT 'ISSUED' CHECK (status IN ('ISSUED','CONFIRMED','APPROVED','PAID','RETURNED','REJECTED')),
    issued_at     timestamptz NOT NULL DEFAULT now(),
    total_ht      bigint NOT NULL CHECK (total_ht >= 0),
    total_tgc     bigint NOT NULL CHECK (total_tgc >= 0),
    total_ttc     bigint NOT NULL CHECK (total_ttc = total_ht + total_tgc),
    credit_amount bigint NOT NULL DEFAULT 0 CHECK (credit_amount >= 0 AND credit_amount <= total_ttc),
    rejection_reason text CHECK (rejection_reason IS NULL OR status = 'REJECTED'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (seller_id, number),
    CHECK (seller_id <> buyer_id)
);
-- "latest invoices of a business", as seller and as buyer, keyset on (issued_at, id).
CREATE INDEX invoices_seller_idx ON invoices (seller_id, issued_at DESC, id DESC);
CREATE INDEX invoices_buyer_idx ON invoices (buyer_id, issued_at DESC, id DESC);
CREATE INDEX invoices_issued_idx ON invoices (issued_at DESC, id DESC);
CREATE INDEX invoices_session_idx ON invoices (session_id, issued_at DESC, id DESC);

CREATE TABLE invoice_lines (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id       bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position         smallint NOT NULL CHECK (position >= 1),
    designation      text NOT NULL CHECK (length(btrim(designation)) BETWEEN 1 AND 500),
    quantity         bigint NOT NULL CHECK (quantity > 0),
    unit_price_ht    bigint NOT NULL CHECK (unit_price_ht >= 0),
    tgc_rate_code    text NOT NULL REFERENCES tgc_rates (code),
    expense_category text NOT NULL DEFAULT 'GOODS_AND_SERVICES',
    amount_ht        bigint NOT NULL CHECK (amount_ht = quantity * unit_price_ht),
    tgc_amount       bigint NOT NULL CHECK (tgc_amount >= 0),
    UNIQUE (invoice_id, position)
);

CREATE TABLE consultations (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference           text NOT NULL UNIQUE CHECK (length(btrim(reference)) BETWEEN 1 AND 50),
    title               text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    description         text NOT NULL DEFAULT '',
    buyer_service       text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('WORKS','SUPPLIES','SERVICES')),
    estimated_amount_ht bigint NOT NULL CHECK (estimated_amount_ht > 0 AND estimated_amount_ht < 10000000),
    sector_codes        text[] NOT NULL DEFAULT '{}',
    ape_codes           text[] NOT NULL DEFAULT '{}',
    commune_code        text NOT NULL REFERENCES communes (code),
    question_deadline   timestamptz NOT NULL,
    offer_deadline      timestamptz NOT NULL CHECK (offer_deadline >= question_deadline),
    status              text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','PUBLISHED','CLOSED','AWARDED','UNSUCCESSFUL','CANCELLED')),
    published_at        timestamptz,
    documents           jsonb NOT NULL DEFAULT '[]',
    criteria            jsonb NOT NULL DEFAULT '[]',
    contact_name        text NOT NULL DEFAULT '',
    contact_email       text NOT NULL DEFAULT '',
    contact_phone       text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'DRAFT') = (published_at IS NULL) OR status = 'CANCELLED')
);
CREATE INDEX consultations_deadline_idx ON consultations (offer_deadline DESC, id DESC);
