package seed

import "sudpro/model"

// The tables below are the demo profile's vocabulary: read-only package data, never mutated. Business names,
// descriptions and invoice lines are built from them by demo.go.
//
// Name templates use these placeholders (see demoBuilder.expand):
//
//	{L}  the trade's label ("Électricité")      {S}  the representative's surname
//	{F}  the representative's first name        {C}  the commune's name ("Païta")
//	{DC} "de"/"du" + the commune ("du Mont-Dore") {AC} "à"/"au" + the commune ("au Mont-Dore")
//	{X}  a flavour word ("Pacifique", "Cagou"…)
//	{FF} a woman's first name ("Mamie {FF}")    {FM} a man's first name ("Tonton {FM}")
//	{Y}  a year the business started (descriptions only)

// activity is a trade: its platform sector, its NAF rév. 2 APE code, how businesses of that trade are named and
// described, and what they invoice.
type activity struct {
	sector  string
	ape     string
	label   string // the trade word used in business names
	weight  int    // relative frequency within the sector
	patente int    // percentage of patentés (sole traders) among businesses of this trade
	// generic adds the generic name templates ("{L} {S}", "{L} {DC}"…) to names.
	generic      bool
	names        []string
	descriptions []string
	keywords     []string // 3 to 6 of them are drawn for each business
	products     []product
}

// product is a typical invoice line of a trade: unit prices are drawn between min and max HT, quantities between
// minQty and maxQty, and the TGC rate follows New Caledonia's rules (services 6 %, goods 11 %, food and local
// products 3 %, alcohol and sugary drinks 22 %, care exempt).
type product struct {
	designation    string
	minQty, maxQty int64
	min, max       model.XPF
	rate           string
}

// TGC rate codes of the tgc_rates table.
const (
	rateExempt   = "EXEMPT"
	rateReduced  = "REDUCED"
	rateSpecific = "SPECIFIC"
	rateNormal   = "NORMAL"
	rateHigh     = "HIGH"
)

// Platform sector codes (sectors table).
const (
	sectorServices     = "SERVICES"
	sectorBTP          = "BTP"
	sectorCommerce     = "COMMERCE"
	sectorSante        = "SANTE"
	sectorAgriculture  = "AGRICULTURE_PECHE"
	sectorProduction   = "PRODUCTION_FABRICATION"
	sectorAlimentation = "ALIMENTATION"
	sectorNumerique    = "NUMERIQUE"
	sectorTourisme     = "TOURISME"
)

// sectorShare is a sector and its share of registrants in thousandths: the mid-2025 split (voixducaillou.nc,
// 27 June 2025: services 38 %, BTP 21 %, commerce 13 %, santé 7 %, agriculture & pêche 7 %, production 5 %), the
// last 9 % shared by alimentation, numérique and tourisme.
type sectorShare struct {
	code   string
	permil int
}

var demoSectorShares = []sectorShare{
	{sectorServices, 380}, {sectorBTP, 210}, {sectorCommerce, 130}, {sectorSante, 70}, {sectorAgriculture, 70},
	{sectorProduction, 50}, {sectorAlimentation, 34}, {sectorNumerique, 32}, {sectorTourisme, 24},
}

// communeInfo is a commune of the Province Sud (its ISEE code, as in the communes table) with what names and
// phone numbers need, and its share of demo businesses in thousandths: Nouméa held 78 % of registrants
// (lnc.nc, May 2025), the Grand Nouméa communes most of the rest, every commune at least a few.
type communeInfo struct {
	code   string
	name   string
	of     string // "de Païta", "du Mont-Dore": for names such as "Plomberie du Mont-Dore"
	at     string // "à Païta", "au Mont-Dore": for descriptions
	permil int
	rural  bool   // the brousse: where farms, fishing and gîtes are
	phone  string // first digit pair of its landlines
}

var demoCommunes = []communeInfo{
	{"98818", "Nouméa", "de Nouméa", "à Nouméa", 780, false, "2"},
	{"98805", "Dumbéa", "de Dumbéa", "à Dumbéa", 60, false, "41"},
	{"98821", "Païta", "de Païta", "à Païta", 50, false, "35"},
	{"98817", "Le Mont-Dore", "du Mont-Dore", "au Mont-Dore", 44, false, "43"},
	{"98803", "Bourail", "de Bourail", "à Bourail", 14, true, "44"},
	{"98813", "La Foa", "de La Foa", "à La Foa", 10, true, "44"},
	{"98802", "Boulouparis", "de Boulouparis", "à Boulouparis", 8, true, "35"},
	{"98809", "L'Île-des-Pins", "de l'Île-des-Pins", "à l'Île-des-Pins", 6, true, "46"},
	{"98829", "Thio", "de Thio", "à Thio", 6, true, "44"},
	{"98832", "Yaté", "de Yaté", "à Yaté", 6, true, "46"},
	{"98827", "Poya", "de Poya", "à Poya", 4, true, "47"},
	{"98828", "Sarraméa", "de Sarraméa", "à Sarraméa", 4, true, "44"},
	{"98806", "Farino", "de Farino", "à Farino", 4, true, "44"},
	{"98816", "Moindou", "de Moindou", "à Moindou", 4, true, "44"},
}

// legalFormShare is a legal form and its weight among companies (patentés are drawn first, per trade).
type legalFormShare struct {
	form   model.LegalForm
	weight int
}

var demoCompanyForms = []legalFormShare{
	{model.LegalFormSARL, 400}, {model.LegalFormEURL, 180}, {model.LegalFormSASU, 150}, {model.LegalFormSAS, 110},
	{model.LegalFormSNC, 30}, {model.LegalFormSA, 20}, {model.LegalFormGDPL, 100}, {model.LegalFormAssociation, 40},
	{model.LegalFormGIE, 10}, {model.LegalFormOther, 20},
}

// community is a group of New Caledonian family and first names, weighted by how often the demo uses it.
type community struct {
	weight   int
	surnames []string
	men      []string
	women    []string
}

var demoCommunities = []community{
	{ // European and Caldoche families
		weight: 40,
		surnames: []string{"Martin", "Dubois", "Lafleur", "Pentecost", "Ohlen", "Lagarde", "Magnier", "Guépy",
			"Chatenay", "Daly", "Vigouroux", "Moglia", "Delathière", "Sanchez", "Rolland", "Petit", "Moreau",
			"Garnier", "Lefèvre", "Rousseau", "Bonnet", "Fontaine", "Girard", "Faure", "Leroux", "Colomina",
			"Ventura", "Bouteiller", "Creugnet", "Duval", "Pons", "Desoutter", "Barrau", "Jeanneret", "Lenormand"},
		men: []string{"Jean-Marc", "Stéphane", "Christophe", "Sébastien", "Mathieu", "Yannick", "Cédric",
			"Thierry", "Gilles", "Franck", "Olivier", "Nicolas", "Julien", "Philippe", "Laurent", "Patrick"},
		women: []string{"Sandrine", "Lucienne", "Nathalie", "Vanessa", "Laetitia", "Élodie", "Karine", "Sophie",
			"Christelle", "Aurélie", "Isabelle", "Muriel", "Ghislaine", "Josette", "Céline", "Marie-Laure"},
	},
	{ // Kanak families
		weight: 30,
		surnames: []string{"Wamytan", "Gope", "Tein", "Kaloi", "Ihage", "Wahetra", "Kasarhérou", "Wapotro",
			"Poigoune", "Wéa", "Hnawia", "Trolue", "Waheo", "Bealo", "Hmae", "Wanabo", "Xowie", "Ounou", "Boewa",
			"Nekaré", "Kotra", "Wakaine", "Tidjine", "Wenisso", "Hnepeune", "Washetine", "Kaouma", "Neaoutyine",
			"Thidjine", "Gowé", "Wadrawane", "Poédi"},
		men: []string{"Jean-Marc", "Emmanuel", "Joseph", "Pierre-Chanel", "Rock", "Charles", "Wassissi", "Hnadro",
			"Déwé", "Jacques", "Paul", "Alphonse", "Gérard", "Yann", "Léopold", "Roch"},
		women: []string{"Marie-Claude", "Josiane", "Jacqueline", "Wassia", "Louise", "Hélène", "Madeleine",
			"Yvette", "Marie-Paule", "Henriette", "Sylvia", "Prisca", "Denise", "Ida", "Chantal", "Angèle"},
	},
	{ // Wallisian and Futunian families
		weight: 13,
		surnames: []string{"Tuilagi", "Falelavaki", "Taofifenua", "Lauhea", "Motuhi", "Tuifua", "Takaniko",
			"Fiafialoto", "Vaitanaki", "Folituu", "Kolokilagi", "Tauvale", "Manuohalalo", "Uhila", "Tialetagi"},
		men:   []string{"Sione", "Petelo", "Soane", "Aloisio", "Mikaele", "Penisio", "Malakai", "Tomasi", "Kamilo"},
		women: []string{"Malia", "Kalolaine", "Falakika", "Lusia", "Sesilia", "Telesia", "Mele", "Atelea"},
	},
	{ // Vietnamese families
		weight:   7,
		surnames: []string{"Nguyen", "Tran", "Le", "Pham", "Vo", "Dang", "Truong", "Huynh", "Ho", "Lam"},
		men:      []string{"Van Minh", "Thanh", "Michel", "Hoang", "Pascal", "Duc", "Alain"},
		women:    []string{"Thi Lan", "Mai", "Hoa", "Annie", "Linh", "Thu", "Marie"},
	},
	{ // Javanese families
		weight:   5,
		surnames: []string{"Sarimin", "Kromo", "Wirjo", "Soekarjo", "Darsono", "Pawirosono", "Sukimin", "Sadimin"},
		men:      []string{"Sutrisno", "Ahmad", "Slamet", "Bambang", "Joko", "Rudy"},
		women:    []string{"Siti", "Wati", "Yanti", "Sri", "Ratna", "Nanik"},
	},
	{ // Tahitian families
		weight:   5,
		surnames: []string{"Tehei", "Maitere", "Teriitehau", "Tauira", "Temarii", "Tehaamoana"},
		men:      []string{"Teva", "Heimana", "Tamatoa", "Moana", "Manuarii"},
		women:    []string{"Vaea", "Hinano", "Moerani", "Tiare", "Heiata"},
	},
}

// demoFlavours are the words New Caledonian businesses put in their names.
var demoFlavours = []string{"Services", "Pro", "Express", "Calédonie", "Pacifique", "Sud", "Lagon", "Cagou",
	"Niaouli", "Kaori", "Caillou", "Océanie", "Kanak Services", "Tropic", "Horizon", "Plus", "NC", "Récif"}

// genericNames are the name templates every trade with generic set may use.
var genericNames = []string{"{L} {S}", "{L} {DC}", "{L} {X}", "{X} {L}", "{S} {L}"}

// personalDomains and professionalDomains are the mail domains of the demo's addresses.
var (
	personalDomains     = []string{"gmail.com", "lagoon.nc", "mls.nc", "canl.nc", "outlook.fr", "yahoo.fr"}
	professionalDomains = []string{"lagoon.nc", "mls.nc", "canl.nc", "gmail.com"}
)

// excludedLine is an invoice line that a session's rules exclude, added to invoices rejected for that reason.
type excludedLine struct {
	category model.ExpenseCategory
	product  product
}

var demoExcludedLines = []excludedLine{
	{model.ExpenseFuel, product{"Carburant gazole — déplacements chantier", 40, 120, 150, 175, rateNormal}},
	{model.ExpenseRent, product{"Loyer du local professionnel (mois)", 1, 1, 85000, 160000, rateSpecific}},
	{model.ExpenseOperatingCosts, product{"Abonnement téléphone et internet (mois)", 1, 3, 6500, 12000, rateSpecific}},
}

var demoHardwareLines = []product{
	{"Ordinateur portable 15\" (fourniture)", 1, 2, 95000, 160000, rateNormal},
	{"Écran 27\" et station d'accueil (fourniture)", 1, 2, 45000, 70000, rateNormal},
	{"Imprimante laser multifonction (fourniture)", 1, 1, 55000, 90000, rateNormal},
}

// demoActivities are the trades of the demo's businesses, by sector.
var demoActivities = []activity{
	// --- Services ---
	{sector: sectorServices, ape: "8121Z", label: "Nettoyage", weight: 14, patente: 50, generic: true,
		names: []string{"Propreté {X}", "Net {X}", "Clean {DC}", "{S} Nettoyage & Services"},
		descriptions: []string{
			"Nettoyage de bureaux, de commerces et de fins de chantier {AC} et dans le Grand Nouméa. Interventions ponctuelles ou contrats d'entretien réguliers.",
			"Entreprise de propreté créée en {Y} : entretien de locaux professionnels, vitrerie et remise en état après travaux.",
		},
		keywords: []string{"nettoyage", "entretien de bureaux", "vitrerie", "fin de chantier", "propreté", "désinfection"},
		products: []product{
			{"Nettoyage de bureaux (forfait mensuel)", 1, 1, 45000, 120000, rateSpecific},
			{"Nettoyage de fin de chantier", 1, 1, 60000, 180000, rateSpecific},
			{"Lavage des vitres (heure)", 2, 8, 3500, 4500, rateSpecific},
			{"Shampoing moquette (m²)", 20, 120, 450, 700, rateSpecific},
		}},
	{sector: sectorServices, ape: "8130Z", label: "Jardins", weight: 14, patente: 60, generic: true,
		names: []string{"Paysagiste {S}", "Les Jardins {DC}", "Espaces Verts {X}", "{F} {S} — Jardinage", "Jardin {X}"},
		descriptions: []string{
			"Création et entretien de jardins {AC} : tonte, taille de haies, élagage, débroussaillage et évacuation des déchets verts.",
			"Paysagiste depuis {Y}. Aménagement d'espaces verts, arrosage automatique et plantes endémiques de Nouvelle-Calédonie.",
		},
		keywords: []string{"jardinage", "paysagisme", "élagage", "débroussaillage", "tonte", "espaces verts", "arrosage automatique"},
		products: []product{
			{"Entretien espaces verts (forfait mensuel)", 1, 1, 25000, 75000, rateSpecific},
			{"Élagage et évacuation des déchets verts", 1, 1, 45000, 140000, rateSpecific},
			{"Débroussaillage de terrain (heure)", 4, 16, 4500, 6000, rateSpecific},
			{"Fourniture et plantation de haie (plant)", 10, 40, 1800, 3500, rateReduced},
		}},
	{sector: sectorServices, ape: "6920Z", label: "Comptabilité", weight: 9, patente: 25,
		names: []string{"Cabinet {S}", "{S} Expertise Comptable", "Compta {X}", "Cabinet comptable {DC}", "Compta {DC}"},
		descriptions: []string{
			"Tenue de comptabilité, déclarations de TGC et de patente, bilans et accompagnement des TPE et patentés {DC}.",
			"Cabinet créé en {Y} : comptabilité, paie, conseil fiscal et aide à la création d'entreprise en Nouvelle-Calédonie.",
		},
		keywords: []string{"comptabilité", "TGC", "bilan", "paie", "fiscalité", "création d'entreprise"},
		products: []product{
			{"Tenue de comptabilité (trimestre)", 1, 1, 45000, 120000, rateSpecific},
			{"Établissement du bilan annuel", 1, 1, 120000, 280000, rateSpecific},
			{"Déclarations de TGC (forfait annuel)", 1, 1, 30000, 60000, rateSpecific},
			{"Bulletins de paie (par salarié et par mois)", 1, 6, 3500, 5000, rateSpecific},
		}},
	{sector: sectorServices, ape: "7022Z", label: "Conseil", weight: 10, patente: 55, generic: true,
		names: []string{"{S} Conseil", "{X} Conseil", "Cabinet {S}", "Stratégie {X}"},
		descriptions: []string{
			"Conseil en gestion et en organisation pour les petites entreprises {DC} : plan d'affaires, recherche de financements, dossiers d'aides provinciales.",
			"Accompagnement des porteurs de projet depuis {Y} : études de marché, prévisionnels et formation à la gestion.",
		},
		keywords: []string{"conseil", "gestion", "business plan", "financement", "accompagnement", "organisation"},
		products: []product{
			{"Accompagnement à la création d'entreprise (forfait)", 1, 1, 80000, 220000, rateSpecific},
			{"Étude de marché", 1, 1, 150000, 350000, rateSpecific},
			{"Journée de conseil", 1, 3, 55000, 85000, rateSpecific},
			{"Montage de dossier de financement", 1, 1, 60000, 150000, rateSpecific},
		}},
	{sector: sectorServices, ape: "7410Z", label: "Graphisme", weight: 7, patente: 70, generic: true,
		names: []string{"Studio {S}", "Atelier Graphique {X}", "{F} {S} — Design graphique", "Studio {X}"},
		descriptions: []string{
			"Graphiste indépendant {AC} : logos, chartes graphiques, flyers, affiches et supports de communication pour les entreprises et associations.",
			"Studio de création graphique depuis {Y} : identité visuelle, mise en page et illustrations inspirées du Pacifique.",
		},
		keywords: []string{"graphisme", "logo", "charte graphique", "flyer", "identité visuelle", "PAO"},
		products: []product{
			{"Création de logo et charte graphique", 1, 1, 60000, 180000, rateSpecific},
			{"Conception d'un flyer recto verso", 1, 2, 18000, 35000, rateSpecific},
			{"Mise en page d'une plaquette commerciale (page)", 4, 12, 6000, 9500, rateSpecific},
		}},
	{sector: sectorServices, ape: "9602A", label: "Coiffure", weight: 12, patente: 65, generic: true,
		names: []string{"Salon {FF}", "Coiffure {S}", "L'Atelier de {FF}", "Hair {X}", "{F} {S} — Coiffure"},
		descriptions: []string{
			"Salon de coiffure mixte {AC} : coupes, couleurs, lissages et tressages, avec ou sans rendez-vous.",
			"Coiffeur à domicile depuis {Y} : coupes hommes, femmes et enfants, coiffures de mariage et de fêtes.",
		},
		keywords: []string{"coiffure", "coiffeur", "barbier", "coloration", "tresses", "mariage"},
		products: []product{
			{"Coupe et brushing", 1, 6, 3500, 6500, rateSpecific},
			{"Coloration", 1, 4, 7000, 12000, rateSpecific},
			{"Coiffure de mariage (forfait)", 1, 1, 25000, 45000, rateSpecific},
			{"Produits capillaires (vente)", 1, 6, 1800, 4500, rateNormal},
		}},
	{sector: sectorServices, ape: "9602B", label: "Beauté", weight: 9, patente: 70,
		names: []string{"Institut {FF}", "Beauté {X}", "Spa {X}", "L'Instant Beauté {DC}", "{F} {S} — Esthétique"},
		descriptions: []string{
			"Institut de beauté {AC} : soins du visage, épilations, manucure et massages relaxants aux huiles de monoï et de niaouli.",
			"Esthéticienne diplômée depuis {Y}, à l'institut ou à domicile : soins, onglerie et maquillage de soirée.",
		},
		keywords: []string{"esthétique", "institut de beauté", "manucure", "massage", "épilation", "soins du visage"},
		products: []product{
			{"Soin du visage", 1, 4, 6500, 11000, rateSpecific},
			{"Massage relaxant (1 h)", 1, 4, 7000, 10000, rateSpecific},
			{"Pose de vernis semi-permanent", 1, 4, 4000, 6000, rateSpecific},
			{"Coffret de soins (vente)", 1, 3, 5500, 12000, rateNormal},
		}},
	{sector: sectorServices, ape: "4932Z", label: "Taxi", weight: 8, patente: 90,
		names: []string{"Taxi {C} Express", "Taxi {FM} {S}", "Taxi {X}", "{F} {S} — Taxi", "Allo Taxi {DC}"},
		descriptions: []string{
			"Taxi conventionné {AC} : transferts aéroport de La Tontouta, transport de malades assis, courses en ville et en brousse.",
			"Chauffeur de taxi depuis {Y}, véhicule climatisé 7 places, disponible 7 j/7 sur réservation.",
		},
		keywords: []string{"taxi", "transport de personnes", "aéroport", "La Tontouta", "navette", "transfert"},
		products: []product{
			{"Transfert aéroport de La Tontouta", 1, 4, 9000, 14000, rateReduced},
			{"Course en ville", 2, 10, 1500, 3500, rateReduced},
			{"Mise à disposition véhicule avec chauffeur (journée)", 1, 2, 35000, 55000, rateReduced},
		}},
	{sector: sectorServices, ape: "4942Z", label: "Déménagement", weight: 4, patente: 40, generic: true,
		names: []string{"Déménagements {S}", "Trans'{X}", "{X} Déménagement", "Déménageurs {DC}"},
		descriptions: []string{
			"Déménagements de particuliers et d'entreprises {AC}, sur la Grande Terre et vers les îles : emballage, transport et garde-meubles.",
			"Depuis {Y}, déménagement, manutention et transport de mobilier avec camion capitonné.",
		},
		keywords: []string{"déménagement", "garde-meubles", "manutention", "transport", "camion", "emballage"},
		products: []product{
			{"Déménagement local (forfait camion 20 m³ + 3 déménageurs)", 1, 1, 75000, 160000, rateSpecific},
			{"Cartons et matériel d'emballage", 10, 60, 250, 600, rateNormal},
			{"Manutention (heure-homme)", 4, 24, 3000, 4200, rateSpecific},
		}},
	{sector: sectorServices, ape: "4520A", label: "Garage", weight: 12, patente: 55, generic: true,
		names: []string{"Garage {S}", "Garage {DC}", "Auto {X}", "Méca {X}", "{F} {S} — Mécanique auto"},
		descriptions: []string{
			"Garage {AC} : entretien toutes marques, vidange, freinage, climatisation automobile et préparation au contrôle technique.",
			"Mécanicien automobile depuis {Y}, spécialiste des 4x4 et des pick-up de brousse.",
		},
		keywords: []string{"mécanique auto", "garage", "vidange", "freinage", "4x4", "entretien", "diagnostic"},
		products: []product{
			{"Vidange et filtres (forfait)", 1, 2, 14000, 26000, rateSpecific},
			{"Remplacement plaquettes et disques de frein", 1, 1, 35000, 75000, rateSpecific},
			{"Main-d'œuvre mécanique (heure)", 1, 8, 6500, 8500, rateSpecific},
			{"Pièces détachées", 1, 4, 5000, 45000, rateNormal},
			{"Recharge climatisation automobile", 1, 1, 9000, 15000, rateSpecific},
		}},
	{sector: sectorServices, ape: "7420Z", label: "Photo", weight: 5, patente: 75, generic: true,
		names: []string{"{F} {S} Photographie", "Studio Photo {X}", "Objectif {X}", "Regard {X}"},
		descriptions: []string{
			"Photographe professionnel {AC} : reportages d'entreprise, packshots, mariages et portraits, en studio ou en extérieur.",
			"Photographe et vidéaste depuis {Y} : prises de vue aériennes par drone, événements et communication.",
		},
		keywords: []string{"photographie", "photographe", "reportage", "mariage", "drone", "portrait"},
		products: []product{
			{"Reportage photo d'entreprise (demi-journée)", 1, 1, 45000, 85000, rateSpecific},
			{"Prises de vue par drone", 1, 1, 35000, 70000, rateSpecific},
			{"Retouche et livraison des photos (forfait)", 1, 1, 15000, 30000, rateSpecific},
		}},
	{sector: sectorServices, ape: "8010Z", label: "Sécurité", weight: 4, patente: 20, generic: true,
		names: []string{"{X} Sécurité", "Sécurité {S}", "Gardiennage {DC}"},
		descriptions: []string{
			"Gardiennage, surveillance de chantiers et sécurité d'événements {AC} et dans le Grand Nouméa.",
			"Agents de sécurité qualifiés depuis {Y} : rondes, télésurveillance et intervention sur alarme.",
		},
		keywords: []string{"sécurité", "gardiennage", "surveillance", "alarme", "événementiel", "agent de sécurité"},
		products: []product{
			{"Gardiennage de chantier (nuit)", 2, 10, 18000, 26000, rateSpecific},
			{"Agent de sécurité événementiel (heure)", 8, 40, 2800, 3800, rateSpecific},
			{"Abonnement télésurveillance (mois)", 1, 3, 9000, 15000, rateSpecific},
		}},
	{sector: sectorServices, ape: "8559A", label: "Formation", weight: 5, patente: 55, generic: true,
		names: []string{"{S} Formation", "Formation {X}", "Institut {X}", "Compétences {X}"},
		descriptions: []string{
			"Organisme de formation {AC} : sauveteur secouriste du travail, habilitations électriques, bureautique et gestion.",
			"Formations professionnelles depuis {Y}, en centre ou dans l'entreprise, en français et en langues kanak.",
		},
		keywords: []string{"formation", "SST", "habilitation électrique", "bureautique", "formation professionnelle", "secourisme"},
		products: []product{
			{"Formation sauveteur secouriste du travail (stagiaire)", 2, 10, 18000, 28000, rateSpecific},
			{"Formation bureautique (journée)", 1, 3, 55000, 90000, rateSpecific},
			{"Habilitation électrique (stagiaire)", 1, 6, 25000, 38000, rateSpecific},
		}},
	{sector: sectorServices, ape: "4941B", label: "Transports", weight: 5, patente: 50, generic: true,
		names: []string{"Transports {S}", "Transports {DC}", "{X} Fret", "Benne {X}"},
		descriptions: []string{
			"Transport de marchandises et de matériaux au départ {DC}, camion-benne et plateau, sur toute la Grande Terre.",
			"Transporteur depuis {Y} : livraisons, évacuation de gravats, transport d'engins.",
		},
		keywords: []string{"transport de marchandises", "camion-benne", "livraison", "gravats", "plateau", "fret"},
		products: []product{
			{"Rotation camion-benne 10 m³", 1, 8, 14000, 22000, rateSpecific},
			{"Transport d'engin sur plateau", 1, 2, 35000, 65000, rateSpecific},
			{"Livraison de matériaux (forfait)", 1, 3, 9000, 18000, rateSpecific},
		}},
	{sector: sectorServices, ape: "8810A", label: "Aide à domicile", weight: 4, patente: 60,
		names: []string{"{X} Aide à Domicile", "Services à la personne {DC}", "{F} {S} — Aide à domicile", "Allo Mamie {X}"},
		descriptions: []string{
			"Aide à domicile pour les personnes âgées {AC} : ménage, repas, courses et accompagnement aux rendez-vous.",
			"Services à la personne depuis {Y} : garde de jour, aide aux gestes du quotidien et petits travaux.",
		},
		keywords: []string{"aide à domicile", "personnes âgées", "services à la personne", "ménage", "accompagnement"},
		products: []product{
			{"Aide à domicile (heure)", 10, 40, 2800, 3500, rateReduced},
			{"Accompagnement aux rendez-vous (forfait)", 1, 4, 5000, 9000, rateReduced},
		}},
	{sector: sectorServices, ape: "7311Z", label: "Communication", weight: 4, patente: 45, generic: true,
		names: []string{"Agence {X}", "{S} Communication", "Com' {X}", "Agence Cagou Média"},
		descriptions: []string{
			"Agence de communication {AC} : réseaux sociaux, publicité, événements et relations presse pour les entreprises calédoniennes.",
			"Depuis {Y}, stratégie de communication, community management et campagnes radio.",
		},
		keywords: []string{"communication", "réseaux sociaux", "publicité", "événementiel", "community management", "marketing"},
		products: []product{
			{"Gestion des réseaux sociaux (mois)", 1, 3, 45000, 95000, rateSpecific},
			{"Campagne publicitaire (conception)", 1, 1, 80000, 200000, rateSpecific},
			{"Organisation d'un événement (forfait)", 1, 1, 120000, 300000, rateSpecific},
		}},
	{sector: sectorServices, ape: "9601B", label: "Pressing", weight: 3, patente: 55, generic: true,
		names: []string{"Pressing {DC}", "Blanchisserie {X}", "Pressing {S}"},
		descriptions: []string{
			"Pressing et blanchisserie {AC} : linge des particuliers, des restaurants et des gîtes, collecte et livraison.",
			"Blanchisserie depuis {Y}, nettoyage à sec et repassage.",
		},
		keywords: []string{"pressing", "blanchisserie", "repassage", "nettoyage à sec", "linge"},
		products: []product{
			{"Blanchisserie linge professionnel (kg)", 20, 120, 450, 700, rateSpecific},
			{"Nettoyage à sec (pièce)", 2, 15, 900, 2500, rateSpecific},
		}},

	// --- BTP ---
	{sector: sectorBTP, ape: "4321A", label: "Électricité", weight: 20, patente: 50, generic: true,
		names: []string{"Électricité Kanak Services", "Élec {X}", "{S} Électricité", "{F} {S} — Électricité générale", "Électricité Générale {DC}"},
		descriptions: []string{
			"Électricien {AC} : installations neuves, rénovation, mise aux normes, tableaux électriques et dépannage rapide pour particuliers et professionnels.",
			"Électricité générale depuis {Y} : courants forts et faibles, éclairage extérieur, bornes de recharge et photovoltaïque.",
		},
		keywords: []string{"électricité", "électricien", "dépannage", "tableau électrique", "mise aux normes", "éclairage", "photovoltaïque"},
		products: []product{
			{"Remplacement tableau électrique", 1, 1, 95000, 185000, rateSpecific},
			{"Mise aux normes installation électrique", 1, 1, 150000, 380000, rateSpecific},
			{"Pose de prises et interrupteurs", 4, 15, 4500, 8500, rateSpecific},
			{"Dépannage électrique (heure)", 1, 6, 6500, 9000, rateSpecific},
			{"Fourniture câble 2,5 mm² (rouleau 100 m)", 1, 3, 14000, 19000, rateNormal},
		}},
	{sector: sectorBTP, ape: "4322A", label: "Plomberie", weight: 16, patente: 55, generic: true,
		names: []string{"Plomberie {DC}", "{S} Plomberie Sanitaire", "Plombier {X}", "{F} {S} — Plomberie"},
		descriptions: []string{
			"Plombier {AC} : recherche de fuites, sanitaires, chauffe-eau solaires et électriques, débouchage et réseaux d'eau.",
			"Plomberie et sanitaire depuis {Y} : salles de bain clés en main et installation de chauffe-eau solaires.",
		},
		keywords: []string{"plomberie", "plombier", "fuite", "chauffe-eau solaire", "sanitaire", "débouchage"},
		products: []product{
			{"Remplacement chauffe-eau électrique 200 L", 1, 1, 120000, 190000, rateSpecific},
			{"Installation chauffe-eau solaire 300 L", 1, 1, 280000, 420000, rateSpecific},
			{"Recherche et réparation de fuite", 1, 1, 18000, 45000, rateSpecific},
			{"Fourniture robinetterie et raccords", 1, 5, 3500, 18000, rateNormal},
			{"Main-d'œuvre plomberie (heure)", 2, 8, 6000, 8500, rateSpecific},
		}},
	{sector: sectorBTP, ape: "4322B", label: "Climatisation", weight: 10, patente: 45, generic: true,
		names: []string{"Clim {X}", "Froid {X}", "{S} Climatisation", "Air {X}", "Clim'Service {DC}"},
		descriptions: []string{
			"Installation, entretien et dépannage de climatiseurs et de chambres froides {AC}. Techniciens habilités fluides frigorigènes.",
			"Frigoriste depuis {Y} : climatisation réversible, VMC et froid commercial pour snacks et commerces.",
		},
		keywords: []string{"climatisation", "clim", "froid", "chambre froide", "entretien", "frigoriste"},
		products: []product{
			{"Fourniture et pose climatiseur split 12 000 BTU", 1, 2, 145000, 210000, rateSpecific},
			{"Entretien climatiseur (unité)", 1, 6, 8000, 12000, rateSpecific},
			{"Recharge gaz réfrigérant", 1, 2, 12000, 22000, rateSpecific},
			{"Dépannage chambre froide", 1, 1, 35000, 90000, rateSpecific},
		}},
	{sector: sectorBTP, ape: "4332A", label: "Menuiserie", weight: 12, patente: 50, generic: true,
		names: []string{"Menuiserie {S}", "Menuiserie {DC}", "Bois {X}", "Menuiserie du Kaori", "{F} {S} — Menuiserie"},
		descriptions: []string{
			"Menuiserie bois et aluminium {AC} : portes, fenêtres, placards, cuisines et terrasses en bois local ou traité.",
			"Menuisier depuis {Y} : fabrication et pose sur mesure, deck, faré et pergolas.",
		},
		keywords: []string{"menuiserie", "bois", "aluminium", "terrasse", "placard", "fenêtre", "sur mesure"},
		products: []product{
			{"Fabrication et pose de placard sur mesure", 1, 2, 85000, 180000, rateSpecific},
			{"Terrasse en bois traité (m²)", 10, 30, 14000, 19000, rateSpecific},
			{"Pose de porte intérieure", 1, 4, 25000, 42000, rateSpecific},
			{"Fenêtre aluminium coulissante (fourniture)", 1, 4, 38000, 75000, rateNormal},
		}},
	{sector: sectorBTP, ape: "4399C", label: "Maçonnerie", weight: 16, patente: 55, generic: true,
		names: []string{"Maçonnerie {S}", "Bâti {X}", "{S} Construction", "{F} {S} — Maçonnerie", "Maçonnerie Générale {DC}"},
		descriptions: []string{
			"Maçonnerie générale {AC} : dalles, murs de soutènement, extensions, clôtures et petits travaux de gros œuvre.",
			"Maçon depuis {Y} : construction de maisons, rénovation et enduits.",
		},
		keywords: []string{"maçonnerie", "maçon", "gros œuvre", "dalle", "mur de soutènement", "clôture", "rénovation"},
		products: []product{
			{"Coulage de dalle béton (m²)", 10, 40, 9000, 14000, rateSpecific},
			{"Construction mur de clôture (ml)", 8, 30, 12000, 19000, rateSpecific},
			{"Enduit de façade (m²)", 15, 60, 2800, 4500, rateSpecific},
			{"Fourniture ciment (sac de 50 kg)", 5, 30, 1700, 2200, rateNormal},
		}},
	{sector: sectorBTP, ape: "4334Z", label: "Peinture", weight: 14, patente: 60, generic: true,
		names: []string{"Peinture {S}", "Déco {X}", "{F} {S} — Peinture", "Peinture & Déco {DC}"},
		descriptions: []string{
			"Peintre en bâtiment {AC} : peintures intérieures et extérieures, traitement anti-humidité, revêtements de sols et de murs.",
			"Depuis {Y}, peinture, ravalement de façades et décoration.",
		},
		keywords: []string{"peinture", "peintre", "façade", "décoration", "ravalement", "revêtement"},
		products: []product{
			{"Peinture intérieure murs et plafonds (m²)", 30, 150, 1400, 2200, rateSpecific},
			{"Ravalement de façade (m²)", 40, 160, 2200, 3500, rateSpecific},
			{"Fourniture peinture acrylique (seau 15 L)", 1, 8, 12000, 18000, rateNormal},
		}},
	{sector: sectorBTP, ape: "4333Z", label: "Carrelage", weight: 6, patente: 65, generic: true,
		names: []string{"Carrelage {S}", "{F} {S} — Carrelage", "Sol {X}"},
		descriptions: []string{
			"Carreleur {AC} : pose de carrelage, faïence, salles de bain et plages de piscine.",
			"Carrelage et revêtements de sols depuis {Y}.",
		},
		keywords: []string{"carrelage", "carreleur", "faïence", "salle de bain", "revêtement de sol"},
		products: []product{
			{"Pose de carrelage (m²)", 15, 60, 3500, 5500, rateSpecific},
			{"Pose de faïence murale (m²)", 8, 30, 4000, 6000, rateSpecific},
			{"Fourniture carrelage grès cérame (m²)", 15, 60, 2500, 4500, rateNormal},
		}},
	{sector: sectorBTP, ape: "4391B", label: "Toiture", weight: 5, patente: 55, generic: true,
		names: []string{"Toitures {S}", "Couverture {X}", "Toit {X}"},
		descriptions: []string{
			"Couvreur {AC} : toitures en tôle, réfection après cyclone, gouttières et étanchéité.",
			"Charpente et couverture depuis {Y} : remplacement de tôles, zinguerie et isolation.",
		},
		keywords: []string{"toiture", "couverture", "tôle", "gouttière", "étanchéité", "cyclone"},
		products: []product{
			{"Remplacement de tôles (m²)", 20, 80, 4500, 7000, rateSpecific},
			{"Pose de gouttières (ml)", 10, 40, 3000, 4800, rateSpecific},
			{"Traitement d'étanchéité toiture terrasse (m²)", 20, 60, 3800, 6000, rateSpecific},
		}},
	{sector: sectorBTP, ape: "4312A", label: "Terrassement", weight: 5, patente: 40, generic: true,
		names: []string{"Terrassement {S}", "TP {X}", "{S} Travaux Publics", "Terrassement {DC}"},
		descriptions: []string{
			"Terrassement, VRD et location de mini-pelle avec chauffeur {AC}.",
			"Travaux de terrassement depuis {Y} : plateformes, tranchées, évacuation des eaux pluviales.",
		},
		keywords: []string{"terrassement", "VRD", "mini-pelle", "tranchée", "plateforme", "travaux publics"},
		products: []product{
			{"Mini-pelle avec chauffeur (heure)", 4, 24, 8500, 12000, rateSpecific},
			{"Réalisation de plateforme (forfait)", 1, 1, 120000, 320000, rateSpecific},
			{"Tranchée pour réseaux (ml)", 10, 60, 2500, 4500, rateSpecific},
		}},
	{sector: sectorBTP, ape: "4332B", label: "Métallerie", weight: 4, patente: 45, generic: true,
		names: []string{"Métallerie {S}", "Ferronnerie {X}", "Alu {X}"},
		descriptions: []string{
			"Serrurerie et métallerie {AC} : portails, garde-corps, grilles de sécurité et structures métalliques.",
			"Depuis {Y}, soudure, ferronnerie et pose de portails motorisés.",
		},
		keywords: []string{"métallerie", "serrurerie", "portail", "garde-corps", "soudure", "ferronnerie"},
		products: []product{
			{"Portail coulissant galvanisé (fourniture et pose)", 1, 1, 180000, 320000, rateSpecific},
			{"Garde-corps aluminium (ml)", 4, 15, 16000, 26000, rateSpecific},
			{"Grille de sécurité", 1, 4, 28000, 55000, rateSpecific},
		}},

	// --- Commerce ---
	{sector: sectorCommerce, ape: "4711B", label: "Épicerie", weight: 14, patente: 50, generic: true,
		names: []string{"Épicerie {S}", "Alimentation {S}", "Superette {DC}", "Épicerie Chez {FF}", "Le Comptoir {DC}"},
		descriptions: []string{
			"Épicerie de quartier {AC} : produits frais, fruits et légumes du marché, pain, gaz et dépannage 7 j/7.",
			"Alimentation générale depuis {Y}, livraison des commandes aux entreprises et aux gîtes.",
		},
		keywords: []string{"épicerie", "alimentation", "produits frais", "superette", "livraison", "dépannage"},
		products: []product{
			{"Colis alimentaire (assortiment)", 1, 10, 4500, 12000, rateReduced},
			{"Riz (sac de 20 kg)", 1, 10, 3800, 5200, rateExempt},
			{"Boissons sucrées (pack de 6)", 1, 12, 900, 1600, rateHigh},
			{"Bière locale (pack de 6)", 1, 10, 1800, 2600, rateHigh},
			{"Produits d'entretien", 1, 10, 600, 2500, rateNormal},
		}},
	{sector: sectorCommerce, ape: "4752A", label: "Quincaillerie", weight: 9, patente: 30, generic: true,
		names: []string{"Quincaillerie {DC}", "Brico {X}", "Quincaillerie {S}", "Outillage {X}"},
		descriptions: []string{
			"Quincaillerie {AC} : outillage, visserie, peinture, plomberie, électricité et matériaux pour les professionnels et les particuliers.",
			"Depuis {Y}, conseil et vente de matériel de bricolage et de jardinage.",
		},
		keywords: []string{"quincaillerie", "outillage", "bricolage", "visserie", "matériaux", "jardinage"},
		products: []product{
			{"Perceuse-visseuse sans fil 18 V", 1, 3, 18000, 35000, rateNormal},
			{"Visserie et fixations (lot)", 1, 10, 1500, 6000, rateNormal},
			{"Brouette renforcée", 1, 3, 9000, 15000, rateNormal},
			{"Échafaudage roulant (location semaine)", 1, 2, 15000, 25000, rateSpecific},
		}},
	{sector: sectorCommerce, ape: "4771Z", label: "Boutique", weight: 8, patente: 55, generic: true,
		names: []string{"Boutique {FF}", "Mode {X}", "Tifaifai Boutique", "Pareo {X}", "{F} {S} — Prêt-à-porter"},
		descriptions: []string{
			"Boutique de prêt-à-porter {AC} : robes mission, paréos, chemises à fleurs et tenues de travail.",
			"Vente de vêtements et d'accessoires depuis {Y}, créateurs locaux et importations.",
		},
		keywords: []string{"vêtements", "prêt-à-porter", "robe mission", "paréo", "tenue de travail", "mode"},
		products: []product{
			{"Tenue de travail (pantalon + polo brodé)", 2, 12, 6500, 11000, rateNormal},
			{"Robe mission", 1, 6, 5500, 9500, rateNormal},
			{"Chemise à fleurs", 1, 8, 4500, 8000, rateNormal},
		}},
	{sector: sectorCommerce, ape: "4764Z", label: "Pêche & Loisirs", weight: 5, patente: 40, generic: true,
		names: []string{"Pêche & Loisirs {DC}", "Le Moulinet {X}", "Marine {X}", "Sport {X}"},
		descriptions: []string{
			"Articles de pêche, de plongée et de sport {AC} : cannes, moulinets, leurres, fusils de chasse sous-marine et accessoires de bateau.",
			"Depuis {Y}, tout pour la pêche au lagon et au large.",
		},
		keywords: []string{"pêche", "plongée", "articles de sport", "accastillage", "chasse sous-marine", "leurres"},
		products: []product{
			{"Canne et moulinet de pêche au large", 1, 3, 25000, 65000, rateNormal},
			{"Assortiment de leurres", 1, 10, 1200, 4500, rateNormal},
			{"Gilets de sauvetage", 2, 8, 4500, 8500, rateNormal},
		}},
	{sector: sectorCommerce, ape: "4741Z", label: "Informatique", weight: 5, patente: 35, generic: true,
		names: []string{"Info {X}", "{X} Informatique", "PC {X}", "Micro {DC}"},
		descriptions: []string{
			"Vente de matériel informatique {AC} : ordinateurs, imprimantes, consommables et réseaux pour les TPE.",
			"Depuis {Y}, conseil et vente de matériel et de logiciels.",
		},
		keywords: []string{"informatique", "ordinateur", "imprimante", "consommables", "matériel", "réseau"},
		products: []product{
			{"Cartouches d'encre (lot)", 1, 6, 4500, 12000, rateNormal},
			{"Disque SSD 1 To", 1, 4, 12000, 18000, rateNormal},
			{"Onduleur 1500 VA", 1, 2, 25000, 42000, rateNormal},
		}},
	{sector: sectorCommerce, ape: "4532Z", label: "Pièces Auto", weight: 4, patente: 30, generic: true,
		names: []string{"Pièces Auto {DC}", "Auto Pièces {X}", "{S} Pièces Auto"},
		descriptions: []string{
			"Pièces détachées automobiles {AC} : filtres, freinage, batteries, pneus et huiles pour particuliers et garages.",
			"Depuis {Y}, pièces pour 4x4, utilitaires et engins.",
		},
		keywords: []string{"pièces détachées", "automobile", "batterie", "pneus", "4x4", "huile moteur"},
		products: []product{
			{"Batterie 12 V 70 Ah", 1, 3, 16000, 24000, rateNormal},
			{"Jeu de 4 pneus tout-terrain", 1, 1, 80000, 140000, rateNormal},
			{"Huile moteur (bidon 5 L)", 1, 6, 4500, 7500, rateNormal},
		}},
	{sector: sectorCommerce, ape: "4776Z", label: "Fleurs", weight: 4, patente: 65, generic: true,
		names: []string{"Fleurs de {FF}", "L'Orchidée {DC}", "Flora {X}", "Fleuriste {S}"},
		descriptions: []string{
			"Fleuriste {AC} : bouquets, compositions pour mariages et deuils, plantes vertes et fleurs tropicales.",
			"Depuis {Y}, décoration florale d'événements et livraison.",
		},
		keywords: []string{"fleuriste", "fleurs", "bouquet", "plantes", "décoration florale", "mariage"},
		products: []product{
			{"Composition florale événementielle", 1, 6, 8000, 25000, rateNormal},
			{"Plantes vertes en pot", 2, 20, 2500, 6500, rateReduced},
			{"Livraison", 1, 2, 1500, 3000, rateSpecific},
		}},
	{sector: sectorCommerce, ape: "4762Z", label: "Papeterie", weight: 4, patente: 50, generic: true,
		names: []string{"Papeterie {DC}", "Librairie {S}", "Bureau {X}"},
		descriptions: []string{
			"Librairie-papeterie {AC} : fournitures scolaires et de bureau, presse, livres du Pacifique.",
			"Depuis {Y}, fournitures de bureau livrées aux entreprises.",
		},
		keywords: []string{"papeterie", "librairie", "fournitures de bureau", "fournitures scolaires", "livres"},
		products: []product{
			{"Ramettes de papier A4 (carton de 5)", 1, 10, 3200, 4500, rateNormal},
			{"Fournitures de bureau (lot)", 1, 5, 5000, 18000, rateNormal},
			{"Livres (ouvrages du Pacifique)", 1, 10, 2500, 6500, rateExempt},
		}},
	{sector: sectorCommerce, ape: "4673A", label: "Matériaux", weight: 4, patente: 10, generic: true,
		names: []string{"Matériaux {DC}", "{S} Matériaux", "Négoce {X}"},
		descriptions: []string{
			"Négoce de matériaux de construction {AC} : ciment, fers, bois de charpente, tôles et agrégats, livraison sur chantier.",
			"Depuis {Y}, fournisseur des artisans du bâtiment.",
		},
		keywords: []string{"matériaux", "ciment", "bois de charpente", "tôles", "agrégats", "négoce"},
		products: []product{
			{"Tôles bac acier (ml)", 20, 80, 1800, 2800, rateNormal},
			{"Bois de charpente traité (m³)", 1, 4, 85000, 130000, rateNormal},
			{"Fers à béton (barre de 6 m)", 10, 60, 900, 1600, rateNormal},
			{"Livraison sur chantier", 1, 2, 8000, 15000, rateSpecific},
		}},

	// --- Santé ---
	{sector: sectorSante, ape: "8690D", label: "Soins infirmiers", weight: 12, patente: 95,
		names: []string{"Cabinet infirmier {DC}", "{F} {S} — Soins infirmiers", "Cabinet infirmier {S}"},
		descriptions: []string{
			"Cabinet infirmier {AC} : soins à domicile et au cabinet, pansements, prises de sang, suivi des patients diabétiques.",
			"Infirmière libérale depuis {Y}, tournées 7 j/7 {AC} et dans les tribus voisines.",
		},
		keywords: []string{"infirmier", "soins à domicile", "prise de sang", "pansement", "libéral", "santé"},
		products: []product{
			{"Soins infirmiers à domicile (acte)", 5, 30, 1500, 3000, rateExempt},
			{"Bilan de santé en entreprise (salarié)", 2, 15, 3500, 6000, rateExempt},
		}},
	{sector: sectorSante, ape: "8690E", label: "Kinésithérapie", weight: 9, patente: 90,
		names: []string{"Cabinet de kinésithérapie {DC}", "{F} {S} — Masseur-kinésithérapeute", "Kiné {X}"},
		descriptions: []string{
			"Masseur-kinésithérapeute {AC} : rééducation, kinésithérapie du sport, drainage et soins à domicile.",
			"Kinésithérapeute depuis {Y}, prévention des troubles musculo-squelettiques en entreprise.",
		},
		keywords: []string{"kinésithérapie", "kiné", "rééducation", "sport", "massage", "prévention TMS"},
		products: []product{
			{"Séance de kinésithérapie", 2, 12, 3500, 5500, rateExempt},
			{"Atelier prévention TMS en entreprise", 1, 2, 35000, 60000, rateSpecific},
		}},
	{sector: sectorSante, ape: "8621Z", label: "Médecine générale", weight: 4, patente: 85,
		names: []string{"Cabinet médical {DC}", "Dr {F} {S}", "Cabinet médical {S}"},
		descriptions: []string{
			"Médecin généraliste {AC}, consultations avec ou sans rendez-vous et visites à domicile.",
			"Cabinet médical installé depuis {Y}, médecine du sport et certificats d'aptitude.",
		},
		keywords: []string{"médecin", "généraliste", "consultation", "certificat médical", "santé"},
		products: []product{
			{"Consultation de médecine générale", 2, 10, 3800, 5500, rateExempt},
			{"Visite d'aptitude (salarié)", 2, 12, 5500, 8000, rateExempt},
		}},
	{sector: sectorSante, ape: "8623Z", label: "Dentaire", weight: 3, patente: 80,
		names: []string{"Cabinet dentaire {DC}", "Dr {F} {S} — Chirurgien-dentiste"},
		descriptions: []string{
			"Chirurgien-dentiste {AC} : soins dentaires, détartrage, prothèses et urgences.",
			"Cabinet dentaire depuis {Y}.",
		},
		keywords: []string{"dentiste", "soins dentaires", "détartrage", "prothèse", "urgence dentaire"},
		products: []product{
			{"Soins dentaires", 1, 4, 6000, 25000, rateExempt},
			{"Détartrage", 1, 2, 5500, 8500, rateExempt},
		}},
	{sector: sectorSante, ape: "8690E", label: "Orthophonie", weight: 3, patente: 95,
		names: []string{"{F} {S} — Orthophoniste", "Cabinet d'orthophonie {DC}"},
		descriptions: []string{
			"Orthophoniste {AC} : bilans et rééducation du langage chez l'enfant et l'adulte.",
			"Orthophoniste installée depuis {Y}.",
		},
		keywords: []string{"orthophonie", "orthophoniste", "langage", "rééducation", "enfant"},
		products: []product{
			{"Séance d'orthophonie", 2, 10, 4000, 5500, rateExempt},
			{"Bilan orthophonique", 1, 1, 9000, 14000, rateExempt},
		}},
	{sector: sectorSante, ape: "8690F", label: "Psychologie", weight: 3, patente: 95,
		names: []string{"{F} {S} — Psychologue", "Cabinet de psychologie {DC}"},
		descriptions: []string{
			"Psychologue clinicienne {AC} : consultations individuelles, accompagnement des salariés et gestion du stress.",
			"Psychologue depuis {Y}, interventions en entreprise et en milieu scolaire.",
		},
		keywords: []string{"psychologue", "accompagnement", "stress", "consultation", "santé mentale"},
		products: []product{
			{"Consultation de psychologie", 1, 8, 6000, 9000, rateExempt},
			{"Cellule d'écoute en entreprise (demi-journée)", 1, 2, 40000, 65000, rateSpecific},
		}},

	// --- Agriculture et pêche ---
	{sector: sectorAgriculture, ape: "0311Z", label: "Pêche", weight: 10, patente: 75, generic: true,
		names: []string{"Pêcherie {DC}", "Les Pêcheurs {DC}", "{F} {S} — Pêche côtière", "Poissons du Lagon {X}"},
		descriptions: []string{
			"Pêcheur professionnel {AC} : poissons du lagon et du large, crabes de palétuvier, livraison aux restaurants et aux snacks.",
			"Pêche côtière depuis {Y} : bec de cane, loche, vivaneau et thon, vente directe au quai.",
		},
		keywords: []string{"pêche", "poisson", "crabe", "lagon", "pêche côtière", "vente directe"},
		products: []product{
			{"Poisson frais du lagon (kg)", 10, 60, 1400, 2200, rateReduced},
			{"Crabes de palétuvier (kg)", 5, 25, 2800, 3800, rateReduced},
			{"Thon jaune (kg)", 10, 50, 1600, 2400, rateReduced},
		}},
	{sector: sectorAgriculture, ape: "0113Z", label: "Maraîchage", weight: 9, patente: 75, generic: true,
		names: []string{"Les Jardins {DC}", "Ferme {S}", "Maraîcher {X}", "{F} {S} — Maraîchage"},
		descriptions: []string{
			"Maraîcher {AC} : salades, tomates, choux, ignames et taros, en vente directe au marché et aux restaurants.",
			"Exploitation maraîchère depuis {Y}, agriculture raisonnée et paniers de légumes hebdomadaires.",
		},
		keywords: []string{"maraîchage", "légumes", "igname", "taro", "circuit court", "panier"},
		products: []product{
			{"Panier de légumes de saison", 4, 30, 2500, 4000, rateReduced},
			{"Ignames (kg)", 10, 80, 600, 1100, rateReduced},
			{"Salades et herbes (caisse)", 2, 12, 2500, 4500, rateReduced},
		}},
	{sector: sectorAgriculture, ape: "0142Z", label: "Élevage", weight: 6, patente: 70, generic: true,
		names: []string{"Station {S}", "Élevage {DC}", "Ranch {X}", "GAEC {S}"},
		descriptions: []string{
			"Station d'élevage bovin {AC} : viande de bœuf calédonienne, bétail sur pied et travaux agricoles à façon.",
			"Éleveurs depuis {Y}, bovins et cerfs en plein air.",
		},
		keywords: []string{"élevage", "bovins", "viande", "cerf", "station", "bétail"},
		products: []product{
			{"Viande de bœuf (colis de 10 kg)", 1, 10, 14000, 19000, rateReduced},
			{"Venaison de cerf (kg)", 5, 20, 1600, 2400, rateReduced},
			{"Travaux agricoles à façon (heure de tracteur)", 2, 12, 6000, 9000, rateSpecific},
		}},
	{sector: sectorAgriculture, ape: "0149Z", label: "Miellerie", weight: 4, patente: 85, generic: true,
		names: []string{"Les Ruchers {DC}", "Miel {X}", "Apiculture {S}", "Miellerie du Niaouli"},
		descriptions: []string{
			"Apiculteur {AC} : miel de niaouli, de gaïac et toutes fleurs, essaims et pollinisation des vergers.",
			"Ruchers familiaux depuis {Y}, vente de miel et de produits de la ruche.",
		},
		keywords: []string{"apiculture", "miel", "niaouli", "ruches", "pollinisation", "produits locaux"},
		products: []product{
			{"Miel de niaouli (pot 500 g)", 6, 60, 1600, 2200, rateReduced},
			{"Location de ruches pour pollinisation (ruche)", 2, 12, 6000, 9000, rateSpecific},
		}},
	{sector: sectorAgriculture, ape: "0321Z", label: "Aquaculture", weight: 3, patente: 40, generic: true,
		names: []string{"Ferme Aquacole {DC}", "Crevettes {X}", "Aquaculture {S}"},
		descriptions: []string{
			"Ferme aquacole {AC} : crevettes bleues de Nouvelle-Calédonie, huîtres et holothuries.",
			"Aquaculteurs depuis {Y}, vente aux restaurateurs et export.",
		},
		keywords: []string{"aquaculture", "crevettes", "huîtres", "ferme aquacole", "produits de la mer"},
		products: []product{
			{"Crevettes bleues (kg)", 5, 40, 2800, 3800, rateReduced},
			{"Huîtres de palétuvier (douzaine)", 4, 30, 1800, 2800, rateReduced},
		}},
	{sector: sectorAgriculture, ape: "0125Z", label: "Vergers", weight: 3, patente: 80, generic: true,
		names: []string{"Vergers {DC}", "Fruits {X}", "Plantation {S}"},
		descriptions: []string{
			"Producteur de fruits {AC} : letchis, mangues, agrumes, avocats et bananes, vente en gros et au détail.",
			"Vergers familiaux depuis {Y}.",
		},
		keywords: []string{"fruits", "letchis", "mangues", "agrumes", "vergers", "produits locaux"},
		products: []product{
			{"Letchis (kg)", 10, 60, 700, 1200, rateReduced},
			{"Agrumes (caisse de 10 kg)", 2, 15, 3500, 5500, rateReduced},
		}},
	{sector: sectorAgriculture, ape: "0130Z", label: "Pépinière", weight: 3, patente: 70, generic: true,
		names: []string{"Pépinière {DC}", "Pépinière {S}", "Plantes {X}"},
		descriptions: []string{
			"Pépinière {AC} : plantes endémiques pour la revégétalisation, arbres fruitiers et plantes d'ornement.",
			"Pépiniériste depuis {Y}, fournisseur des chantiers de revégétalisation minière.",
		},
		keywords: []string{"pépinière", "plantes endémiques", "revégétalisation", "arbres fruitiers", "horticulture"},
		products: []product{
			{"Plants endémiques en godet", 50, 400, 250, 450, rateReduced},
			{"Arbres fruitiers en pot", 2, 20, 2500, 5500, rateReduced},
		}},

	// --- Production et fabrication ---
	{sector: sectorProduction, ape: "1413Z", label: "Couture", weight: 6, patente: 85, generic: true,
		names: []string{"Couture {FF}", "L'Atelier de {FF}", "Atelier Couture {DC}", "{F} {S} — Couture"},
		descriptions: []string{
			"Couturière {AC} : robes mission, tenues de cérémonie, retouches et uniformes brodés pour les entreprises.",
			"Atelier de couture depuis {Y}, confection sur mesure et tissus du Pacifique.",
		},
		keywords: []string{"couture", "robe mission", "retouches", "uniformes", "broderie", "sur mesure"},
		products: []product{
			{"Confection de robe mission sur mesure", 1, 6, 7000, 12000, rateReduced},
			{"Uniformes brodés (pièce)", 5, 30, 3500, 6500, rateReduced},
			{"Retouches", 2, 10, 1000, 3000, rateSpecific},
		}},
	{sector: sectorProduction, ape: "3109B", label: "Ébénisterie", weight: 5, patente: 60, generic: true,
		names: []string{"Ébénisterie {S}", "Meubles {X}", "L'Atelier du Kohu", "Ébénisterie {DC}"},
		descriptions: []string{
			"Ébéniste {AC} : meubles sur mesure en bois locaux (kohu, houp, tamanou), tables, buffets et agencement de boutiques.",
			"Fabrication de meubles depuis {Y}, restauration de mobilier ancien.",
		},
		keywords: []string{"ébénisterie", "meubles", "bois local", "sur mesure", "agencement", "kohu"},
		products: []product{
			{"Table en bois massif local", 1, 2, 120000, 240000, rateReduced},
			{"Agencement de comptoir de boutique", 1, 1, 180000, 350000, rateReduced},
			{"Étagères sur mesure (ml)", 2, 10, 15000, 28000, rateReduced},
		}},
	{sector: sectorProduction, ape: "3299Z", label: "Artisanat", weight: 4, patente: 90, generic: true,
		names: []string{"Sculptures {S}", "Artisanat {DC}", "{F} {S} — Sculpteur", "Case d'Art {X}"},
		descriptions: []string{
			"Artisan sculpteur {AC} : flèches faîtières, chambranles, objets en bois de fer et en pierre de Thio.",
			"Créations artisanales depuis {Y} : bijoux en nacre, vannerie et cadeaux d'entreprise.",
		},
		keywords: []string{"artisanat", "sculpture", "flèche faîtière", "vannerie", "nacre", "cadeaux d'entreprise"},
		products: []product{
			{"Sculpture en bois (pièce unique)", 1, 2, 35000, 150000, rateReduced},
			{"Cadeaux d'entreprise artisanaux (lot)", 1, 5, 15000, 45000, rateReduced},
		}},
	{sector: sectorProduction, ape: "1812Z", label: "Imprimerie", weight: 3, patente: 20, generic: true,
		names: []string{"Imprimerie {DC}", "Print {X}", "Imprimerie {S}"},
		descriptions: []string{
			"Imprimerie {AC} : cartes de visite, flyers, affiches, bâches, marquage de véhicules et textiles.",
			"Impression numérique et offset depuis {Y}.",
		},
		keywords: []string{"imprimerie", "impression", "flyers", "bâches", "marquage", "cartes de visite"},
		products: []product{
			{"Impression de flyers A5 (1 000 ex.)", 1, 3, 18000, 32000, rateReduced},
			{"Bâche imprimée 3 × 1 m", 1, 4, 12000, 22000, rateReduced},
			{"Marquage véhicule (forfait)", 1, 2, 45000, 95000, rateSpecific},
		}},
	{sector: sectorProduction, ape: "2042Z", label: "Savonnerie", weight: 3, patente: 85, generic: true,
		names: []string{"Savonnerie {DC}", "Monoï {X}", "Cosmétiques {X}"},
		descriptions: []string{
			"Savonnerie artisanale {AC} : savons, monoï et huiles de soin au niaouli, au tamanu et au coco.",
			"Cosmétiques naturels fabriqués en Nouvelle-Calédonie depuis {Y}.",
		},
		keywords: []string{"savons", "cosmétiques", "monoï", "niaouli", "produits locaux", "artisanal"},
		products: []product{
			{"Savons artisanaux (lot de 20)", 1, 10, 9000, 14000, rateReduced},
			{"Coffrets cadeaux monoï", 2, 20, 3500, 6500, rateReduced},
		}},
	{sector: sectorProduction, ape: "2511Z", label: "Chaudronnerie", weight: 3, patente: 30, generic: true,
		names: []string{"Chaudronnerie {S}", "Structures {X}", "Métal {DC}"},
		descriptions: []string{
			"Chaudronnerie et fabrication de structures métalliques {AC} : charpentes, cuves, remorques et pièces pour la mine.",
			"Atelier de fabrication métallique depuis {Y}.",
		},
		keywords: []string{"chaudronnerie", "structures métalliques", "charpente métallique", "soudure", "fabrication"},
		products: []product{
			{"Fabrication de charpente métallique (forfait)", 1, 1, 180000, 420000, rateReduced},
			{"Fabrication de remorque plateau", 1, 1, 150000, 260000, rateReduced},
		}},
	{sector: sectorProduction, ape: "1105Z", label: "Brasserie", weight: 2, patente: 20, generic: true,
		names: []string{"Brasserie {DC}", "Brasserie {X}"},
		descriptions: []string{
			"Micro-brasserie {AC} : bières artisanales brassées sur place, vente aux bars, snacks et épiceries.",
			"Brasseurs depuis {Y}.",
		},
		keywords: []string{"brasserie", "bière artisanale", "produits locaux", "micro-brasserie"},
		products: []product{
			{"Bière artisanale (fût 20 L)", 1, 6, 18000, 26000, rateHigh},
			{"Bière artisanale (carton de 24)", 1, 10, 9000, 13000, rateHigh},
		}},

	// --- Alimentation ---
	{sector: sectorAlimentation, ape: "5610C", label: "Snack", weight: 10, patente: 60,
		names: []string{"Snack Chez Mamie {FF}", "Snack Chez Tonton {FM}", "Snack {X}", "Snack du Port", "Le Faré {DC}", "Snack {S}"},
		descriptions: []string{
			"Snack {AC} : bami, salade tahitienne, steak frites et sandwichs, à emporter ou sur place. Plateaux-repas pour les entreprises.",
			"Depuis {Y}, plats du jour, bougna sur commande et livraison de repas sur les chantiers.",
		},
		keywords: []string{"snack", "restauration rapide", "plats à emporter", "plateaux-repas", "bougna", "livraison de repas"},
		products: []product{
			{"Plateaux-repas", 5, 40, 1500, 2500, rateSpecific},
			{"Buffet pour réunion (personne)", 10, 50, 1800, 3200, rateSpecific},
			{"Boissons sucrées", 10, 60, 200, 350, rateHigh},
		}},
	{sector: sectorAlimentation, ape: "5610A", label: "Restaurant", weight: 6, patente: 40,
		names: []string{"Restaurant {X}", "La Table {DC}", "Le Bougna {X}", "Restaurant {S}", "Chez {FF}"},
		descriptions: []string{
			"Restaurant {AC} : cuisine calédonienne et fusion, poissons du lagon, cerf et bougna, repas d'affaires et groupes.",
			"Table familiale depuis {Y}, privatisation pour les séminaires.",
		},
		keywords: []string{"restaurant", "cuisine locale", "bougna", "séminaire", "repas d'affaires", "poisson"},
		products: []product{
			{"Repas d'affaires (couvert)", 4, 30, 3500, 6500, rateSpecific},
			{"Privatisation salle (forfait)", 1, 1, 40000, 90000, rateSpecific},
			{"Vins et boissons alcoolisées", 1, 20, 1500, 4500, rateHigh},
		}},
	{sector: sectorAlimentation, ape: "1071C", label: "Boulangerie", weight: 6, patente: 45,
		names: []string{"Boulangerie {DC}", "Le Fournil {DC}", "Au Pain de {FF}", "Boulangerie {S}", "Boulangerie-Pâtisserie {X}"},
		descriptions: []string{
			"Boulangerie-pâtisserie {AC} : pain cuit au feu de bois, viennoiseries, gâteaux et livraison aux snacks et épiceries.",
			"Artisan boulanger depuis {Y}, baguettes, pains spéciaux et pâtisseries de fête.",
		},
		keywords: []string{"boulangerie", "pain", "viennoiseries", "pâtisserie", "livraison", "baguette"},
		products: []product{
			{"Baguettes (livraison quotidienne, mois)", 1, 1, 25000, 90000, rateReduced},
			{"Viennoiseries (plateau de 30)", 1, 10, 4500, 7500, rateReduced},
			{"Gâteau d'anniversaire (12 parts)", 1, 3, 5500, 9500, rateReduced},
		}},
	{sector: sectorAlimentation, ape: "1071D", label: "Pâtisserie", weight: 2, patente: 70,
		names: []string{"Pâtisserie {FF}", "Douceurs {X}", "Les Délices {DC}"},
		descriptions: []string{
			"Pâtisserie artisanale {AC} : entremets, gâteaux de mariage et pièces montées, spécialités au coco et à la vanille de Lifou.",
			"Pâtissière depuis {Y}, commandes pour les événements d'entreprise.",
		},
		keywords: []string{"pâtisserie", "gâteaux", "mariage", "entremets", "vanille", "événements"},
		products: []product{
			{"Pièce montée (30 parts)", 1, 2, 25000, 45000, rateReduced},
			{"Mignardises (plateau de 50)", 1, 6, 7500, 12000, rateReduced},
		}},
	{sector: sectorAlimentation, ape: "5621Z", label: "Traiteur", weight: 4, patente: 55,
		names: []string{"Traiteur {S}", "Les Saveurs {DC}", "Traiteur {X}", "Bougna de {FF}"},
		descriptions: []string{
			"Traiteur {AC} : buffets, cocktails, repas de mariage et bougnas pour les coutumes et les événements d'entreprise.",
			"Traiteur depuis {Y}, cuisine locale et métissée.",
		},
		keywords: []string{"traiteur", "buffet", "cocktail", "bougna", "mariage", "événements"},
		products: []product{
			{"Buffet (par personne)", 20, 120, 2500, 4500, rateSpecific},
			{"Cocktail dînatoire (par personne)", 20, 100, 1800, 3200, rateSpecific},
			{"Bougna (pour 10 personnes)", 1, 4, 15000, 25000, rateSpecific},
		}},

	// --- Numérique ---
	{sector: sectorNumerique, ape: "6201Z", label: "Web", weight: 8, patente: 60, generic: true,
		names: []string{"{S} Développement", "Web {X}", "{X} Digital", "Code {X}", "{F} {S} — Développeur web", "Lagoon Apps"},
		descriptions: []string{
			"Développeur web {AC} : sites vitrines et e-commerce, applications mobiles, référencement et hébergement.",
			"Studio numérique depuis {Y} : développement sur mesure, intégration de paiement en XPF et maintenance.",
		},
		keywords: []string{"développement web", "site internet", "e-commerce", "application mobile", "référencement", "WordPress"},
		products: []product{
			{"Création de site vitrine", 1, 1, 120000, 280000, rateSpecific},
			{"Développement boutique en ligne", 1, 1, 220000, 480000, rateSpecific},
			{"Journée de développement", 1, 5, 45000, 75000, rateSpecific},
			{"Maintenance et hébergement (année)", 1, 1, 30000, 72000, rateSpecific},
		}},
	{sector: sectorNumerique, ape: "6202A", label: "Informatique", weight: 5, patente: 50, generic: true,
		names: []string{"{X} Informatique", "Infogérance {X}", "{S} IT", "Net {X}"},
		descriptions: []string{
			"Conseil et maintenance informatique pour les TPE {DC} : réseaux, sauvegardes, cybersécurité et messagerie.",
			"Informaticien depuis {Y}, contrats de maintenance et assistance à distance.",
		},
		keywords: []string{"informatique", "maintenance", "réseau", "cybersécurité", "sauvegarde", "infogérance"},
		products: []product{
			{"Contrat de maintenance informatique (mois)", 1, 3, 25000, 60000, rateSpecific},
			{"Installation réseau Wi-Fi", 1, 1, 45000, 120000, rateSpecific},
			{"Audit de cybersécurité", 1, 1, 90000, 200000, rateSpecific},
		}},
	{sector: sectorNumerique, ape: "9511Z", label: "Réparation PC", weight: 3, patente: 80, generic: true,
		names: []string{"Répar'PC {DC}", "Dépannage Info {X}", "{F} {S} — Dépannage informatique"},
		descriptions: []string{
			"Réparation d'ordinateurs, de téléphones et de tablettes {AC} : écrans, batteries, récupération de données.",
			"Dépannage informatique à domicile depuis {Y}.",
		},
		keywords: []string{"réparation", "ordinateur", "smartphone", "dépannage informatique", "récupération de données"},
		products: []product{
			{"Diagnostic et réparation ordinateur", 1, 3, 8000, 18000, rateSpecific},
			{"Récupération de données", 1, 1, 15000, 45000, rateSpecific},
		}},
	{sector: sectorNumerique, ape: "6311Z", label: "Cloud", weight: 2, patente: 30, generic: true,
		names: []string{"{X} Cloud", "Data {X}", "Hébergement {X}"},
		descriptions: []string{
			"Hébergement de sites et de données en Nouvelle-Calédonie, sauvegarde externalisée et serveurs virtuels, opérés {AC}.",
			"Infogérance et hébergement local depuis {Y}.",
		},
		keywords: []string{"hébergement", "cloud", "serveur", "sauvegarde", "données"},
		products: []product{
			{"Serveur virtuel (mois)", 1, 12, 8000, 18000, rateSpecific},
			{"Sauvegarde externalisée (an)", 1, 1, 36000, 90000, rateSpecific},
		}},

	// --- Tourisme ---
	{sector: sectorTourisme, ape: "5520Z", label: "Gîte", weight: 6, patente: 60,
		names: []string{"Gîte {S}", "Gîte {DC}", "Les Bungalows {X}", "Accueil en tribu {S}", "Camping {DC}"},
		descriptions: []string{
			"Gîte et accueil en tribu {AC} : bungalows face au lagon, repas traditionnels et bougna, randonnées et pêche.",
			"Gîte familial depuis {Y}, accueil de séminaires et de groupes.",
		},
		keywords: []string{"gîte", "hébergement", "accueil en tribu", "bungalow", "séminaire", "tourisme"},
		products: []product{
			{"Nuitée en bungalow", 1, 10, 7500, 14000, rateReduced},
			{"Séminaire résidentiel (personne/jour)", 5, 25, 9000, 15000, rateReduced},
			{"Repas bougna (personne)", 4, 30, 2500, 4000, rateSpecific},
		}},
	{sector: sectorTourisme, ape: "7734Z", label: "Location de bateaux", weight: 3, patente: 45,
		names: []string{"Lagoon Boats {X}", "Location Bateaux {DC}", "Navigation {X}", "Croisières {S}"},
		descriptions: []string{
			"Location de bateaux avec ou sans permis {AC} : sorties à l'îlot, pêche au lagon et transferts.",
			"Loueur de bateaux depuis {Y}, skipper sur demande.",
		},
		keywords: []string{"location de bateaux", "lagon", "îlot", "skipper", "nautisme", "sortie en mer"},
		products: []product{
			{"Location bateau à moteur (journée)", 1, 3, 35000, 65000, rateSpecific},
			{"Transfert vers l'îlot (aller-retour, personne)", 4, 30, 3500, 6000, rateReduced},
			{"Skipper (journée)", 1, 3, 20000, 30000, rateSpecific},
		}},
	{sector: sectorTourisme, ape: "7912Z", label: "Excursions", weight: 3, patente: 60,
		names: []string{"{X} Excursions", "Rando {DC}", "Découverte {X}", "Sud Aventure {S}"},
		descriptions: []string{
			"Guide {AC} : randonnées dans le Grand Sud, visites culturelles en tribu, kayak et observation des baleines.",
			"Excursions et séminaires de cohésion depuis {Y}.",
		},
		keywords: []string{"excursions", "randonnée", "guide", "baleines", "kayak", "team building"},
		products: []product{
			{"Excursion journée (personne)", 4, 25, 8500, 14000, rateSpecific},
			{"Séminaire de cohésion (forfait groupe)", 1, 1, 120000, 260000, rateSpecific},
		}},
	{sector: sectorTourisme, ape: "9329Z", label: "Plongée", weight: 2, patente: 50,
		names: []string{"Plongée {X}", "Centre de Plongée {DC}", "Bleu {X}"},
		descriptions: []string{
			"Centre de plongée {AC} : baptêmes, formations et explorations du lagon classé au patrimoine mondial.",
			"Plongée et randonnée palmée depuis {Y}.",
		},
		keywords: []string{"plongée", "baptême", "lagon", "randonnée palmée", "formation"},
		products: []product{
			{"Baptême de plongée", 1, 8, 9000, 13000, rateSpecific},
			{"Formation niveau 1", 1, 4, 45000, 65000, rateSpecific},
		}},
}

// demoConsultation is a public consultation of the demo, with its dates in Nouméa time ("2006-01-02 15:04").
type demoConsultation struct {
	reference, title, description, service string
	kind                                   model.ConsultationType
	amount                                 model.XPF
	sectors, apes                          []string
	commune                                string
	created, published                     string // published empty for a draft
	questions, offers                      string
	status                                 model.ConsultationStatus
	documents                              []string // document names; URLs are derived from the reference
	criteria                               []model.EvaluationCriterion
	contact                                [3]string // name, email, phone
}

// demoConsultations are realistic needs of Province Sud services. Two published ones have their offer deadline
// in the past (the API shows them CLOSED), three far ahead so that a demo always has open consultations.
var demoConsultations = []demoConsultation{
	{
		reference: "PS-2025-0042", title: "Réfection de la toiture du dispensaire de Thio",
		description: "Dépose et remplacement de 420 m² de couverture en tôle, reprise des chéneaux et des descentes d'eaux pluviales, " +
			"traitement de la charpente. Travaux en site occupé : le dispensaire reste ouvert pendant le chantier.",
		service: "Direction de l'équipement de la province Sud (DEPS)", kind: model.ConsultationWorks, amount: 7_800_000,
		sectors: []string{sectorBTP}, apes: []string{"4391B", "4391A"}, commune: "98829",
		created: "2025-05-20 09:00", published: "2025-06-02 08:00", questions: "2025-06-20 12:00", offers: "2025-07-04 12:00",
		status:    model.ConsultationAwarded,
		documents: []string{"Règlement de la consultation", "Cahier des clauses techniques particulières", "Bordereau des prix unitaires", "Plans de toiture"},
		criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 50}, {Name: "Valeur technique", Weight: 30}, {Name: "Délai d'exécution", Weight: 20}},
		contact:   [3]string{"Didier Wapotro", "didier.wapotro@province-sud.nc", "+687 20 42 17"},
	},
	{
		reference: "PS-2025-0057", title: "Fourniture de matériel de pêche pour la coopérative de Yaté",
		description: "Fourniture de filets, de lignes de traîne, de glacières isothermes et de gilets de sauvetage pour les douze " +
			"pêcheurs de la coopérative, livrés à Yaté. Lot unique.",
		service: "Direction du développement économique et du tourisme (DDET)", kind: model.ConsultationSupplies, amount: 3_200_000,
		sectors: []string{sectorCommerce, sectorAgriculture}, apes: []string{"4764Z", "0311Z"}, commune: "98832",
		created: "2025-08-25 10:30", published: "2025-09-01 08:00", questions: "2025-09-19 12:00", offers: "2025-10-03 12:00",
		status:    model.ConsultationPublished,
		documents: []string{"Règlement de la consultation", "Cahier des charges", "Bordereau de prix"},
		criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 60}, {Name: "Valeur technique", Weight: 40}},
		contact:   [3]string{"Sandrine Lagarde", "sandrine.lagarde@province-sud.nc", "+687 20 36 52"},
	},
	{
		reference: "PS-2025-0063", title: "Développement d'un site web pour le musée de Bourail",
		description: "Conception et développement d'un site bilingue (français, anglais) présentant les collections et l'histoire " +
			"de Bourail, avec billetterie en ligne en XPF, back-office pour l'équipe du musée et un an de maintenance.",
		service: "Direction de la culture, de la jeunesse et des sports (DCJS)", kind: model.ConsultationServices, amount: 2_400_000,
		sectors: []string{sectorNumerique}, apes: []string{"6201Z", "6202A"}, commune: "98803",
		created: "2025-10-06 14:00", published: "2025-10-13 08:00", questions: "2027-09-24 12:00", offers: "2027-10-15 12:00",
		status:    model.ConsultationPublished,
		documents: []string{"Règlement de la consultation", "Cahier des clauses techniques particulières", "Charte graphique du musée"},
		criteria:  []model.EvaluationCriterion{{Name: "Valeur technique", Weight: 50}, {Name: "Prix", Weight: 40}, {Name: "Délai de réalisation", Weight: 10}},
		contact:   [3]string{"Marie-Claude Gope", "marie-claude.gope@province-sud.nc", "+687 20 48 03"},
	},
	{
		reference: "PS-2025-0071", title: "Entretien des espaces verts du parc provincial de la Rivière Bleue",
		description: "Tonte, débroussaillage, élagage et évacuation des déchets verts des aires d'accueil et des sentiers du parc, " +
			"pour douze mois, dans le respect des espèces endémiques protégées.",
		service: "Direction du développement durable des territoires (DDDT)", kind: model.ConsultationServices, amount: 6_500_000,
		sectors: []string{sectorServices}, apes: []string{"8130Z"}, commune: "98832",
		created: "2025-10-15 09:00", published: "2025-10-22 08:00", questions: "2027-11-05 12:00", offers: "2027-11-26 12:00",
		status:    model.ConsultationPublished,
		documents: []string{"Règlement de la consultation", "Cahier des clauses techniques particulières", "Plan du parc", "Détail quantitatif estimatif"},
		criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 40}, {Name: "Valeur technique", Weight: 40}, {Name: "Emploi local", Weight: 20}},
		contact:   [3]string{"Sione Tuilagi", "sione.tuilagi@province-sud.nc", "+687 20 34 88"},
	},
	{
		reference: "PS-2025-0078", title: "Mise aux normes électriques de l'internat provincial de La Foa",
		description: "Remplacement des tableaux électriques, mise à la terre, éclairage de sécurité et contrôle final par un " +
			"organisme agréé. Travaux pendant les vacances scolaires.",
		service: "Direction de l'enseignement de la province Sud (DENS)", kind: model.ConsultationWorks, amount: 4_900_000,
		sectors: []string{sectorBTP}, apes: []string{"4321A"}, commune: "98813",
		created: "2025-10-20 11:00", published: "2025-10-28 08:00", questions: "2027-12-03 12:00", offers: "2027-12-17 12:00",
		status:    model.ConsultationPublished,
		documents: []string{"Règlement de la consultation", "Cahier des clauses techniques particulières", "Schémas électriques existants"},
		criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 60}, {Name: "Valeur technique", Weight: 40}},
		contact:   [3]string{"Christophe Martin", "christophe.martin@province-sud.nc", "+687 20 47 61"},
	},
	{
		reference: "PS-2025-0081", title: "Confection de tenues pour les agents d'accueil du parc zoologique et forestier",
		description: "Confection de 60 tenues (chemises et robes mission brodées au logo du parc) dans des tissus imprimés " +
			"de motifs locaux, en trois livraisons.",
		service: "Direction du développement durable des territoires (DDDT)", kind: model.ConsultationSupplies, amount: 1_150_000,
		sectors: []string{sectorProduction}, apes: []string{"1413Z"}, commune: "98818",
		created: "2025-09-10 15:00", published: "2025-09-22 08:00", questions: "2025-10-17 12:00", offers: "2025-10-31 12:00",
		status:    model.ConsultationPublished,
		documents: []string{"Règlement de la consultation", "Cahier des charges", "Logo du parc"},
		criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 50}, {Name: "Qualité des échantillons", Weight: 50}},
		contact:   [3]string{"Malia Falelavaki", "malia.falelavaki@province-sud.nc", "+687 20 39 24"},
	},
	{
		reference: "PS-2025-0085", title: "Prestation de traiteur pour les Rencontres de l'entrepreneuriat",
		description: "Accueil café, déjeuner buffet et cocktail de clôture pour 250 participants aux Rencontres de " +
			"l'entrepreneuriat au centre culturel Tjibaou. Consultation annulée : l'événement est reporté.",
		service: "Direction du développement économique et du tourisme (DDET)", kind: model.ConsultationServices, amount: 1_800_000,
		sectors: []string{sectorAlimentation}, apes: []string{"5621Z", "5610A"}, commune: "98818",
		created: "2025-08-12 10:00", published: "2025-08-20 08:00", questions: "2025-09-05 12:00", offers: "2025-09-19 12:00",
		status:    model.ConsultationCancelled,
		documents: []string{"Règlement de la consultation", "Cahier des charges"},
		criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 40}, {Name: "Qualité des prestations", Weight: 40}, {Name: "Produits locaux", Weight: 20}},
		contact:   [3]string{"Thi Lan Nguyen", "thilan.nguyen@province-sud.nc", "+687 20 36 19"},
	},
	{
		reference: "PS-2025-0090", title: "Réalisation des supports de communication de CréditSud 2026",
		description: "Conception d'affiches, de flyers, de visuels pour les réseaux sociaux et d'un spot radio de 30 secondes " +
			"annonçant l'édition 2026 de CréditSud.",
		service: "Direction du développement économique et du tourisme (DDET)", kind: model.ConsultationServices, amount: 2_900_000,
		sectors: []string{sectorServices}, apes: []string{"7311Z", "7410Z"}, commune: "98818",
		created: "2025-10-30 16:00", questions: "2027-10-29 12:00", offers: "2027-11-12 12:00",
		status:    model.ConsultationDraft,
		documents: []string{"Projet de cahier des charges"},
		criteria:  []model.EvaluationCriterion{{Name: "Valeur technique", Weight: 60}, {Name: "Prix", Weight: 40}},
		contact:   [3]string{"Sandrine Lagarde", "sandrine.lagarde@province-sud.nc", "+687 20 36 52"},
	},
}
