-- No directory version (see the up migration): the API then reads every search from the businesses.
DROP TRIGGER IF EXISTS directory_version_bump_truncate ON enterprises;
DROP TRIGGER IF EXISTS directory_version_bump ON enterprises;
DROP FUNCTION IF EXISTS directory_version_bump();
DROP TABLE IF EXISTS directory_version;
