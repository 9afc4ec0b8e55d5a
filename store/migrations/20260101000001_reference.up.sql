-- Reference data: communes of the Province Sud, platform sectors, TGC rates, APE labels.
-- Kept in tables, not in code, so the Province can amend them by migration.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE communes (
    code        text PRIMARY KEY CHECK (code ~ '^988[0-9]{2}$'),      -- ISEE/INSEE commune code
    postal_code text NOT NULL CHECK (postal_code ~ '^988[0-9]{2}$'),  -- not unique: Île-des-Pins and Le Mont-Dore share none, but codes overlap across columns
    name        text NOT NULL UNIQUE,
    aliases     text[] NOT NULL DEFAULT '{}',
    note        text NOT NULL DEFAULT ''
);

INSERT INTO communes (code, postal_code, name, aliases, note) VALUES
    ('98818', '98800', 'Nouméa',           '{Noumea}', ''),
    ('98805', '98835', 'Dumbéa',           '{Dumbea}', ''),
    ('98821', '98889', 'Païta',            '{Paita}', ''),
    ('98817', '98809', 'Le Mont-Dore',     '{Mont-Dore,"Mont Dore","Le Mont Dore"}', ''),
    ('98832', '98834', 'Yaté',             '{Yate}', ''),
    ('98809', '98832', 'L''Île-des-Pins',  '{"Île des Pins","Ile des Pins","Ile-des-Pins","L''Ile-des-Pins"}', ''),
    ('98829', '98829', 'Thio',             '{}', ''),
    ('98802', '98812', 'Boulouparis',      '{Bouloupari}', ''),
    ('98813', '98880', 'La Foa',           '{Lafoa}', ''),
    ('98828', '98882', 'Sarraméa',         '{Sarramea}', ''),
    ('98806', '98881', 'Farino',           '{}', ''),
    ('98816', '98819', 'Moindou',          '{}', ''),
    ('98803', '98870', 'Bourail',          '{}', ''),
    ('98827', '98827', 'Poya',             '{}', 'southern part only; the north of Poya belongs to the Province Nord');

CREATE TABLE sectors (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Z_]+$'),
    name     text NOT NULL UNIQUE,
    position smallint NOT NULL UNIQUE
);

INSERT INTO sectors (code, name, position) VALUES
    ('SERVICES',               'Services',                  1),
    ('BTP',                    'BTP',                       2),
    ('COMMERCE',               'Commerce',                  3),
    ('SANTE',                  'Santé',                     4),
    ('AGRICULTURE_PECHE',      'Agriculture et pêche',      5),
    ('PRODUCTION_FABRICATION', 'Production et fabrication', 6),
    ('ALIMENTATION',           'Alimentation',              7),
    ('NUMERIQUE',              'Numérique',                 8),
    ('TOURISME',               'Tourisme',                  9);

-- TGC rates in basis points (1 % = 100) so no float ever touches money.
CREATE TABLE tgc_rates (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]+$'),
    basis_points integer NOT NULL UNIQUE CHECK (basis_points BETWEEN 0 AND 10000),
    label       text NOT NULL
);

INSERT INTO tgc_rates (code, basis_points, label) VALUES
    ('EXEMPT',  0,    'Exonéré (0 %)'),
    ('REDUCED', 300,  'Taux réduit (3 %)'),
    ('SPECIFIC', 600, 'Taux spécifique (6 %)'),
    ('NORMAL',  1100, 'Taux normal (11 %)'),
    ('HIGH',    2200, 'Taux supérieur (22 %)');
