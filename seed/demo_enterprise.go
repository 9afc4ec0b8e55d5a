package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sudpro/model"
)

// registrationWeights returns cumulative weights per registration day: the rush before and during phase 1
// (late April–May 2025), then a trickle with small waves before each phase-2 session.
func registrationWeights() []int {
	cum := make([]int, demoRegistrationDays)
	total := 0
	phase2 := []time.Time{nc(2025, time.July, 31, 0, 0), nc(2025, time.August, 21, 0, 0),
		nc(2025, time.September, 12, 0, 0), nc(2025, time.October, 4, 0, 0)}
	for day := range demoRegistrationDays {
		t := demoRegistrationStart.Add(time.Duration(day) * 24 * time.Hour)
		var w int
		switch {
		case t.Before(nc(2025, time.May, 5, 0, 0)):
			w = 60
		case t.Before(nc(2025, time.May, 17, 0, 0)):
			w = 80
		case t.Before(nc(2025, time.June, 1, 0, 0)):
			w = 30
		case t.Before(nc(2025, time.August, 1, 0, 0)):
			w = 7
		default:
			w = 5
		}
		for _, s := range phase2 {
			if t.Before(s) && s.Sub(t) <= 3*24*time.Hour {
				w += 15
			}
		}
		total += w
		cum[day] = total
	}
	return cum
}

// registeredAt draws a registration time: a day by the weights, a time between 06:00 and 22:00.
func (b *demoBuilder) registeredAt() time.Time {
	x := b.r.IntN(b.dayCum[len(b.dayCum)-1])
	day := sort.SearchInts(b.dayCum, x+1)
	secs := 6*3600 + b.r.IntN(16*3600)
	return demoRegistrationStart.Add(time.Duration(day)*24*time.Hour + time.Duration(secs)*time.Second)
}

// quotas splits n into parts proportional to weights (largest remainders), giving every part at least one.
func quotas(weights []int, n int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	out := make([]int, len(weights))
	rem := make([]int, len(weights))
	given := 0
	for i, w := range weights {
		out[i] = w * n / total
		rem[i] = w * n % total
		given += out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for i := 0; given < n; i++ {
		out[order[i%len(order)]]++
		given++
	}
	for i := range out {
		for out[i] == 0 {
			largest := 0
			for j := range out {
				if out[j] > out[largest] {
					largest = j
				}
			}
			out[largest]--
			out[i]++
		}
	}
	return out
}

// deck returns n slots dealt by quotas and shuffled: exact shares, random order.
func deck[T any](r *rand.Rand, items []T, weights []int, n int) []T {
	var out []T
	for i, q := range quotas(weights, n) {
		for range q {
			out = append(out, items[i])
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// person is a business's representative.
type person struct {
	first, last string
	female      bool
	community   int
}

func (b *demoBuilder) person() person {
	weights := make([]int, len(demoCommunities))
	for i, c := range demoCommunities {
		weights[i] = c.weight
	}
	ci := b.weighted(weights)
	c := demoCommunities[ci]
	p := person{last: pick(b.r, c.surnames), female: b.r.IntN(2) == 0, community: ci}
	if p.female {
		p.first = pick(b.r, c.women)
	} else {
		p.first = pick(b.r, c.men)
	}
	return p
}

// weighted returns an index drawn with the given weights.
func (b *demoBuilder) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := b.r.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// chance reports true with the given probability in percent.
func (b *demoBuilder) chance(percent int) bool { return b.r.IntN(100) < percent }

func pick[T any](r *rand.Rand, items []T) T { return items[r.IntN(len(items))] }

// between draws an integer in [lo, hi].
func (b *demoBuilder) between(lo, hi int64) int64 { return lo + b.r.Int64N(hi-lo+1) }

// expand fills a name or description template (see demo_data.go for the placeholders).
func (b *demoBuilder) expand(tpl string, a *activity, p person, c communeInfo) string {
	community := demoCommunities[b.r.IntN(len(demoCommunities))]
	return strings.NewReplacer(
		"{L}", a.label, "{S}", p.last, "{F}", p.first, "{C}", c.name, "{DC}", c.of, "{AC}", c.at,
		"{X}", pick(b.r, demoFlavours), "{FF}", pick(b.r, community.women), "{FM}", pick(b.r, community.men),
		"{Y}", strconv.Itoa(1995+b.r.IntN(30)),
	).Replace(tpl)
}

// brand draws a business name for the trade that no other business has yet. Companies are not named after a
// person in the patenté way ("Jean-Marc Tein — Maçonnerie").
func (b *demoBuilder) brand(a *activity, p person, c communeInfo, patente bool) string {
	var templates []string
	for _, t := range a.names {
		if patente || !strings.Contains(t, "{F} {S} —") {
			templates = append(templates, t)
		}
	}
	if a.generic || len(templates) == 0 {
		templates = append(templates, genericNames...)
	}
	var name string
	for range 20 {
		name = b.expand(pick(b.r, templates), a, p, c)
		if !b.names[name] {
			break
		}
	}
	if b.names[name] {
		name += " " + c.name
	}
	for n := 2; b.names[name]; n++ {
		name = fmt.Sprintf("%s %d", strings.TrimSuffix(name, " "+strconv.Itoa(n-1)), n)
	}
	b.names[name] = true
	return name
}

// companyNumber draws a 7-digit RID no other business of the demo has.
func (b *demoBuilder) companyNumber() int {
	for {
		n := 100_000 + b.r.IntN(1_500_000)
		if !b.companies[n] {
			b.companies[n] = true
			return n
		}
	}
}

func ridet(company, rank int) model.RIDET { return model.RIDET(fmt.Sprintf("%07d%03d", company, rank)) }

// legalPrefix is how a legal form is written before a company's name ("SARL Menuiserie Wamytan").
func legalPrefix(f model.LegalForm) string {
	switch f {
	case model.LegalFormAssociation:
		return "Association"
	case model.LegalFormOther, model.LegalFormPatente:
		return ""
	default:
		return string(f)
	}
}

func (b *demoBuilder) landline(c communeInfo) string {
	if len(c.phone) == 1 {
		return phone(b.r, c.phone+string(rune('3'+b.r.IntN(6))))
	}
	return phone(b.r, c.phone)
}

func (b *demoBuilder) mobile() string {
	return phone(b.r, string(rune('7'+b.r.IntN(3))))
}

// personalEmail draws a representative's own address.
func (b *demoBuilder) personalEmail(p person) string {
	local := slug(p.first, "", 12) + "." + slug(p.last, "", 14)
	if b.chance(35) {
		local += strconv.FormatInt(b.between(1, 99), 10)
	}
	return local + "@" + pick(b.r, personalDomains)
}

// dealPlaces deals n businesses' sectors and communes in the demo's exact shares, in a shuffled order.
func dealPlaces(r *rand.Rand, n int) ([]string, []communeInfo) {
	sectorWeights := make([]int, len(demoSectorShares))
	sectorCodes := make([]string, len(demoSectorShares))
	for i, s := range demoSectorShares {
		sectorCodes[i], sectorWeights[i] = s.code, s.permil
	}
	communeWeights := make([]int, len(demoCommunes))
	for i, c := range demoCommunes {
		communeWeights[i] = c.permil
	}
	return deck(r, sectorCodes, sectorWeights, n), deck(r, demoCommunes, communeWeights, n)
}

// enterprises generates the demo businesses: sectors and communes dealt in their exact shares, a trade per
// business, and the rest drawn per trade.
func (b *demoBuilder) enterprises(n int) []*model.Enterprise {
	sectors, communes := dealPlaces(b.r, n)
	// Farms, fishing and gîtes are mostly in the brousse: move most of those dealt to Nouméa to a rural
	// commune, swapping with a town business there, so that the commune shares stay exact.
	for i := range n {
		if (sectors[i] != sectorAgriculture && sectors[i] != sectorTourisme) || communes[i].rural || !b.chance(70) {
			continue
		}
		start := b.r.IntN(n)
		for k := range n {
			j := (start + k) % n
			if communes[j].rural && sectors[j] != sectorAgriculture && sectors[j] != sectorTourisme {
				communes[i], communes[j] = communes[j], communes[i]
				break
			}
		}
	}
	bySector := map[string][]*activity{}
	for i := range demoActivities {
		a := &demoActivities[i]
		bySector[a.sector] = append(bySector[a.sector], a)
	}
	out := make([]*model.Enterprise, 0, n)
	b.acts = make([]*activity, 0, n)
	for i := range n {
		acts := bySector[sectors[i]]
		// About one company in twenty-five has a second establishment (rank 002) in another commune.
		if b.chance(4) {
			if e, a := b.secondEstablishment(out, sectors[i], communes[i]); e != nil {
				out = append(out, e)
				b.acts = append(b.acts, a)
				continue
			}
		}
		weights := make([]int, len(acts))
		for k, a := range acts {
			weights[k] = a.weight
		}
		a := acts[b.weighted(weights)]
		out = append(out, b.enterprise(a, communes[i]))
		b.acts = append(b.acts, a)
	}
	return out
}

// enterprise generates one business of trade a in commune c.
func (b *demoBuilder) enterprise(a *activity, c communeInfo) *model.Enterprise {
	p := b.person()
	patente := b.chance(a.patente)
	form := model.LegalFormPatente
	if !patente {
		weights := make([]int, len(demoCompanyForms))
		for i, f := range demoCompanyForms {
			weights[i] = f.weight
		}
		form = demoCompanyForms[b.weighted(weights)].form
		// GDPL (customary-law groupings) run farms, fishing and tribal tourism; associations a few services.
		if form == model.LegalFormGDPL && a.sector != sectorAgriculture && a.sector != sectorTourisme {
			form = model.LegalFormSARL
		}
		if form == model.LegalFormAssociation && a.sector != sectorServices && a.sector != sectorTourisme && a.sector != sectorSante {
			form = model.LegalFormSARL
		}
	}
	e := &model.Enterprise{
		RIDET:               ridet(b.companyNumber(), 1),
		LegalForm:           form,
		APECode:             a.ape,
		SectorCode:          a.sector,
		CommuneCode:         c.code,
		Headcount:           b.headcount(form),
		RegisteredAt:        b.registeredAt(),
		RepresentativeName:  p.first + " " + p.last,
		RepresentativeEmail: b.personalEmail(p),
		RepresentativePhone: b.mobile(),
		ListedInDirectory:   b.chance(85),
	}
	// The franchise en base is for small turnovers: mostly patentés, rarely companies with staff.
	switch {
	case patente:
		e.TGCFranchise = b.chance(66)
	case e.Headcount <= 5:
		e.TGCFranchise = b.chance(12)
	}
	brand := b.brand(a, p, c, patente)
	local := slug(brand, "", 28)
	switch {
	case patente && b.chance(45):
		// Named after the person, with the trade: "Jean-Marc Tein — Maçonnerie".
		e.Name = p.first + " " + p.last + " — " + a.label
		if b.names[e.Name] {
			e.Name = brand
		} else if b.chance(30) && !strings.Contains(brand, p.first) {
			e.TradeName = brand
		} else {
			delete(b.names, brand) // the brand was drawn but not used
		}
		b.names[e.Name] = true
		local = slug(p.first, "", 10) + "." + slug(p.last, "", 12)
	case patente:
		e.Name = brand
	case form == model.LegalFormGDPL:
		e.Name, e.TradeName = "GDPL "+p.last, brand
		if b.names[e.Name] {
			e.Name += " " + c.name
		}
		b.names[e.Name] = true
	case legalPrefix(form) != "" && (form == model.LegalFormAssociation || b.chance(60)):
		e.Name, e.TradeName = legalPrefix(form)+" "+brand, brand
	default:
		e.Name = brand
	}
	if !patente && b.chance(50) {
		e.ContactEmail = "contact@" + slug(brand, "-", 32) + ".nc"
	} else {
		e.ContactEmail = local + "@" + pick(b.r, professionalDomains)
	}
	if b.chance(50) {
		e.ContactPhone = b.landline(c)
	} else {
		e.ContactPhone = b.mobile()
	}
	e.Description = b.expand(pick(b.r, a.descriptions), a, p, c)
	e.Keywords = b.keywords(a)
	b.status(e)
	return e
}

// headcount draws employees: none for most patentés, 0–2 for most companies, a tail up to 30 so that some
// businesses are not TPE and some not eligible for CréditSud.
func (b *demoBuilder) headcount(form model.LegalForm) int {
	x := b.r.IntN(100)
	if form == model.LegalFormPatente {
		switch {
		case x < 80:
			return 0
		case x < 95:
			return 1
		default:
			return 2 + b.r.IntN(2)
		}
	}
	switch {
	case x < 33:
		return 0
	case x < 58:
		return 1
	case x < 73:
		return 2
	case x < 86:
		return 3 + b.r.IntN(3)
	case x < 93:
		return 6 + b.r.IntN(4)
	default:
		return 10 + b.r.IntN(21)
	}
}

// keywords draws 3 to 6 of the trade's keywords.
func (b *demoBuilder) keywords(a *activity) []string {
	kw := slices.Clone(a.keywords)
	b.r.Shuffle(len(kw), func(i, j int) { kw[i], kw[j] = kw[j], kw[i] })
	n := min(3+b.r.IntN(4), len(kw))
	return kw[:n]
}

// status draws the registration status: businesses registered in the last weeks are often still PENDING
// (RIDET not verified yet); a few are SUSPENDED or CLOSED.
func (b *demoBuilder) status(e *model.Enterprise) {
	pending := 6
	if e.RegisteredAt.After(nc(2025, time.October, 1, 0, 0)) {
		pending = 40
	}
	x := b.r.IntN(100)
	switch {
	case x < pending:
		e.Status = model.EnterprisePending
		e.UpdatedAt = e.RegisteredAt
		return
	case x < pending+3:
		e.Status = model.EnterpriseSuspended
	case x < pending+6:
		e.Status = model.EnterpriseClosed
	default:
		e.Status = model.EnterpriseActive
	}
	verified := e.RegisteredAt.Add(time.Duration(1+b.r.IntN(5*24*60)) * time.Minute)
	e.UpdatedAt = verified
	if e.Status != model.EnterpriseActive {
		e.UpdatedAt = verified.Add(time.Duration(20+b.r.IntN(90)) * 24 * time.Hour)
	}
	if e.UpdatedAt.After(demoAsOf) {
		e.UpdatedAt = demoAsOf
	}
}

// secondEstablishment returns a second establishment (rank 002) of an earlier company of the sector, in
// commune c, or nil when there is no such company outside c.
func (b *demoBuilder) secondEstablishment(earlier []*model.Enterprise, sector string, c communeInfo) (*model.Enterprise, *activity) {
	var candidates []int
	for i, e := range earlier {
		if e.SectorCode == sector && e.LegalForm != model.LegalFormPatente && e.CommuneCode != c.code &&
			strings.HasSuffix(string(e.RIDET), "001") && !b.hasRank2(earlier, e.RIDET) {
			candidates = append(candidates, i)
		}
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	i := pick(b.r, candidates)
	first := earlier[i]
	e := *first
	e.ID = 0
	e.RIDET = first.RIDET[:7] + "002"
	e.CommuneCode = c.code
	brand := first.TradeName
	if brand == "" {
		brand = first.Name
	}
	e.TradeName = brand + " — " + c.name
	e.Headcount = b.r.IntN(3)
	e.ContactPhone = b.landline(c)
	e.Keywords = slices.Clone(first.Keywords)
	e.RegisteredAt = b.registeredAt()
	if e.RegisteredAt.Before(first.RegisteredAt) {
		e.RegisteredAt = first.RegisteredAt.Add(time.Duration(1+b.r.IntN(30*24)) * time.Hour)
	}
	b.status(&e)
	return &e, b.acts[i]
}

func (b *demoBuilder) hasRank2(es []*model.Enterprise, r model.RIDET) bool {
	return slices.ContainsFunc(es, func(e *model.Enterprise) bool { return e.RIDET == r[:7]+"002" })
}
