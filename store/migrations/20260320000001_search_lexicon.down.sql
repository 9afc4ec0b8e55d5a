-- Back to trigram typo tolerance against every business's search_words (see the up migration).
CREATE INDEX IF NOT EXISTS enterprises_search_words_trgm_idx ON enterprises USING gin (search_words gin_trgm_ops);
CREATE INDEX IF NOT EXISTS enterprises_listed_search_words_trgm_idx ON enterprises USING gin (search_words gin_trgm_ops)
    WHERE listed_in_directory AND status = 'ACTIVE';
DROP FUNCTION IF EXISTS sudpro_search_word_query(text, boolean);
DROP TRIGGER IF EXISTS search_lexicon_update ON enterprises;
DROP TRIGGER IF EXISTS search_lexicon_insert ON enterprises;
DROP FUNCTION IF EXISTS search_lexicon_add_changed();
DROP FUNCTION IF EXISTS search_lexicon_add(text[]);
DROP TABLE IF EXISTS search_lexicon;
