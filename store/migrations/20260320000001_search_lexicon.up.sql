-- Directory search at New Caledonia scale (issue 9, bench shape D): typo tolerance from a lexicon of the
-- directory's words instead of trigram matching against every business.
--
-- Before, each long search word was `sudpro_fold(word) <% e.search_words` OR-ed with its full-text query. On 50,000
-- businesses that trigram condition cost most of a search: its GIN scan returns thousands of candidates for a common
-- word ("coloration": 13,000), whose long search_words then had to be compared one by one, and estimating its
-- selectivity cost ~3 ms of planning per statement (EXPLAIN ANALYZE: 44 ms instead of 2.4 ms for the same count).
-- Now a long word is looked up once in this lexicon (about 1,000 distinct words at nc-scale: a GIN trigram lookup
-- of 0.1 ms), and the words close to it join its full-text query, so the businesses are found by the full-text GIN
-- index alone.

-- Every distinct folded word (sudpro_fold: lower case, no accents) of the businesses' search_words (names,
-- keywords, APE label, commune) that has a letter (a number has no typos), with its full-text query (its stem).
-- Words are added as businesses are registered or edited, never removed: a word no business uses any more only
-- adds a term that matches nothing.
CREATE TABLE search_lexicon (
    word  text PRIMARY KEY,
    query tsquery NOT NULL CHECK (numnode(query) > 0)
);

-- Adds the words of some search_words values that the lexicon lacks, in word order so that concurrent statements
-- take the new words' locks in the same order. A word's query is made from its tsvector: plainto_tsquery would
-- raise a NOTICE for each stop word, and stop words ("de", "la") are left out.
CREATE FUNCTION search_lexicon_add(texts text[]) RETURNS void LANGUAGE sql AS $$
    WITH words AS MATERIALIZED (
        SELECT DISTINCT w FROM unnest(texts) AS t, regexp_split_to_table(t, '[^[:alnum:]]+') AS w
        WHERE w ~ '[[:alpha:]]' AND NOT EXISTS (SELECT 1 FROM search_lexicon l WHERE l.word = w)
    ), stems AS (
        SELECT w, tsvector_to_array(to_tsvector('sudpro_fr', w)) AS stems FROM words
    )
    INSERT INTO search_lexicon (word, query)
    SELECT w, (SELECT string_agg(quote_literal(s), ' | ') FROM unnest(stems) AS s)::tsquery
    FROM stems WHERE cardinality(stems) > 0
    ORDER BY w
    ON CONFLICT (word) DO NOTHING
$$;

CREATE FUNCTION search_lexicon_add_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_lexicon_add(ARRAY(SELECT search_words FROM changed));
    RETURN NULL;
END $$;

-- Once per statement (a COPY of 50,000 businesses adds its words in one INSERT). Transition tables are allowed for
-- one event per trigger and without a column list, hence two triggers; an update that leaves search_words alone
-- finds its words already there.
CREATE TRIGGER search_lexicon_insert AFTER INSERT ON enterprises
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_add_changed();
CREATE TRIGGER search_lexicon_update AFTER UPDATE ON enterprises
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_lexicon_add_changed();

-- The words of the businesses registered before this migration.
SELECT search_lexicon_add(ARRAY(SELECT search_words FROM enterprises));

-- `word <% lexicon.word` (pg_trgm word similarity) for the typo tolerance of sudpro_search_word_query. Built after
-- the words are in, and without GIN's pending list (fastupdate): every search reads this index, and a pending list
-- (new words not yet merged, until a VACUUM) is scanned in full by each read; new words are few.
CREATE INDEX search_lexicon_word_trgm_idx ON search_lexicon USING gin (word gin_trgm_ops) WITH (fastupdate = off);

-- The full-text query of one search word: its own (sudpro_word_query), or with fuzzy (a word long enough for typo
-- tolerance) also the stems of the lexicon's words that resemble it (pg_trgm word similarity at least
-- pg_trgm.word_similarity_threshold, set by the application), the 20 closest at most. Empty for a stop word.
-- PL/pgSQL so that its statements are planned once per connection. enable_seqscan is off inside: pg_trgm's
-- operator is priced like a cheap comparison, so the planner would rather compare the word with each of the ~1,000
-- lexicon words (3 ms) than use the trigram index (0.06 ms).
CREATE FUNCTION sudpro_search_word_query(w text, fuzzy boolean) RETURNS tsquery
    LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT
    SET enable_seqscan = off
AS $$
DECLARE
    own   tsquery := sudpro_word_query(w);
    near  text;
BEGIN
    IF numnode(own) = 0 OR NOT fuzzy THEN
        RETURN own;
    END IF;
    -- Close words often share a stem ("paysage", "paysagiste"): each stem once keeps ts_rank's work small.
    SELECT string_agg(DISTINCT l.query::text, ' | ') INTO near
    FROM (SELECT l.query FROM search_lexicon l WHERE sudpro_fold(w) <% l.word
          ORDER BY word_similarity(sudpro_fold(w), l.word) DESC, l.word LIMIT 20) l;
    IF near IS NULL THEN
        RETURN own;
    END IF;
    RETURN own || near::tsquery;
END $$;

-- The trigram indexes on search_words served only the old typo tolerance.
DROP INDEX enterprises_search_words_trgm_idx;
DROP INDEX enterprises_listed_search_words_trgm_idx;
