-- Public consultations: lifecycle decisions, questions and answers, sealed offers and their marks.
-- The consultation's stored status is DRAFT, PUBLISHED, AWARDED, UNSUCCESSFUL or CANCELLED; CLOSED is derived
-- (PUBLISHED with its offer deadline passed, by the database clock), so no job is needed for correctness.

ALTER TABLE consultations
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now(),
    -- when the consultation was awarded, declared unsuccessful or cancelled
    ADD COLUMN decided_at       timestamptz,
    -- the award's justification, or why it was declared unsuccessful or cancelled
    ADD COLUMN decision_reason  text NOT NULL DEFAULT '' CHECK (length(decision_reason) <= 4000),
    ADD COLUMN awarded_offer_id bigint;

CREATE TABLE consultation_offers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consultation_id    bigint NOT NULL REFERENCES consultations (id),
    enterprise_id      bigint NOT NULL REFERENCES enterprises (id),
    status             text NOT NULL DEFAULT 'SUBMITTED' CHECK (status IN ('SUBMITTED', 'WITHDRAWN')),
    amount_ht          bigint NOT NULL CHECK (amount_ht > 0),
    tgc_rate_code      text NOT NULL REFERENCES tgc_rates (code),
    tgc_not_applicable boolean NOT NULL DEFAULT false,
    amount_tgc         bigint NOT NULL CHECK (amount_tgc >= 0 AND (NOT tgc_not_applicable OR amount_tgc = 0)),
    amount_ttc         bigint NOT NULL CHECK (amount_ttc = amount_ht + amount_tgc),
    delay_days         integer NOT NULL CHECK (delay_days BETWEEN 1 AND 3650),
    technical_note     text NOT NULL DEFAULT '' CHECK (length(technical_note) <= 10000),
    documents          jsonb NOT NULL DEFAULT '[]',
    revision           integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    -- database clock times: first submission, last change (submission, revision or withdrawal), withdrawal
    submitted_at       timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    withdrawn_at       timestamptz CHECK ((status = 'WITHDRAWN') = (withdrawn_at IS NOT NULL)),
    UNIQUE (consultation_id, enterprise_id),
    UNIQUE (consultation_id, id)
);
CREATE INDEX consultation_offers_enterprise_idx ON consultation_offers (enterprise_id, id);

-- An award names an offer of the same consultation; an AWARDED consultation names one (checked for new rows).
ALTER TABLE consultations
    ADD CONSTRAINT consultations_awarded_offer_fkey FOREIGN KEY (id, awarded_offer_id)
        REFERENCES consultation_offers (consultation_id, id),
    ADD CONSTRAINT consultations_award_check CHECK ((status = 'AWARDED') = (awarded_offer_id IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT consultations_decision_check
        CHECK ((status IN ('AWARDED', 'UNSUCCESSFUL', 'CANCELLED')) = (decided_at IS NOT NULL)) NOT VALID;

CREATE TABLE consultation_questions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consultation_id bigint NOT NULL REFERENCES consultations (id),
    -- who asked: kept for the file, never shown (questions and answers are public without the asker's identity)
    enterprise_id   bigint NOT NULL REFERENCES enterprises (id),
    question        text NOT NULL CHECK (length(btrim(question)) BETWEEN 1 AND 4000),
    asked_at        timestamptz NOT NULL,
    answer          text CHECK (answer IS NULL OR length(btrim(answer)) BETWEEN 1 AND 4000),
    answered_at     timestamptz,
    CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX consultation_questions_consultation_idx ON consultation_questions (consultation_id, id);

-- An agent's mark of an offer on one evaluation criterion of its consultation, 0 to 100.
CREATE TABLE consultation_offer_marks (
    offer_id  bigint NOT NULL REFERENCES consultation_offers (id),
    criterion text NOT NULL CHECK (length(btrim(criterion)) BETWEEN 1 AND 200),
    mark      integer NOT NULL CHECK (mark BETWEEN 0 AND 100),
    marked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (offer_id, criterion)
);

-- Awards as the directory's track record and the dashboard read them: one row per AWARDED consultation.
CREATE VIEW consultation_awards AS
SELECT c.id AS consultation_id, o.id AS offer_id, o.enterprise_id, o.amount_ht, o.amount_tgc, o.amount_ttc,
       o.delay_days, c.decided_at AS awarded_at
FROM consultations c
JOIN consultation_offers o ON o.id = c.awarded_offer_id
WHERE c.status = 'AWARDED';

-- Offers whose seal is lifted (the store's offersUnsealed, for the dashboard's counts): their consultation's offer
-- deadline has passed while it was published, and it was not cancelled before that deadline.
CREATE VIEW consultation_offers_unsealed AS
SELECT o.*
FROM consultation_offers o
JOIN consultations c ON c.id = o.consultation_id
WHERE c.published_at IS NOT NULL AND c.offer_deadline <= now()
  AND (c.status <> 'CANCELLED' OR c.decided_at >= c.offer_deadline);

-- The integer key of a global ID (base64url of "Type:key", see model/id.go) of the given type; NULL for anything
-- else, never an error. The audit log uses it to find the consultation a bidder's offer call concerns.
CREATE FUNCTION global_id_key(gid text, type_name text) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    raw text;
BEGIN
    IF gid IS NULL OR length(gid) > 200 THEN
        RETURN NULL;
    END IF;
    raw := convert_from(decode(rpad(translate(gid, '-_', '+/'), (length(gid) + 3) / 4 * 4, '='), 'base64'), 'UTF8');
    IF split_part(raw, ':', 1) <> type_name OR split_part(raw, ':', 2) !~ '^[0-9]{1,18}$' THEN
        RETURN NULL;
    END IF;
    RETURN split_part(raw, ':', 2)::bigint;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;
