DROP FUNCTION IF EXISTS global_id_key(text, text);
DROP VIEW IF EXISTS consultation_awards;
DROP VIEW IF EXISTS consultation_offers_unsealed;
DROP TABLE IF EXISTS consultation_offer_marks;
DROP TABLE IF EXISTS consultation_questions;
ALTER TABLE consultations
    DROP CONSTRAINT IF EXISTS consultations_decision_check,
    DROP CONSTRAINT IF EXISTS consultations_award_check,
    DROP CONSTRAINT IF EXISTS consultations_awarded_offer_fkey;
DROP TABLE IF EXISTS consultation_offers;
ALTER TABLE consultations
    DROP COLUMN IF EXISTS awarded_offer_id,
    DROP COLUMN IF EXISTS decision_reason,
    DROP COLUMN IF EXISTS decided_at,
    DROP COLUMN IF EXISTS updated_at;
