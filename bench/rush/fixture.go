package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/sync/errgroup"

	"sudpro/auth"
	"sudpro/bench/queries"
	"sudpro/model"
	"sudpro/store"
)

// phase2Sectors is the sector allow-list of the 2025 phase-2 sessions, applied to the seller (domain.md).
func phase2Sectors() []string {
	return []string{"BTP", "PRODUCTION_FABRICATION", "SERVICES", "NUMERIQUE", "AGRICULTURE_PECHE"}
}

// benchCommunes are communes of the Province Sud the businesses are spread over.
func benchCommunes() []string { return []string{"98818", "98805", "98821", "98817", "98803", "98813"} }

// fixtureSpec sizes the data of one phase.
type fixtureSpec struct {
	buyers, sellers int
	envelope        model.XPF
	minAsk, maxAsk  model.XPF
	seed            uint64
	tag             string // keeps idempotency keys of different phases apart
	jwtSecret       []byte
}

// fixture is the data of one phase: the session and, for each buyer, the request confirming its invoice.
type fixture struct {
	programmeID, sessionID int64
	confirms               []confirmRequest // in the order they are sent
}

// confirmRequest is one buyer's confirmInvoice request, ready to send.
type confirmRequest struct {
	invoiceID int64
	ask       model.XPF
	body      []byte
	header    http.Header
}

// asks returns the CréditSud amount each buyer asks for: whole thousands of XPF (1 point = 1,000 XPF) between
// minAsk and maxAsk, drawn from seed, so every run and phase asks the same.
func asks(n int, minAsk, maxAsk model.XPF, seed uint64) []model.XPF {
	rng := rand.New(rand.NewPCG(seed, 0x5ed9e0))
	steps := int64((maxAsk-minAsk)/1000) + 1
	out := make([]model.XPF, n)
	for i := range out {
		out[i] = min(maxAsk, minAsk+model.XPF(rng.Int64N(steps)*1000))
	}
	return out
}

// buildFixture creates the phase's data through the store, as the API would: a programme, one session opened a
// minute ago with the phase-2 rules (sellers of the priority sectors, beneficiaries who have not used their
// credit), the sellers and eligible buyers (patentés, ACTIVE), everyone's allocation, and one ISSUED invoice per
// buyer whose TTC covers the buyer's ask.
func buildFixture(ctx context.Context, db *bun.DB, spec fixtureSpec) (*fixture, error) {
	// The buyer's mutation, as a client sends it: the confirmed invoice's status and amount, or the user errors.
	confirmQuery, err := queries.Document("F")
	if err != nil {
		return nil, err
	}
	st := store.New(db)
	admin := model.Op{Actor: model.Actor{Role: model.RoleAdmin, Subject: "bench-admin"}, RequestID: "bench-setup"}
	fx := &fixture{}

	p := &model.Programme{Name: "CréditSud bench " + spec.tag, AllocationAmount: model.DefaultAllocation}
	if err := outcomeErr(st.CreateProgramme(ctx, admin, p)); err != nil {
		return nil, fmt.Errorf("create programme: %w", err)
	}
	fx.programmeID = p.ID

	sellers, buyers := benchEnterprises(spec.sellers, spec.buyers)
	all := append(append([]*model.Enterprise{}, sellers...), buyers...)
	for start := 0; start < len(all); start += 1000 {
		if err := st.InsertEnterprises(ctx, all[start:min(start+1000, len(all))]); err != nil {
			return nil, fmt.Errorf("insert businesses: %w", err)
		}
	}

	sess := &model.Session{
		ProgrammeID: p.ID, Name: "Phase 2 — rush " + spec.tag, OpensAt: time.Now().Add(-time.Minute).Truncate(time.Second),
		Envelope: spec.envelope, SectorCodes: phase2Sectors(), SectorRuleAppliesTo: model.SectorRuleSeller,
		ExcludedExpenseCategories: []model.ExpenseCategory{model.ExpenseFuel, model.ExpenseRent, model.ExpenseOperatingCosts, model.ExpenseHardware},
		OnlyUnusedBeneficiaries:   true,
	}
	if err := outcomeErr(st.CreateSession(ctx, admin, sess)); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	fx.sessionID = sess.ID

	granted, err := st.GrantAllocations(ctx, admin, p.ID)
	if err == nil && granted.Err != nil {
		err = granted.Err
	}
	if err != nil {
		return nil, fmt.Errorf("grant allocations: %w", err)
	}
	if granted.Count < spec.buyers {
		return nil, fmt.Errorf("grant allocations: %d granted, want at least the %d buyers", granted.Count, spec.buyers)
	}

	amounts := asks(spec.buyers, spec.minAsk, spec.maxAsk, spec.seed)
	invoiceIDs, err := issueInvoices(ctx, db, sellers, buyers, amounts)
	if err != nil {
		return nil, err
	}

	now := time.Now()
	fx.confirms = make([]confirmRequest, spec.buyers)
	for i, b := range buyers {
		token, err := auth.Issue(spec.jwtSecret, auth.DefaultIssuer, auth.DefaultAudience, fmt.Sprintf("bench-buyer-%d", i),
			model.RoleEnterprise, b.RIDET, time.Hour, now)
		if err != nil {
			return nil, err
		}
		body, err := json.Marshal(map[string]any{"query": confirmQuery, "variables": map[string]any{"in": map[string]any{
			"id":             model.GlobalIntID(model.TypeInvoice, invoiceIDs[i]),
			"creditAmount":   amounts[i],
			"idempotencyKey": fmt.Sprintf("rush-%s-%05d", spec.tag, i),
		}}})
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		fx.confirms[i] = confirmRequest{invoiceID: invoiceIDs[i], ask: amounts[i], body: body, header: http.Header{
			"Authorization": {"Bearer " + token},
			"Content-Type":  {"application/json"},
			"Accept":        {"application/graphql-response+json"},
		}}
	}
	return fx, nil
}

// benchEnterprises returns the sellers (small companies of the priority sectors) and the buyers (patentés, all
// eligible), with distinct company numbers so no invoice links two establishments of one company.
func benchEnterprises(sellers, buyers int) (s, b []*model.Enterprise) {
	sectors, communes := phase2Sectors(), benchCommunes()
	allSectors := append(phase2Sectors(), "COMMERCE", "SANTE", "ALIMENTATION", "TOURISME")
	for i := range sellers {
		s = append(s, &model.Enterprise{
			RIDET: model.RIDET(fmt.Sprintf("%07d001", 2_000_000+i)), Name: fmt.Sprintf("Entreprise vendeuse %04d", i),
			LegalForm: model.LegalFormSARL, APECode: "4321A", SectorCode: sectors[i%len(sectors)],
			CommuneCode: communes[i%len(communes)], Headcount: 1 + i%6, Status: model.EnterpriseActive,
			ListedInDirectory: true, ContactEmail: fmt.Sprintf("vendeur%04d@example.nc", i),
		})
	}
	for i := range buyers {
		b = append(b, &model.Enterprise{
			RIDET: model.RIDET(fmt.Sprintf("%07d001", 1_000_000+i)), Name: fmt.Sprintf("Patenté acheteur %05d", i),
			LegalForm: model.LegalFormPatente, APECode: "9602A", SectorCode: allSectors[i%len(allSectors)],
			CommuneCode: communes[(i/7)%len(communes)], Headcount: 0, Status: model.EnterpriseActive,
			ListedInDirectory: i%2 == 0, ContactEmail: fmt.Sprintf("acheteur%05d@example.nc", i),
		})
	}
	return s, b
}

// issueInvoices issues buyer i's invoice from seller i mod len(sellers) with store.IssueInvoice (the server
// computes the totals), in a few concurrent transactions, and returns the invoice IDs by buyer.
func issueInvoices(ctx context.Context, db *bun.DB, sellers, buyers []*model.Enterprise, amounts []model.XPF) ([]int64, error) {
	const workers = 4
	ids := make([]int64, len(buyers))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	chunk := (len(buyers) + workers - 1) / workers
	for w := range workers {
		from, to := w*chunk, min((w+1)*chunk, len(buyers))
		if from >= to {
			continue
		}
		g.Go(func() error {
			return db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				st := store.New(tx)
				for i := from; i < to; i++ {
					seller := sellers[i%len(sellers)]
					op := model.Op{Actor: model.Actor{Role: model.RoleEnterprise, Subject: "bench-seller", EnterpriseID: seller.ID},
						RequestID: "bench-setup"}
					out, err := st.IssueInvoice(ctx, op, store.IssueRequest{
						BuyerRIDET: buyers[i].RIDET, Number: fmt.Sprintf("RUSH-%05d", i), Lines: invoiceLines(i, amounts[i]),
					})
					if err = outcomeErr(out, err); err != nil {
						return fmt.Errorf("issue invoice %d: %w", i, err)
					}
					mu.Lock()
					ids[i] = out.IDs[0]
					mu.Unlock()
				}
				return nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return ids, nil
}

// invoiceLines is an ordinary purchase whose TTC is above ask: a service at the ask's price before the 11 % TGC,
// and for a third of the buyers some supplies at the reduced rate.
func invoiceLines(i int, ask model.XPF) []model.LineInput {
	lines := []model.LineInput{{Designation: "Prestation de service", Quantity: 1, UnitPriceHT: ask, TGCRateCode: "NORMAL",
		ExpenseCategory: model.ExpenseGoodsAndServices}}
	if i%3 == 0 {
		lines = append(lines, model.LineInput{Designation: "Fournitures", Quantity: int64(1 + i%7), UnitPriceHT: 1_500,
			TGCRateCode: "REDUCED", ExpenseCategory: model.ExpenseGoodsAndServices})
	}
	return lines
}

// outcomeErr folds a mutation's user error into its error.
func outcomeErr(out model.Outcome, err error) error {
	if err != nil {
		return err
	}
	if out.Err != nil {
		return out.Err
	}
	return nil
}
