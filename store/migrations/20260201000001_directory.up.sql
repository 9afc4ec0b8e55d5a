-- Directory and matchmaking: French full-text search with typo tolerance, APE labels, distances between the
-- communes, contact requests and private orders.
-- The extensions unaccent and pg_trgm (PostgreSQL contrib) are created by the reference migration; repeated here
-- so this migration stands on its own.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change), so it cannot appear in an index expression or a
-- generated column. This wrapper names the dictionary explicitly and is declared IMMUTABLE: the dictionary ships
-- with the server and is never edited here. Folding = lower case without accents ("Électricité" → "electricite").
CREATE FUNCTION sudpro_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN lower(public.unaccent('public.unaccent'::regdictionary, t));

-- French full-text configuration that ignores accents: unaccent first, then the French Snowball stemmer
-- ("Électriciens" → "electricien", "menuiseries" → "menuiser").
CREATE TEXT SEARCH CONFIGURATION sudpro_fr (COPY = pg_catalog.french);
ALTER TEXT SEARCH CONFIGURATION sudpro_fr
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, french_stem;

-- The query of one typed word: its stem, or any lexeme starting with the stem less its last letter, so that
-- inflections the stemmer keeps apart still meet ("menuisier" → 'menuisi' | 'menuis':*, which matches
-- "menuiserie" → 'menuiser'). A stop word ("de", "la") gives an empty query. IMMUTABLE: a constant argument is
-- folded once when the statement is planned, so the GIN index on search_doc is used.
CREATE FUNCTION sudpro_word_query(w text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN coalesce((
        SELECT string_agg(CASE WHEN length(lexeme) >= 5
                               THEN '(' || quote_literal(lexeme) || ' | ' || quote_literal(left(lexeme, -1)) || ':*)'
                               ELSE quote_literal(lexeme) || ':*' END, ' & ')
        FROM unnest(to_tsvector('sudpro_fr', w))), '')::tsquery;

-- Labels of the NAF rév. 2 APE codes (ISEE), searched with the businesses that carry them.
CREATE TABLE ape_codes (
    code  text PRIMARY KEY CHECK (code ~ '^[0-9]{4}[A-Z]$'),
    label text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 300)
);

INSERT INTO ape_codes (code, label) VALUES
    ('0113Z', 'Culture de légumes, de melons, de racines et de tubercules'),
    ('0125Z', 'Culture d''autres fruits d''arbres ou d''arbustes et de fruits à coque'),
    ('0130Z', 'Reproduction de plantes'),
    ('0142Z', 'Élevage d''autres bovins et de buffles'),
    ('0149Z', 'Élevage d''autres animaux'),
    ('0311Z', 'Pêche en mer'),
    ('0321Z', 'Aquaculture en mer'),
    ('1071C', 'Boulangerie et boulangerie-pâtisserie'),
    ('1071D', 'Pâtisserie'),
    ('1105Z', 'Fabrication de bière'),
    ('1413Z', 'Fabrication de vêtements de dessus'),
    ('1623Z', 'Fabrication de charpentes et d''autres menuiseries'),
    ('1812Z', 'Autre imprimerie (labeur)'),
    ('2042Z', 'Fabrication de parfums et de produits pour la toilette'),
    ('2511Z', 'Fabrication de structures métalliques et de parties de structures'),
    ('3109B', 'Fabrication d''autres meubles et industries connexes de l''ameublement'),
    ('3299Z', 'Autres activités manufacturières n.c.a.'),
    ('4120A', 'Construction de maisons individuelles'),
    ('4312A', 'Travaux de terrassement courants et travaux préparatoires'),
    ('4321A', 'Travaux d''installation électrique dans tous locaux'),
    ('4322A', 'Travaux d''installation d''eau et de gaz en tous locaux'),
    ('4322B', 'Travaux d''installation d''équipements thermiques et de climatisation'),
    ('4332A', 'Travaux de menuiserie bois et PVC'),
    ('4332B', 'Travaux de menuiserie métallique et serrurerie'),
    ('4333Z', 'Travaux de revêtement des sols et des murs'),
    ('4334Z', 'Travaux de peinture et vitrerie'),
    ('4391A', 'Travaux de charpente'),
    ('4391B', 'Travaux de couverture par éléments'),
    ('4399C', 'Travaux de maçonnerie générale et gros œuvre de bâtiment'),
    ('4520A', 'Entretien et réparation de véhicules automobiles légers'),
    ('4532Z', 'Commerce de détail d''équipements automobiles'),
    ('4673A', 'Commerce de gros de bois et de matériaux de construction'),
    ('4711B', 'Commerce d''alimentation générale'),
    ('4741Z', 'Commerce de détail d''ordinateurs, d''unités périphériques et de logiciels en magasin spécialisé'),
    ('4752A', 'Commerce de détail de quincaillerie, peintures et verres en petites surfaces'),
    ('4762Z', 'Commerce de détail de journaux et papeterie en magasin spécialisé'),
    ('4764Z', 'Commerce de détail d''articles de sport en magasin spécialisé'),
    ('4771Z', 'Commerce de détail d''habillement en magasin spécialisé'),
    ('4776Z', 'Commerce de détail de fleurs, plantes, graines, engrais, animaux de compagnie'),
    ('4932Z', 'Transports de voyageurs par taxis'),
    ('4941B', 'Transports routiers de fret de proximité'),
    ('4942Z', 'Services de déménagement'),
    ('5520Z', 'Hébergement touristique et autre hébergement de courte durée'),
    ('5610A', 'Restauration traditionnelle'),
    ('5610C', 'Restauration de type rapide'),
    ('5621Z', 'Services des traiteurs'),
    ('6201Z', 'Programmation informatique'),
    ('6202A', 'Conseil en systèmes et logiciels informatiques'),
    ('6311Z', 'Traitement de données, hébergement et activités connexes'),
    ('6920Z', 'Activités comptables'),
    ('7022Z', 'Conseil pour les affaires et autres conseils de gestion'),
    ('7311Z', 'Activités des agences de publicité'),
    ('7410Z', 'Activités spécialisées de design'),
    ('7420Z', 'Activités photographiques'),
    ('7734Z', 'Location et location-bail de matériels de transport par eau'),
    ('7912Z', 'Activités des voyagistes'),
    ('8010Z', 'Activités de sécurité privée'),
    ('8121Z', 'Nettoyage courant des bâtiments'),
    ('8130Z', 'Services d''aménagement paysager'),
    ('8559A', 'Formation continue d''adultes'),
    ('8621Z', 'Activité des médecins généralistes'),
    ('8623Z', 'Pratique dentaire'),
    ('8690D', 'Activités des infirmiers et des sages-femmes'),
    ('8690E', 'Activités des professionnels de la rééducation, de l''appareillage et des pédicures-podologues'),
    ('8690F', 'Activités de santé humaine non classées ailleurs'),
    ('8810A', 'Aide à domicile'),
    ('9329Z', 'Autres activités récréatives et de loisirs'),
    ('9511Z', 'Réparation d''ordinateurs et d''équipements périphériques'),
    ('9601B', 'Blanchisserie-teinturerie de détail'),
    ('9602A', 'Coiffure'),
    ('9602B', 'Soins de beauté');

-- Straight-line distances in whole kilometres between the main towns of the 14 communes (both directions and
-- each commune to itself), for matchmaking's "same or neighbouring commune". As the crow flies: L'Île-des-Pins
-- is an island and the Chaîne separates the east coast from the west, so road distances are longer.
CREATE TABLE commune_distances (
    from_code text NOT NULL REFERENCES communes (code),
    to_code   text NOT NULL REFERENCES communes (code),
    km        integer NOT NULL CHECK (km >= 0),
    PRIMARY KEY (from_code, to_code)
);

WITH town (code, lat, lon) AS (VALUES
    ('98818', -22.2758, 166.4580),  -- Nouméa
    ('98805', -22.1530, 166.4480),  -- Dumbéa
    ('98821', -22.1330, 166.3580),  -- Païta
    ('98817', -22.2630, 166.5670),  -- Le Mont-Dore (Boulari)
    ('98832', -22.1580, 166.9400),  -- Yaté
    ('98809', -22.6670, 167.4830),  -- L'Île-des-Pins (Vao)
    ('98829', -21.6110, 166.2140),  -- Thio
    ('98802', -21.8650, 166.0500),  -- Boulouparis
    ('98813', -21.7110, 165.8270),  -- La Foa
    ('98828', -21.6390, 165.8460),  -- Sarraméa
    ('98806', -21.6670, 165.7830),  -- Farino
    ('98816', -21.6920, 165.6770),  -- Moindou
    ('98803', -21.5680, 165.4970),  -- Bourail
    ('98827', -21.3450, 165.1570))  -- Poya
INSERT INTO commune_distances (from_code, to_code, km)
SELECT a.code, b.code,
       round(6371 * acos(least(1, sin(radians(a.lat)) * sin(radians(b.lat))
                                 + cos(radians(a.lat)) * cos(radians(b.lat)) * cos(radians(b.lon - a.lon)))))::integer
FROM town a CROSS JOIN town b;

-- The search columns of a business. search_doc is the weighted French document (names A, keywords B, APE label
-- C, description and commune D); search_words the short fields folded (lower case, no accents) for trigram typo
-- tolerance: names, keywords, APE label and commune, not the description, whose many words would make fuzzy
-- matches both slow to check and too loose; search_names the folded names only, for nameContains and for ranking name matches. search_doc and
-- search_words read the APE label and the commune's names from other tables, so a trigger maintains them.
ALTER TABLE enterprises
    ADD COLUMN search_doc   tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_words text NOT NULL DEFAULT '',
    ADD COLUMN search_names text GENERATED ALWAYS AS (sudpro_fold(name || ' ' || trade_name)) STORED;

CREATE FUNCTION enterprises_search_columns() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ape_label text;
    commune   text;
BEGIN
    SELECT label INTO ape_label FROM ape_codes WHERE code = NEW.ape_code;
    SELECT c.name || ' ' || array_to_string(c.aliases, ' ') INTO commune FROM communes c WHERE c.code = NEW.commune_code;
    NEW.search_doc :=
           setweight(to_tsvector('sudpro_fr', NEW.name || ' ' || NEW.trade_name), 'A')
        || setweight(to_tsvector('sudpro_fr', array_to_string(NEW.keywords, ' ')), 'B')
        || setweight(to_tsvector('sudpro_fr', coalesce(ape_label, '')), 'C')
        || setweight(to_tsvector('sudpro_fr', NEW.description || ' ' || coalesce(commune, '')), 'D');
    NEW.search_words := sudpro_fold(concat_ws(' ', NEW.name, NEW.trade_name, array_to_string(NEW.keywords, ' '),
                                              ape_label, commune));
    RETURN NEW;
END $$;

CREATE TRIGGER enterprises_search_columns
    BEFORE INSERT OR UPDATE OF name, trade_name, keywords, ape_code, description, commune_code ON enterprises
    FOR EACH ROW EXECUTE FUNCTION enterprises_search_columns();

-- Fill the columns of the businesses registered before this migration.
UPDATE enterprises SET name = name;

-- Full-text search: `search_doc @@ query` for every typed word is answered from this index (bitmap AND of the
-- words) instead of reading all 50,000 documents. Used by ADMIN and AGENT searches, which see every business.
CREATE INDEX enterprises_search_doc_idx ON enterprises USING gin (search_doc);
-- The same for the public directory (listed and ACTIVE), which anonymous, CHAMBER and ENTERPRISE callers search:
-- without it the planner prefers the B-tree partial index on listed businesses and then checks the words of
-- every listed business (measured: 33,000 rows filtered, 60 ms, instead of a few ms from the GIN bitmaps).
CREATE INDEX enterprises_listed_search_doc_idx ON enterprises USING gin (search_doc)
    WHERE listed_in_directory AND status = 'ACTIVE';
-- Typo tolerance: `word <% search_words` (pg_trgm word similarity, "plombrie" ~ "plomberie") uses trigram
-- GIN; without it every fuzzy word would compare trigrams against every business. Full and public directory.
CREATE INDEX enterprises_search_words_trgm_idx ON enterprises USING gin (search_words gin_trgm_ops);
CREATE INDEX enterprises_listed_search_words_trgm_idx ON enterprises USING gin (search_words gin_trgm_ops)
    WHERE listed_in_directory AND status = 'ACTIVE';
-- nameContains (accent-insensitive substring, LIKE '%…%') on names: trigrams let PostgreSQL use an index for an
-- infix pattern, which a B-tree cannot.
CREATE INDEX enterprises_search_names_trgm_idx ON enterprises USING gin (search_names gin_trgm_ops);
-- APE prefix filter (`ape_code LIKE '43%'`): text_pattern_ops lets a B-tree answer a prefix LIKE under any collation.
CREATE INDEX enterprises_ape_prefix_idx ON enterprises (ape_code text_pattern_ops);

-- Mise en relation: a business asks another to get in touch (SENT), which accepts or declines it.
CREATE TABLE contact_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender_id    bigint NOT NULL REFERENCES enterprises (id),
    recipient_id bigint NOT NULL REFERENCES enterprises (id),
    status       text NOT NULL DEFAULT 'SENT' CHECK (status IN ('SENT','ACCEPTED','DECLINED')),
    message      text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
    sent_at      timestamptz NOT NULL DEFAULT now(),
    answered_at  timestamptz,
    CHECK (sender_id <> recipient_id),
    CHECK ((status = 'SENT') = (answered_at IS NULL))
);
-- One open request per pair of businesses, whichever sent it: a second is refused (23505) even under concurrency.
CREATE UNIQUE INDEX contact_requests_open_pair_idx
    ON contact_requests (least(sender_id, recipient_id), greatest(sender_id, recipient_id)) WHERE status = 'SENT';
-- "My requests", sent and received, latest first (keyset on sent_at, id).
CREATE INDEX contact_requests_sender_idx ON contact_requests (sender_id, sent_at DESC, id DESC);
CREATE INDEX contact_requests_recipient_idx ON contact_requests (recipient_id, sent_at DESC, id DESC);

-- An order placed between two businesses after an accepted request, paid outside CréditSud. The buyer is the
-- request's sender, the seller its recipient.
CREATE TABLE private_orders (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_request_id bigint NOT NULL REFERENCES contact_requests (id),
    buyer_id           bigint NOT NULL REFERENCES enterprises (id),
    seller_id          bigint NOT NULL REFERENCES enterprises (id),
    description        text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    amount_ht          bigint NOT NULL CHECK (amount_ht > 0),
    amount_ttc         bigint NOT NULL CHECK (amount_ttc >= amount_ht),
    ordered_on         date NOT NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (buyer_id <> seller_id)
);
-- Business done per business sums its orders as buyer and as seller.
CREATE INDEX private_orders_buyer_idx ON private_orders (buyer_id);
CREATE INDEX private_orders_seller_idx ON private_orders (seller_id);
CREATE INDEX private_orders_request_idx ON private_orders (contact_request_id);
