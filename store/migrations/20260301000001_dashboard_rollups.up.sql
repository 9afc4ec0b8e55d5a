-- Rollups of the Province's dashboard (issue 7, "speed at scale"): at 500,000 invoices, summing the ledger's
-- postings for each figure takes seconds; these small tables hold the same sums by Nouméa day, so a figure over
-- any window of days sums a few thousand rows instead.
--
-- They are maintained by triggers in the very transactions that write the ledger and the invoices, so they are
-- never behind and roll back with them. The triggers only ever APPEND rows (a change adds its delta), never update
-- a shared row: a session-opening rush writes them without waiting on each other's row locks, and without
-- lengthening the time the envelope's row is locked (the triggers run when the entry is written, before the
-- envelope moves). Readers sum the rows of a key; dashboard_compact() merges the rows of each key now and then
-- (the server does it every minute, the seed at its end), which keeps the tables small.
--
-- `sudpro ledger check` recomputes every figure from the ledger and compares (architecture.md invariant 7).

-- The Nouméa calendar day (UTC+11, no daylight saving) of an instant: the dashboard's windows are Nouméa days.
CREATE FUNCTION noumea_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ((t AT TIME ZONE 'UTC') + interval '11 hours')::date;

-- Whether a business is a TPE (model.Enterprise.IsSmallBusiness): a patenté, or fewer than 10 employees.
CREATE FUNCTION sudpro_small_business(legal_form text, headcount integer) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN legal_form = 'PATENTE' OR headcount <= 9;

-- 1. Postings on the sessions' accounts, by day, account kind and entry kind: the budget (positions at the end of
-- any day) and the daily series.
CREATE TABLE dashboard_ledger_rollup (
    day          date   NOT NULL,  -- Nouméa day of the entry
    programme_id bigint NOT NULL,
    session_id   bigint NOT NULL,
    entry_kind   text   NOT NULL,
    account_kind text   NOT NULL,
    amount       bigint NOT NULL,  -- sum of the postings
    postings     bigint NOT NULL   -- how many postings
);

-- 2. CréditSud spent on invoices (minus the postings of invoice entries on the envelopes' available accounts), by
-- day and by one attribute of the invoice's parties at a time (`dimension` is the drill-down set: the seller's
-- or buyer's sector or commune, SMALL_BUSINESS when both are TPE, '' for every invoice), with how many takes
-- (confirmations) and gives (releases) it sums. An invoice is reserved at most once and released at most once, so
-- the invoices whose CréditSud spent within a window is not zero are the takes plus the gives of the window,
-- less twice the gives whose invoice was also reserved within it: `reserved_on` is that day, for gives.
CREATE TABLE dashboard_spent_rollup (
    day          date   NOT NULL,
    programme_id bigint NOT NULL,
    session_id   bigint NOT NULL,
    dimension    text   NOT NULL,
    key          text   NOT NULL,
    reserved_on  date,
    amount       bigint NOT NULL,
    takes        bigint NOT NULL,
    gives        bigint NOT NULL
);

-- 3. Invoices as they stand, by the day they were issued and the day they were confirmed, session, status and
-- rejection reason: the invoices by status and the business done through the platform.
CREATE TABLE dashboard_invoice_rollup (
    issued_on        date   NOT NULL,
    confirmed_on     date,
    session_id       bigint,
    status           text   NOT NULL,
    rejection_reason text,
    invoices         bigint NOT NULL,
    total_ttc        bigint NOT NULL,
    credit_amount    bigint NOT NULL
);

-- 4. Each beneficiary's invoices holding CréditSud now (takes minus gives), by session: "projects funded".
CREATE TABLE dashboard_buyer_rollup (
    programme_id  bigint NOT NULL,
    session_id    bigint NOT NULL,
    enterprise_id bigint NOT NULL,
    holding       bigint NOT NULL
);

-- 5. Businesses by the day they registered and whether they are eligible now (store/programme.go eligibleSQL):
-- registered and eligible, without reading the 50,000 rows of a New Caledonia-sized register.
CREATE TABLE dashboard_enterprise_rollup (
    registered_on date    NOT NULL,
    eligible      boolean NOT NULL,
    enterprises   bigint  NOT NULL
);

-- 6. When each session's envelope was first exhausted: the entry, in ledger order, after which its available
-- balance was zero. Kept apart from sessions so that recording it never waits on a lock readers of sessions hold.
CREATE TABLE session_exhaustion (
    session_id   bigint PRIMARY KEY REFERENCES sessions (id),
    exhausted_at timestamptz NOT NULL
);

-- The CréditSud spent by each posting on an envelope's available account of an invoice entry, with the invoice's
-- parties.
CREATE VIEW dashboard_spent_postings AS
SELECT p.id AS posting_id, i.seller_id, i.buyer_id, j.programme_id, j.session_id,
       noumea_day(j.created_at) AS day,
       CASE WHEN p.amount > 0 THEN
           (SELECT noumea_day(r.created_at) FROM journal_entries AS r WHERE r.invoice_id = j.invoice_id AND r.kind = 'RESERVATION')
       END AS reserved_on,
       -p.amount AS amount, (p.amount < 0)::int AS takes, (p.amount > 0)::int AS gives
  FROM postings AS p
  JOIN accounts AS a ON a.id = p.account_id AND a.kind = 'SESSION_AVAILABLE'
  JOIN journal_entries AS j ON j.id = p.entry_id  -- (no "j.invoice_id IS NOT NULL": see dashboard_add_spent)
  JOIN invoices AS i ON i.id = j.invoice_id;

-- The breakdowns of the CréditSud spent an invoice counts in (dimension, key): its seller's and buyer's sector and
-- commune, SMALL_BUSINESS when both are TPE, and '' (every invoice).
CREATE FUNCTION dashboard_dimensions(seller_sector text, buyer_sector text, seller_commune text, buyer_commune text, small boolean)
    RETURNS TABLE (dimension text, key text) LANGUAGE sql IMMUTABLE AS $$
    SELECT d.dimension, d.key
      FROM (VALUES ('SELLER_SECTOR', seller_sector), ('BUYER_SECTOR', buyer_sector),
                   ('SELLER_COMMUNE', seller_commune), ('BUYER_COMMUNE', buyer_commune),
                   ('SMALL_BUSINESS', CASE WHEN small THEN 'SMALL' END), ('', '')) AS d (dimension, key)
     WHERE d.key IS NOT NULL
$$;

-- Adds to dashboard_spent_rollup the rows of the postings whose ids are given, times sign (+1 to add, -1 to take
-- away), with the parties' sector, commune and size as they are now, or as given in the was_* arrays for the
-- businesses of was_ids (their values before a change). In PL/pgSQL, whose plans are kept per connection:
-- planning this join each time would cost more than running it.
-- The joins must start from the postings given, then follow primary keys. Statistics taken before a session
-- opened (when no journal entry had an invoice yet) estimate that no entry has one: given "invoice_id IS NOT
-- NULL", the planner started from the partial index of invoice entries and read every one of them for each
-- posting, in the middle of a rush (40 reservations/s instead of 200). So the view leaves that condition to the
-- join with invoices, and the joins keep the order written (join_collapse_limit and from_collapse_limit 1).
CREATE FUNCTION dashboard_add_spent(posting_ids bigint[], sign int, was_ids bigint[] DEFAULT '{}', was_sectors text[] DEFAULT '{}',
                                    was_communes text[] DEFAULT '{}', was_small boolean[] DEFAULT '{}') RETURNS void LANGUAGE plpgsql
    SET join_collapse_limit = 1 SET from_collapse_limit = 1 AS $$
BEGIN
    INSERT INTO dashboard_spent_rollup (day, programme_id, session_id, dimension, key, reserved_on, amount, takes, gives)
    SELECT v.day, v.programme_id, v.session_id, d.dimension, d.key, v.reserved_on,
           sign * sum(v.amount), sign * sum(v.takes), sign * sum(v.gives)
      FROM dashboard_spent_postings AS v
      JOIN enterprises AS se ON se.id = v.seller_id
      JOIN enterprises AS be ON be.id = v.buyer_id
      LEFT JOIN unnest(was_ids, was_sectors, was_communes, was_small) AS ws (id, sector_code, commune_code, small) ON ws.id = v.seller_id
      LEFT JOIN unnest(was_ids, was_sectors, was_communes, was_small) AS wb (id, sector_code, commune_code, small) ON wb.id = v.buyer_id
     CROSS JOIN LATERAL dashboard_dimensions(coalesce(ws.sector_code, se.sector_code), coalesce(wb.sector_code, be.sector_code),
               coalesce(ws.commune_code, se.commune_code), coalesce(wb.commune_code, be.commune_code),
               coalesce(ws.small, sudpro_small_business(se.legal_form, se.headcount))
               AND coalesce(wb.small, sudpro_small_business(be.legal_form, be.headcount))) AS d
     WHERE v.posting_id = ANY (posting_ids)
     GROUP BY 1, 2, 3, 4, 5, 6;
END
$$;

-- New postings: the ledger rollup, the CréditSud spent and the beneficiaries holding CréditSud, in one statement
-- (a confirmation pays for one pass over its postings). The joins start from the new postings, whose number the
-- planner knows, and follow primary keys in the order written (see dashboard_add_spent, whose view this repeats
-- for the new postings only).
CREATE FUNCTION dashboard_postings_added() RETURNS trigger LANGUAGE plpgsql
    SET join_collapse_limit = 1 SET from_collapse_limit = 1 AS $$
BEGIN
    WITH moved AS (
        SELECT p.amount, a.kind AS account_kind, a.programme_id, a.session_id, j.kind AS entry_kind, j.invoice_id,
               noumea_day(j.created_at) AS day
          FROM new_postings AS p
          JOIN accounts AS a ON a.id = p.account_id AND a.session_id IS NOT NULL
          JOIN journal_entries AS j ON j.id = p.entry_id
    ), spent AS (
        SELECT m.day, m.programme_id, m.session_id, i.buyer_id,
               CASE WHEN m.amount > 0 THEN
                   (SELECT noumea_day(r.created_at) FROM journal_entries AS r WHERE r.invoice_id = m.invoice_id AND r.kind = 'RESERVATION')
               END AS reserved_on,
               -m.amount AS amount, (m.amount < 0)::int AS takes, (m.amount > 0)::int AS gives,
               se.sector_code AS seller_sector, se.commune_code AS seller_commune,
               be.sector_code AS buyer_sector, be.commune_code AS buyer_commune,
               sudpro_small_business(se.legal_form, se.headcount) AND sudpro_small_business(be.legal_form, be.headcount) AS small
          FROM moved AS m
          JOIN invoices AS i ON i.id = m.invoice_id
          JOIN enterprises AS se ON se.id = i.seller_id
          JOIN enterprises AS be ON be.id = i.buyer_id
         WHERE m.account_kind = 'SESSION_AVAILABLE'
    ), ledger AS (
        INSERT INTO dashboard_ledger_rollup (day, programme_id, session_id, entry_kind, account_kind, amount, postings)
        SELECT day, programme_id, session_id, entry_kind, account_kind, sum(amount), count(*) FROM moved GROUP BY 1, 2, 3, 4, 5
    ), buyers AS (
        INSERT INTO dashboard_buyer_rollup (programme_id, session_id, enterprise_id, holding)
        SELECT programme_id, session_id, buyer_id, sum(takes - gives) FROM spent GROUP BY 1, 2, 3 HAVING sum(takes - gives) <> 0
    )
    INSERT INTO dashboard_spent_rollup (day, programme_id, session_id, dimension, key, reserved_on, amount, takes, gives)
    SELECT s.day, s.programme_id, s.session_id, d.dimension, d.key, s.reserved_on, sum(s.amount), sum(s.takes), sum(s.gives)
      FROM spent AS s
     CROSS JOIN LATERAL dashboard_dimensions(s.seller_sector, s.buyer_sector, s.seller_commune, s.buyer_commune, s.small) AS d
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END
$$;
CREATE TRIGGER postings_dashboard AFTER INSERT ON postings REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_postings_added();

-- Invoices: each change of a counted column takes the old row's counts away and adds the new row's.
CREATE FUNCTION dashboard_invoices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_invoice_rollup (issued_on, confirmed_on, session_id, status, rejection_reason, invoices, total_ttc, credit_amount)
        SELECT noumea_day(n.issued_at), noumea_day(n.confirmed_at), n.session_id, n.status, n.rejection_reason,
               count(*), sum(n.total_ttc), sum(n.credit_amount)
          FROM new_invoices AS n GROUP BY 1, 2, 3, 4, 5;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dashboard_invoice_rollup (issued_on, confirmed_on, session_id, status, rejection_reason, invoices, total_ttc, credit_amount)
        SELECT x.issued_on, x.confirmed_on, x.session_id, x.status, x.rejection_reason, sum(x.invoices), sum(x.total_ttc), sum(x.credit_amount)
          FROM old_invoices AS o JOIN new_invoices AS n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES
               (noumea_day(o.issued_at), noumea_day(o.confirmed_at), o.session_id, o.status, o.rejection_reason, -1, -o.total_ttc, -o.credit_amount),
               (noumea_day(n.issued_at), noumea_day(n.confirmed_at), n.session_id, n.status, n.rejection_reason, 1, n.total_ttc, n.credit_amount))
               AS x (issued_on, confirmed_on, session_id, status, rejection_reason, invoices, total_ttc, credit_amount)
         WHERE (o.issued_at, o.confirmed_at, o.session_id, o.status, o.rejection_reason, o.total_ttc, o.credit_amount)
               IS DISTINCT FROM (n.issued_at, n.confirmed_at, n.session_id, n.status, n.rejection_reason, n.total_ttc, n.credit_amount)
         GROUP BY 1, 2, 3, 4, 5
        HAVING sum(x.invoices) <> 0 OR sum(x.total_ttc) <> 0 OR sum(x.credit_amount) <> 0;
    ELSE
        INSERT INTO dashboard_invoice_rollup (issued_on, confirmed_on, session_id, status, rejection_reason, invoices, total_ttc, credit_amount)
        SELECT noumea_day(o.issued_at), noumea_day(o.confirmed_at), o.session_id, o.status, o.rejection_reason,
               -count(*), -sum(o.total_ttc), -sum(o.credit_amount)
          FROM old_invoices AS o GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER invoices_dashboard_insert AFTER INSERT ON invoices REFERENCING NEW TABLE AS new_invoices
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_invoices_changed();
CREATE TRIGGER invoices_dashboard_update AFTER UPDATE ON invoices REFERENCING OLD TABLE AS old_invoices NEW TABLE AS new_invoices
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_invoices_changed();
CREATE TRIGGER invoices_dashboard_delete AFTER DELETE ON invoices REFERENCING OLD TABLE AS old_invoices
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_invoices_changed();

-- Businesses: each change of the registration day or of eligibility moves the business from one count to the
-- other; a change of sector, commune or size moves its CréditSud spent.
CREATE FUNCTION sudpro_eligible(status text, commune_code text, legal_form text, headcount integer) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status = 'ACTIVE' AND commune_code IS NOT NULL AND (legal_form = 'PATENTE' OR headcount <= 2);
CREATE FUNCTION dashboard_enterprises_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was_ids bigint[];
    was_sectors text[];
    was_communes text[];
    was_small boolean[];
    moved bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_enterprise_rollup (registered_on, eligible, enterprises)
        SELECT noumea_day(n.registered_at), sudpro_eligible(n.status, n.commune_code, n.legal_form, n.headcount), count(*)
          FROM new_enterprises AS n GROUP BY 1, 2;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO dashboard_enterprise_rollup (registered_on, eligible, enterprises)
        SELECT x.registered_on, x.eligible, sum(x.enterprises)
          FROM old_enterprises AS o JOIN new_enterprises AS n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES
               (noumea_day(o.registered_at), sudpro_eligible(o.status, o.commune_code, o.legal_form, o.headcount), -1),
               (noumea_day(n.registered_at), sudpro_eligible(n.status, n.commune_code, n.legal_form, n.headcount), 1))
               AS x (registered_on, eligible, enterprises)
         WHERE (o.registered_at, o.status, o.commune_code, o.legal_form, o.headcount)
               IS DISTINCT FROM (n.registered_at, n.status, n.commune_code, n.legal_form, n.headcount)
         GROUP BY 1, 2
        HAVING sum(x.enterprises) <> 0;
        -- A business whose sector, commune or size changed moves its CréditSud spent to its new attributes: the
        -- rows of every invoice it is a party to are taken away with the attributes it had and added back with
        -- those it has (both parties of an invoice may change in the same statement).
        SELECT array_agg(o.id), array_agg(o.sector_code), array_agg(o.commune_code), array_agg(sudpro_small_business(o.legal_form, o.headcount))
          INTO was_ids, was_sectors, was_communes, was_small
          FROM old_enterprises AS o JOIN new_enterprises AS n ON n.id = o.id
         WHERE (o.sector_code, o.commune_code, sudpro_small_business(o.legal_form, o.headcount))
               IS DISTINCT FROM (n.sector_code, n.commune_code, sudpro_small_business(n.legal_form, n.headcount));
        IF was_ids IS NOT NULL THEN
            moved := ARRAY(SELECT v.posting_id FROM dashboard_spent_postings AS v WHERE v.seller_id = ANY (was_ids)
                           UNION SELECT v.posting_id FROM dashboard_spent_postings AS v WHERE v.buyer_id = ANY (was_ids));
            PERFORM dashboard_add_spent(moved, -1, was_ids, was_sectors, was_communes, was_small);
            PERFORM dashboard_add_spent(moved, 1);
        END IF;
    ELSE
        INSERT INTO dashboard_enterprise_rollup (registered_on, eligible, enterprises)
        SELECT noumea_day(o.registered_at), sudpro_eligible(o.status, o.commune_code, o.legal_form, o.headcount), -count(*)
          FROM old_enterprises AS o GROUP BY 1, 2;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER enterprises_dashboard_insert AFTER INSERT ON enterprises REFERENCING NEW TABLE AS new_enterprises
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_enterprises_changed();
CREATE TRIGGER enterprises_dashboard_update AFTER UPDATE ON enterprises REFERENCING OLD TABLE AS old_enterprises NEW TABLE AS new_enterprises
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_enterprises_changed();
CREATE TRIGGER enterprises_dashboard_delete AFTER DELETE ON enterprises REFERENCING OLD TABLE AS old_enterprises
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_enterprises_changed();

-- The first time an envelope's available balance reaches zero, when it happened in ledger order (the entry after
-- which the running balance, in entry order, is zero). Runs once per session: later debits find the row there.
CREATE FUNCTION dashboard_session_exhausted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM session_exhaustion WHERE session_id = NEW.session_id) THEN
        RETURN NULL;
    END IF;
    INSERT INTO session_exhaustion (session_id, exhausted_at)
    SELECT NEW.session_id, r.created_at
      FROM (SELECT j.id, j.created_at, p.amount, sum(p.amount) OVER (ORDER BY j.id, p.id) AS balance
              FROM postings AS p JOIN journal_entries AS j ON j.id = p.entry_id
             WHERE p.account_id = NEW.id) AS r
     WHERE r.amount < 0 AND r.balance <= 0
     ORDER BY r.id LIMIT 1
    ON CONFLICT (session_id) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_session_exhausted AFTER UPDATE OF balance ON accounts
    FOR EACH ROW WHEN (NEW.kind = 'SESSION_AVAILABLE' AND NEW.balance <= 0 AND NEW.balance < OLD.balance)
    EXECUTE FUNCTION dashboard_session_exhausted();

-- Merges the rows of each key into one (zero rows dropped), touching only the keys with several rows: merged
-- keys are left as they are, so a quiet minute writes nothing. Concurrent writers keep appending meanwhile (they
-- never touch existing rows, and rows they add after this statement's snapshot wait for the next merge). One
-- merger at a time (the others return at once): a second one would be correct, only wasted work. Returns how
-- many rows were merged away.
CREATE FUNCTION dashboard_compact() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    merged bigint := 0;
    n bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('dashboard_compact')) THEN
        RETURN 0;
    END IF;
    WITH d AS (DELETE FROM dashboard_ledger_rollup WHERE ctid = ANY (ARRAY(
                   SELECT x.ctid FROM (SELECT ctid, count(*) OVER (PARTITION BY day, programme_id, session_id, entry_kind, account_kind) AS rows_of_key FROM dashboard_ledger_rollup) AS x
                    WHERE x.rows_of_key > 1))
               RETURNING *),
         m AS (INSERT INTO dashboard_ledger_rollup
               SELECT day, programme_id, session_id, entry_kind, account_kind, sum(amount), sum(postings) FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum(amount) <> 0 OR sum(postings) <> 0 RETURNING 1)
    SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM m) INTO n;
    merged := merged + n;
    WITH d AS (DELETE FROM dashboard_spent_rollup WHERE ctid = ANY (ARRAY(
                   SELECT x.ctid FROM (SELECT ctid, count(*) OVER (PARTITION BY day, programme_id, session_id, dimension, key, reserved_on) AS rows_of_key FROM dashboard_spent_rollup) AS x
                    WHERE x.rows_of_key > 1))
               RETURNING *),
         m AS (INSERT INTO dashboard_spent_rollup
               SELECT day, programme_id, session_id, dimension, key, reserved_on, sum(amount), sum(takes), sum(gives) FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(amount) <> 0 OR sum(takes) <> 0 OR sum(gives) <> 0 RETURNING 1)
    SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM m) INTO n;
    merged := merged + n;
    WITH d AS (DELETE FROM dashboard_invoice_rollup WHERE ctid = ANY (ARRAY(
                   SELECT x.ctid FROM (SELECT ctid, count(*) OVER (PARTITION BY issued_on, confirmed_on, session_id, status, rejection_reason) AS rows_of_key FROM dashboard_invoice_rollup) AS x
                    WHERE x.rows_of_key > 1))
               RETURNING *),
         m AS (INSERT INTO dashboard_invoice_rollup
               SELECT issued_on, confirmed_on, session_id, status, rejection_reason, sum(invoices), sum(total_ttc), sum(credit_amount) FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum(invoices) <> 0 OR sum(total_ttc) <> 0 OR sum(credit_amount) <> 0 RETURNING 1)
    SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM m) INTO n;
    merged := merged + n;
    WITH d AS (DELETE FROM dashboard_enterprise_rollup WHERE ctid = ANY (ARRAY(
                   SELECT x.ctid FROM (SELECT ctid, count(*) OVER (PARTITION BY registered_on, eligible) AS rows_of_key FROM dashboard_enterprise_rollup) AS x
                    WHERE x.rows_of_key > 1))
               RETURNING *),
         m AS (INSERT INTO dashboard_enterprise_rollup
               SELECT registered_on, eligible, sum(enterprises) FROM d GROUP BY 1, 2 HAVING sum(enterprises) <> 0 RETURNING 1)
    SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM m) INTO n;
    merged := merged + n;
    WITH d AS (DELETE FROM dashboard_buyer_rollup WHERE ctid = ANY (ARRAY(
                   SELECT x.ctid FROM (SELECT ctid, count(*) OVER (PARTITION BY programme_id, session_id, enterprise_id) AS rows_of_key FROM dashboard_buyer_rollup) AS x
                    WHERE x.rows_of_key > 1))
               RETURNING *),
         m AS (INSERT INTO dashboard_buyer_rollup
               SELECT programme_id, session_id, enterprise_id, sum(holding) FROM d GROUP BY 1, 2, 3 HAVING sum(holding) <> 0 RETURNING 1)
    SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM m) INTO n;
    merged := merged + n;
    RETURN merged;
END
$$;

-- The rollups of the data already there.
INSERT INTO dashboard_ledger_rollup (day, programme_id, session_id, entry_kind, account_kind, amount, postings)
SELECT noumea_day(j.created_at), a.programme_id, a.session_id, j.kind, a.kind, sum(p.amount), count(*)
  FROM postings AS p
  JOIN accounts AS a ON a.id = p.account_id AND a.session_id IS NOT NULL
  JOIN journal_entries AS j ON j.id = p.entry_id
 GROUP BY 1, 2, 3, 4, 5;
SELECT dashboard_add_spent(ARRAY(SELECT posting_id FROM dashboard_spent_postings), 1);
INSERT INTO dashboard_buyer_rollup (programme_id, session_id, enterprise_id, holding)
SELECT programme_id, session_id, buyer_id, sum(takes - gives) FROM dashboard_spent_postings GROUP BY 1, 2, 3 HAVING sum(takes - gives) <> 0;
INSERT INTO dashboard_invoice_rollup (issued_on, confirmed_on, session_id, status, rejection_reason, invoices, total_ttc, credit_amount)
SELECT noumea_day(issued_at), noumea_day(confirmed_at), session_id, status, rejection_reason, count(*), sum(total_ttc), sum(credit_amount)
  FROM invoices GROUP BY 1, 2, 3, 4, 5;
INSERT INTO dashboard_enterprise_rollup (registered_on, eligible, enterprises)
SELECT noumea_day(registered_at), sudpro_eligible(status, commune_code, legal_form, headcount), count(*) FROM enterprises GROUP BY 1, 2;
INSERT INTO session_exhaustion (session_id, exhausted_at)
SELECT DISTINCT ON (r.session_id) r.session_id, r.created_at
  FROM (SELECT a.session_id, j.id, j.created_at, p.amount,
               sum(p.amount) OVER (PARTITION BY a.session_id ORDER BY j.id, p.id) AS balance
          FROM postings AS p
          JOIN accounts AS a ON a.id = p.account_id AND a.kind = 'SESSION_AVAILABLE'
          JOIN journal_entries AS j ON j.id = p.entry_id) AS r
 WHERE r.amount < 0 AND r.balance <= 0
 ORDER BY r.session_id, r.id;
