-- The directory's version, for the API's cache of directory searches (store/search_cache.go, issue 9, bench shape D).
--
-- A search with facets or words reads every business it matches: thousands for a common word in Nouméa, ~5 ms of
-- PostgreSQL per search at nc-scale. Its answer only changes when the businesses do, and they change rarely
-- (registrations, imports). The API keeps answers with the version they were read at and serves one only while
-- the version is unchanged; reading it is one small statement.
--
-- Every statement that writes enterprises bumps the version in its own transaction, so each statement of a search
-- reads the version in the snapshot it reads the businesses (or the search lexicon) in, and the answer is kept
-- under the oldest: never under a version newer than its data. A rolled-back write leaves the version as it was. The search lexicon (20260320000001) is written by triggers on
-- enterprises in the same statements, so the version covers it too.
CREATE TABLE directory_version (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version  bigint NOT NULL
);
INSERT INTO directory_version (version) VALUES (1);

CREATE FUNCTION directory_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE directory_version SET version = version + 1;
    RETURN NULL;
END $$;

-- Once per statement, not per row: a COPY of 50,000 businesses bumps it once. Writers of enterprises queue on the
-- version's row until they commit; the API only inserts businesses, one statement per registration.
CREATE TRIGGER directory_version_bump AFTER INSERT OR UPDATE OR DELETE ON enterprises
    FOR EACH STATEMENT EXECUTE FUNCTION directory_version_bump();
CREATE TRIGGER directory_version_bump_truncate AFTER TRUNCATE ON enterprises
    FOR EACH STATEMENT EXECUTE FUNCTION directory_version_bump();
