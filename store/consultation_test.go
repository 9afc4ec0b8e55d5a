package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	"sudpro/model"
	"sudpro/store"
)

var agentOp = model.Op{Actor: model.Actor{Role: model.RoleAgent, Subject: "agent"}}

func bidderOp(e *model.Enterprise) model.Op {
	return model.Op{Actor: model.Actor{Role: model.RoleEnterprise, EnterpriseID: e.ID}}
}

// consultationWorld is a store with a few ACTIVE businesses able to bid.
type consultationWorld struct {
	st      *store.Store
	ctx     context.Context
	bidders []*model.Enterprise
}

func newConsultationWorld(t *testing.T, bidders int) *consultationWorld {
	t.Helper()
	w := &consultationWorld{st: newStore(t), ctx: context.Background()}
	for i := range bidders {
		w.bidders = append(w.bidders, enterprise(100+i, fmt.Sprintf("Soumissionnaire %02d", i)))
	}
	if err := w.st.InsertEnterprises(w.ctx, w.bidders); err != nil {
		t.Fatal(err)
	}
	return w
}

// draft is a valid consultation whose question and offer deadlines are d from now.
func draft(ref string, d time.Duration) *model.Consultation {
	deadline := time.Now().Add(d).UTC()
	return &model.Consultation{
		Reference: ref, Title: "Entretien des espaces verts", Description: "Tonte et taille.", BuyerService: "DDDT",
		Type: model.ConsultationServices, EstimatedAmountHT: 2_400_000, SectorCodes: []string{"BTP"}, APECodes: []string{"8130Z"},
		CommuneCode: "98818", QuestionDeadline: deadline, OfferDeadline: deadline,
		Documents: []model.ConsultationDocument{{Name: "CCTP.pdf", URL: "https://www.province-sud.nc/cctp.pdf"}},
		Criteria:  []model.EvaluationCriterion{{Name: "Prix", Weight: 60}, {Name: "Valeur technique", Weight: 40}},
	}
}

// outcome merges a store result: the typed error a refused call ended with, or nil.
func outcome(out model.Outcome, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	if out.Err != nil {
		return 0, out.Err
	}
	if len(out.IDs) == 0 {
		return 0, nil
	}
	return out.IDs[0], nil
}

// mustID fails the test unless a mutation succeeded, and returns the id it acted on.
func mustID(t *testing.T) func(model.Outcome, error) int64 {
	t.Helper()
	return func(out model.Outcome, err error) int64 {
		t.Helper()
		id, err := outcome(out, err)
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return id
	}
}

// published creates and publishes a consultation whose deadlines are d from now.
func (w *consultationWorld) published(t *testing.T, ref string, d time.Duration) int64 {
	t.Helper()
	id := mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft(ref, d)))
	mustID(t)(w.st.PublishConsultation(w.ctx, agentOp, id))
	return id
}

func terms(amount model.XPF) model.OfferTerms {
	return model.OfferTerms{AmountHT: amount, TGCRateCode: "NORMAL", DelayDays: 30, TechnicalNote: fmt.Sprintf("note %d", amount)}
}

func (w *consultationWorld) consultation(t *testing.T, id int64) *model.Consultation {
	t.Helper()
	cs, err := w.st.ConsultationsByIDs(w.ctx, []int64{id})
	if err != nil || cs[id] == nil {
		t.Fatalf("consultation %d: %v", id, err)
	}
	return cs[id]
}

func TestCreateConsultationValidation(t *testing.T) {
	w := newConsultationWorld(t, 0)
	mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft("PS-TAKEN", time.Hour)))
	tests := []struct {
		name      string
		change    func(c *model.Consultation)
		wantCode  model.ErrorCode
		wantField string
	}{
		{"9,999,999 XPF is accepted", func(c *model.Consultation) { c.EstimatedAmountHT = 9_999_999 }, "", ""},
		{"10,000,000 XPF is refused", func(c *model.Consultation) { c.EstimatedAmountHT = 10_000_000 }, model.CodeInvalid, "input.estimatedAmountHT"},
		{"zero is refused", func(c *model.Consultation) { c.EstimatedAmountHT = 0 }, model.CodeInvalid, "input.estimatedAmountHT"},
		{"weights summing to 90 are refused", func(c *model.Consultation) { c.Criteria[1].Weight = 30 }, model.CodeInvalid, "input.criteria"},
		{"weights summing to 110 are refused", func(c *model.Consultation) { c.Criteria[1].Weight = 50 }, model.CodeInvalid, "input.criteria"},
		{"no criteria are refused", func(c *model.Consultation) { c.Criteria = nil }, model.CodeInvalid, "input.criteria"},
		{"an offer deadline in the past is refused", func(c *model.Consultation) {
			c.OfferDeadline, c.QuestionDeadline = time.Now().Add(-time.Minute), time.Now().Add(-2*time.Minute)
		}, model.CodeInvalid, "input.offerDeadline"},
		{"a question deadline in the past is refused", func(c *model.Consultation) { c.QuestionDeadline = time.Now().Add(-time.Minute) }, model.CodeInvalid, "input.questionDeadline"},
		{"questions closing after offers are refused", func(c *model.Consultation) { c.QuestionDeadline = c.OfferDeadline.Add(time.Minute) }, model.CodeInvalid, "input.questionDeadline"},
		{"an unknown sector is refused", func(c *model.Consultation) { c.SectorCodes = []string{"PECHE"} }, model.CodeInvalid, "input.sectors"},
		{"a malformed APE code is refused", func(c *model.Consultation) { c.APECodes = []string{"81"} }, model.CodeInvalid, "input.apeCodes.0"},
		{"a commune outside the Province Sud is refused", func(c *model.Consultation) { c.CommuneCode = "98801" }, model.CodeInvalid, "input.commune"},
		{"a document without an http link is refused", func(c *model.Consultation) { c.Documents[0].URL = "file:///etc/passwd" }, model.CodeInvalid, "input.documents.0.url"},
		{"a reference already used is refused", func(c *model.Consultation) { c.Reference = "PS-TAKEN" }, model.CodeConflict, "input.reference"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countRows(t, w.st, "consultations")
			c := draft(fmt.Sprintf("PS-V-%02d", i), time.Hour)
			tt.change(c)
			_, err := outcome(w.st.CreateConsultation(w.ctx, agentOp, c))
			e, _ := model.AsError(err)
			switch {
			case tt.wantCode == "" && err != nil:
				t.Fatalf("CreateConsultation() error = %v, want none", err)
			case tt.wantCode == "":
				if got := countRows(t, w.st, "consultations"); got != before+1 {
					t.Errorf("consultations = %d, want %d", got, before+1)
				}
			case e == nil || e.Code != tt.wantCode || e.Field != tt.wantField:
				t.Fatalf("CreateConsultation() error = %#v, want %s on %s", err, tt.wantCode, tt.wantField)
			default:
				if got := countRows(t, w.st, "consultations"); got != before {
					t.Errorf("a refused consultation was written: %d rows, want %d", got, before)
				}
			}
		})
	}
}

func countRows(t *testing.T, st *store.Store, table string) int {
	t.Helper()
	var n int
	if err := st.DB().NewRaw("SELECT count(*) FROM "+table).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// consultationState is everything a consultation action could change.
type consultationState struct {
	Consultation                 *model.Consultation
	Offers, Questions, Marks     int
	OfferRevisions, AnsweredOnes int
}

func (s consultationState) String() string {
	return fmt.Sprintf("%+v offers %d (revisions %d) questions %d (answered %d) marks %d",
		*s.Consultation, s.Offers, s.OfferRevisions, s.Questions, s.AnsweredOnes, s.Marks)
}

func (w *consultationWorld) snapshot(t *testing.T, id int64) consultationState {
	t.Helper()
	s := consultationState{Consultation: w.consultation(t, id)}
	err := w.st.DB().NewRaw(`SELECT
		(SELECT count(*) FROM consultation_offers WHERE consultation_id = ?) AS offers,
		(SELECT coalesce(sum(revision), 0) FROM consultation_offers WHERE consultation_id = ?) AS revisions,
		(SELECT count(*) FROM consultation_questions WHERE consultation_id = ?) AS questions,
		(SELECT count(*) FROM consultation_questions WHERE consultation_id = ? AND answer IS NOT NULL) AS answered,
		(SELECT count(*) FROM consultation_offer_marks m JOIN consultation_offers o ON o.id = m.offer_id WHERE o.consultation_id = ?) AS marks`,
		id, id, id, id, id).Scan(w.ctx, &s.Offers, &s.OfferRevisions, &s.Questions, &s.AnsweredOnes, &s.Marks)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lifecycleCase is a consultation brought to one status, with an offer and a question where the status allows.
type lifecycleCase struct {
	id                  int64
	offerID, questionID int64
}

// Every action in every status: the allowed ones are the lifecycle's, every other one is a typed error that
// changes nothing.
func TestConsultationLifecycle(t *testing.T) {
	w := newConsultationWorld(t, 3)
	const open = 400 * time.Millisecond
	cases := map[model.ConsultationStatus]*lifecycleCase{}
	build := func(status model.ConsultationStatus, d time.Duration) *lifecycleCase {
		ref := "PS-L-" + string(status)
		if status == model.ConsultationDraft {
			return &lifecycleCase{id: mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft(ref, time.Hour)))}
		}
		c := &lifecycleCase{id: w.published(t, ref, d)}
		c.offerID = mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), c.id, terms(1_000_000)))
		c.questionID = mustID(t)(w.st.AskQuestion(w.ctx, bidderOp(w.bidders[0]), c.id, "Le site est-il accessible le samedi ?"))
		return c
	}
	cases[model.ConsultationDraft] = build(model.ConsultationDraft, 0)
	cases[model.ConsultationPublished] = build(model.ConsultationPublished, time.Hour)
	for _, s := range []model.ConsultationStatus{model.ConsultationClosed, model.ConsultationAwarded, model.ConsultationUnsuccessful, model.ConsultationCancelled} {
		cases[s] = build(s, open)
	}
	time.Sleep(open + 100*time.Millisecond)
	mustID(t)(w.st.AwardConsultation(w.ctx, agentOp, cases[model.ConsultationAwarded].id, cases[model.ConsultationAwarded].offerID, "Meilleure offre."))
	mustID(t)(w.st.DeclareUnsuccessful(w.ctx, agentOp, cases[model.ConsultationUnsuccessful].id, "Offres inacceptables."))
	mustID(t)(w.st.CancelConsultation(w.ctx, agentOp, cases[model.ConsultationCancelled].id, "Besoin disparu."))
	for status, c := range cases {
		if got := w.consultation(t, c.id).Status; got != status {
			t.Fatalf("fixture %s has status %s", status, got)
		}
	}

	actions := map[model.ConsultationAction]func(c *lifecycleCase) (model.Outcome, error){
		model.ActionUpdate: func(c *lifecycleCase) (model.Outcome, error) {
			title := "Nouveau titre"
			return w.st.UpdateConsultation(w.ctx, agentOp, c.id, store.ConsultationChanges{Title: &title})
		},
		model.ActionPublish: func(c *lifecycleCase) (model.Outcome, error) { return w.st.PublishConsultation(w.ctx, agentOp, c.id) },
		model.ActionExtend: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.ExtendDeadline(w.ctx, agentOp, c.id, time.Now().Add(48*time.Hour), nil)
		},
		model.ActionCancel: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.CancelConsultation(w.ctx, agentOp, c.id, "Annulée.")
		},
		model.ActionAward: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.AwardConsultation(w.ctx, agentOp, c.id, c.offerID, "Justification.")
		},
		model.ActionUnsuccessful: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.DeclareUnsuccessful(w.ctx, agentOp, c.id, "Infructueuse.")
		},
		model.ActionAsk: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.AskQuestion(w.ctx, bidderOp(w.bidders[1]), c.id, "Une question ?")
		},
		model.ActionAnswer: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.AnswerQuestion(w.ctx, agentOp, c.questionID, "Oui.")
		},
		model.ActionOffer: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[2]), c.id, terms(900_000))
		},
		model.ActionMark: func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.MarkOffer(w.ctx, agentOp, c.offerID, []model.OfferMark{{Criterion: "Prix", Mark: 80}})
		},
	}
	// revise and withdraw follow the offer's rule.
	ownOffer := map[string]func(c *lifecycleCase) (model.Outcome, error){
		"revise": func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.ReviseOffer(w.ctx, bidderOp(w.bidders[0]), c.offerID, terms(1_100_000))
		},
		"withdraw": func(c *lifecycleCase) (model.Outcome, error) {
			return w.st.WithdrawOffer(w.ctx, bidderOp(w.bidders[0]), c.offerID)
		},
	}
	allowed := map[model.ConsultationAction][]model.ConsultationStatus{
		model.ActionUpdate: {model.ConsultationDraft}, model.ActionPublish: {model.ConsultationDraft},
		model.ActionExtend: {model.ConsultationPublished},
		model.ActionCancel: {model.ConsultationDraft, model.ConsultationPublished, model.ConsultationClosed},
		model.ActionAward:  {model.ConsultationClosed}, model.ActionUnsuccessful: {model.ConsultationClosed},
		model.ActionAsk: {model.ConsultationPublished}, model.ActionAnswer: {model.ConsultationPublished, model.ConsultationClosed},
		model.ActionOffer: {model.ConsultationPublished}, model.ActionMark: {model.ConsultationClosed},
	}
	for _, status := range model.AllConsultationStatuses {
		c := cases[status]
		for _, action := range model.AllConsultationActions {
			needs := action == model.ActionAward || action == model.ActionAnswer || action == model.ActionMark
			if needs && c.offerID == 0 {
				continue // a draft has no offer nor question to act on
			}
			if slices.Contains(allowed[action], status) {
				continue // allowed: TestConsultationHappyPath and the other tests do them
			}
			t.Run(fmt.Sprintf("a %s consultation cannot be %s", status, action), func(t *testing.T) {
				before := w.snapshot(t, c.id)
				_, err := outcome(actions[action](c))
				want := model.CodeIllegalTransition
				switch {
				case action == model.ActionOffer && status == model.ConsultationClosed:
					want = model.CodeDeadlinePassed
				case (action == model.ActionOffer || action == model.ActionAsk) && status == model.ConsultationDraft:
					want = model.CodeNotFound // a draft does not exist for businesses
				case action == model.ActionMark && status == model.ConsultationPublished:
					want = model.CodeNotFound // a sealed offer does not exist for agents
				}
				if got := model.ErrorCodeOf(err); got != want {
					t.Errorf("error = %v, want %s", err, want)
				}
				if after := w.snapshot(t, c.id); !reflect.DeepEqual(before, after) {
					t.Errorf("a refused action changed the consultation:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
		if c.offerID == 0 || status == model.ConsultationPublished {
			continue
		}
		for name, act := range ownOffer {
			t.Run(fmt.Sprintf("an offer on a %s consultation cannot be %sd", status, name), func(t *testing.T) {
				before := w.snapshot(t, c.id)
				_, err := outcome(act(c))
				want := model.CodeIllegalTransition
				if status == model.ConsultationClosed {
					want = model.CodeDeadlinePassed
				}
				if got := model.ErrorCodeOf(err); got != want {
					t.Errorf("error = %v, want %s", err, want)
				}
				if after := w.snapshot(t, c.id); !reflect.DeepEqual(before, after) {
					t.Errorf("a refused action changed the offer:\nbefore %s\nafter  %s", before, after)
				}
			})
		}
	}
}

// The whole way: draft, update, publish, questions, offers (submit, revise, withdraw, submit again), deadline,
// marks and comparison, award; then the award is public.
func TestConsultationHappyPath(t *testing.T) {
	w := newConsultationWorld(t, 3)
	const open = 600 * time.Millisecond
	c := draft("PS-HAPPY", open)
	id := mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, c))
	amount := model.XPF(3_000_000)
	mustID(t)(w.st.UpdateConsultation(w.ctx, agentOp, id, store.ConsultationChanges{EstimatedAmountHT: &amount}))
	mustID(t)(w.st.PublishConsultation(w.ctx, agentOp, id))
	got := w.consultation(t, id)
	if got.Status != model.ConsultationPublished || got.PublishedAt == nil || got.EstimatedAmountHT != amount {
		t.Fatalf("published consultation = %+v", got)
	}
	q := mustID(t)(w.st.AskQuestion(w.ctx, bidderOp(w.bidders[0]), id, "Faut-il évacuer les déchets verts ?"))
	mustID(t)(w.st.AnswerQuestion(w.ctx, agentOp, q, "Oui, en déchetterie agréée."))
	a := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), id, terms(2_000_000)))
	b := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[1]), id, terms(2_500_000)))
	if _, err := outcome(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), id, terms(1_900_000))); model.ErrorCodeOf(err) != model.CodeConflict {
		t.Errorf("a second offer of the same business: error %v, want CONFLICT", err)
	}
	mustID(t)(w.st.ReviseOffer(w.ctx, bidderOp(w.bidders[1]), b, terms(2_200_000)))
	cOffer := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[2]), id, terms(1_000_000)))
	mustID(t)(w.st.WithdrawOffer(w.ctx, bidderOp(w.bidders[2]), cOffer))
	if again := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[2]), id, terms(1_500_000))); again != cOffer {
		t.Errorf("submitting again after a withdrawal made offer %d, want the same offer %d", again, cOffer)
	}
	mustID(t)(w.st.WithdrawOffer(w.ctx, bidderOp(w.bidders[2]), cOffer))
	// Someone else's offer cannot be revised or withdrawn: to them it does not exist.
	if _, err := outcome(w.st.WithdrawOffer(w.ctx, bidderOp(w.bidders[0]), b)); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Errorf("withdrawing another's offer: error %v, want NOT_FOUND", err)
	}
	// Marks wait for the deadline: agents do not see offers before it.
	if _, err := outcome(w.st.MarkOffer(w.ctx, agentOp, a, []model.OfferMark{{Criterion: "Prix", Mark: 50}})); model.ErrorCodeOf(err) != model.CodeNotFound {
		t.Errorf("marking a sealed offer: error %v, want NOT_FOUND", err)
	}
	time.Sleep(time.Until(c.OfferDeadline) + 50*time.Millisecond)
	if got := w.consultation(t, id).Status; got != model.ConsultationClosed {
		t.Fatalf("status after the deadline = %s, want CLOSED", got)
	}
	mustID(t)(w.st.MarkOffer(w.ctx, agentOp, a, []model.OfferMark{{Criterion: "Prix", Mark: 90}, {Criterion: "Valeur technique", Mark: 50}}))
	mustID(t)(w.st.MarkOffer(w.ctx, agentOp, b, []model.OfferMark{{Criterion: "Prix", Mark: 70}, {Criterion: "Valeur technique", Mark: 95}}))
	mustID(t)(w.st.MarkOffer(w.ctx, agentOp, b, []model.OfferMark{{Criterion: "Valeur technique", Mark: 100}})) // replaces 95
	if _, err := outcome(w.st.MarkOffer(w.ctx, agentOp, a, []model.OfferMark{{Criterion: "Délai", Mark: 10}})); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Errorf("a mark on an unknown criterion: error %v, want INVALID", err)
	}
	cmpByID, err := w.st.OfferComparisons(w.ctx, agentOp.Actor, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	var ranked []string
	for _, s := range cmpByID[id] {
		ranked = append(ranked, fmt.Sprintf("%d:%d:%.1f:%v", s.Rank, s.Offer.AmountHT, s.Score, s.Complete))
	}
	// a: 0.6×90 + 0.4×50 = 74; b: 0.6×70 + 0.4×100 = 82. The withdrawn offer is not compared.
	if want := []string{"1:2200000:82.0:true", "2:2000000:74.0:true"}; !slices.Equal(ranked, want) {
		t.Errorf("comparison = %v, want %v", ranked, want)
	}
	other := w.published(t, "PS-OTHER", time.Hour)
	otherOffer := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), other, terms(100_000)))
	for name, offerID := range map[string]int64{"an offer of another consultation": otherOffer, "a withdrawn offer": cOffer} {
		before := w.snapshot(t, id)
		if _, err := outcome(w.st.AwardConsultation(w.ctx, agentOp, id, offerID, "Non.")); model.ErrorCodeOf(err) != model.CodeInvalid {
			t.Errorf("award to %s: error %v, want INVALID", name, err)
		}
		if after := w.snapshot(t, id); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused award changed the consultation:\nbefore %s\nafter  %s", before, after)
		}
	}
	mustID(t)(w.st.AwardConsultation(w.ctx, agentOp, id, b, "Meilleure note pondérée."))
	awards, err := w.st.Awards(w.ctx, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	if aw := awards[id]; aw == nil || aw.OfferID != b || aw.EnterpriseID != w.bidders[1].ID || aw.AmountHT != 2_200_000 ||
		aw.AmountTTC != 2_442_000 || aw.WinnerName != w.bidders[1].Name || aw.Justification != "Meilleure note pondérée." {
		t.Errorf("award = %+v", awards[id])
	}
	// After the award the count is public; each bidder sees its own offer and its result.
	counts, err := w.st.OfferCounts(w.ctx, model.Actor{}, []int64{id})
	if err != nil || counts[id] != 2 {
		t.Errorf("public offer count = %v (%v), want 2", counts, err)
	}
	con := w.consultation(t, id)
	for i, want := range []model.OfferResult{model.OfferLost, model.OfferWon, model.OfferLost} {
		offers, err := w.st.OffersByIDs(w.ctx, bidderOp(w.bidders[i]).Actor, []int64{a, b, cOffer})
		if err != nil || len(offers) != 1 {
			t.Fatalf("bidder %d sees %d offers (%v), want its own", i, len(offers), err)
		}
		for _, o := range offers {
			if o.EnterpriseID != w.bidders[i].ID || o.ResultOf(con) != want {
				t.Errorf("bidder %d: offer of %d, result %s, want its own, %s", i, o.EnterpriseID, o.ResultOf(con), want)
			}
		}
	}
	// The dashboard's and the directory's simple SQL over the tables.
	var published, received, awardedHT int64
	if err := w.st.DB().NewRaw(`SELECT (SELECT count(*) FROM consultations WHERE published_at IS NOT NULL),
		(SELECT count(*) FROM consultation_offers_unsealed WHERE status = 'SUBMITTED'),
		(SELECT coalesce(sum(amount_ht), 0) FROM consultation_awards)`).Scan(w.ctx, &published, &received, &awardedHT); err != nil {
		t.Fatal(err)
	}
	if published != 2 || received != 2 || awardedHT != 2_200_000 {
		t.Errorf("published %d, offers received %d, awarded %d XPF; want 2, 2, 2,200,000", published, received, awardedHT)
	}
	// The directory's suggestions for a consultation (same sector, Nouméa) count the award as the winner's record.
	need := model.NeedOf(w.consultation(t, id))
	candidates, err := w.st.SupplierCandidates(w.ctx, agentOp.Actor, need)
	if err != nil {
		t.Fatal(err)
	}
	won := map[int64]int{}
	for _, c := range candidates {
		won[c.Enterprise.ID] = c.ConsultationsWon
	}
	if len(candidates) != len(w.bidders) || won[w.bidders[1].ID] != 1 || won[w.bidders[0].ID] != 0 {
		t.Errorf("candidates' consultations won = %v, want 1 for bidder %d only, among %d", won, w.bidders[1].ID, len(w.bidders))
	}
	suggestions := model.Suggest(need, candidates, 10)
	if len(suggestions) == 0 || suggestions[0].Enterprise.ID != w.bidders[1].ID ||
		!slices.ContainsFunc(suggestions[0].Reasons, func(r *model.Reason) bool { return r.Kind == model.ReasonWon }) {
		t.Errorf("the winner is not first with a CONSULTATIONS_WON reason: %+v", suggestions)
	}
}

// Offers are sealed in the store: before the deadline nobody but the bidder reads an offer, a count or a mark,
// staff included; after it staff read them all; a cancellation before the deadline seals them for ever.
func TestOffersAreSealed(t *testing.T) {
	w := newConsultationWorld(t, 3)
	const open = 500 * time.Millisecond
	id := w.published(t, "PS-SEALED", open)
	cancelled := w.published(t, "PS-SEALED-CANCELLED", open)
	a := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), id, terms(1_234_567)))
	b := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[1]), id, terms(7_654_321)))
	x := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), cancelled, terms(3_333_333)))
	mustID(t)(w.st.CancelConsultation(w.ctx, agentOp, cancelled, "Annulée avant la date limite."))
	viewers := map[string]model.Actor{
		"anonymous": {}, "CHAMBER": {Role: model.RoleChamber}, "AGENT": agentOp.Actor, "ADMIN": admin,
		"bidder A": bidderOp(w.bidders[0]).Actor, "bidder B": bidderOp(w.bidders[1]).Actor, "non-bidder": bidderOp(w.bidders[2]).Actor,
	}
	own := map[string][]int64{"bidder A": {a, x}, "bidder B": {b}}
	check := func(t *testing.T, after bool) {
		for name, v := range viewers {
			want := own[name]
			if after && v.IsStaff() {
				want = []int64{a, b}
			}
			got, err := w.st.OffersByIDs(w.ctx, v, []int64{a, b, x})
			if err != nil {
				t.Fatal(err)
			}
			conns, err := w.st.OffersByConsultations(w.ctx, v, []int64{id, cancelled}, model.Page{Limit: 10}, true)
			if err != nil {
				t.Fatal(err)
			}
			listed := map[int64]bool{}
			for _, conn := range conns {
				for _, o := range conn.Nodes() {
					listed[o.ID] = true
				}
			}
			total, err := conns[id].TotalCount(w.ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, offerID := range []int64{a, b, x} {
				if _, ok := got[offerID]; ok != slices.Contains(want, offerID) {
					t.Errorf("%s: OffersByIDs has offer %d = %v, want %v", name, offerID, ok, !ok)
				}
				if listed[offerID] != slices.Contains(want, offerID) {
					t.Errorf("%s: OffersByConsultations has offer %d = %v, want %v", name, offerID, listed[offerID], !listed[offerID])
				}
			}
			if wantTotal := len(slices.DeleteFunc(slices.Clone(want), func(o int64) bool { return o == x })); total != wantTotal {
				t.Errorf("%s: totalCount = %d, want %d", name, total, wantTotal)
			}
			counts, _ := w.st.OfferCounts(w.ctx, v, []int64{id, cancelled})
			comparisons, _ := w.st.OfferComparisons(w.ctx, v, []int64{id, cancelled})
			marks, _ := w.st.MarksByOfferIDs(w.ctx, v, []int64{a, b, x})
			_, counted := counts[id]
			_, compared := comparisons[id]
			if wantStaff := after && v.IsStaff(); counted != wantStaff || compared != wantStaff {
				t.Errorf("%s: count known %v, comparison %v; want %v", name, counted, compared, wantStaff)
			}
			if _, ok := counts[cancelled]; ok {
				t.Errorf("%s: the offer count of a consultation cancelled before its deadline is known", name)
			}
			if _, ok := comparisons[cancelled]; ok {
				t.Errorf("%s: the offers of a consultation cancelled before its deadline are compared", name)
			}
			if len(marks) > 0 && !(after && v.IsStaff()) {
				t.Errorf("%s: marks = %v", name, marks)
			}
		}
	}
	unsealed := func() int {
		var n int
		if err := w.st.DB().NewRaw("SELECT count(*) FROM consultation_offers_unsealed").Scan(w.ctx, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Run("before the deadline", func(t *testing.T) { check(t, false) })
	if n := unsealed(); n != 0 {
		t.Errorf("before the deadline, consultation_offers_unsealed has %d offers", n)
	}
	time.Sleep(open + 100*time.Millisecond)
	t.Run("after the deadline", func(t *testing.T) { check(t, true) })
	if n := unsealed(); n != 2 {
		t.Errorf("after the deadline, consultation_offers_unsealed has %d offers, want 2 (not the cancelled consultation's)", n)
	}
}

// Concurrent submissions racing the deadline: each is accepted before it or refused after it, by the database
// clock, and what was accepted is exactly what agents see once the offers are unsealed.
func TestOffersRacingTheDeadline(t *testing.T) {
	const bidders = 16
	w := newConsultationWorld(t, bidders)
	const open = 700 * time.Millisecond
	c := draft("PS-RACE", open)
	id := mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, c))
	mustID(t)(w.st.PublishConsultation(w.ctx, agentOp, id))
	deadline := w.consultation(t, id).OfferDeadline
	start := time.Until(deadline) - 300*time.Millisecond // the attempts spread over 600 ms around the deadline
	type attempt struct {
		began, ended time.Time
		offerID      int64
		err          error
	}
	results := make([]attempt, bidders)
	var wg sync.WaitGroup
	for i := range bidders {
		wg.Go(func() {
			time.Sleep(start + time.Duration(i)*40*time.Millisecond)
			r := &results[i]
			r.began = time.Now()
			r.offerID, r.err = outcome(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[i]), id, terms(model.XPF(1_000_000+i))))
			r.ended = time.Now()
		})
	}
	wg.Wait()
	time.Sleep(time.Until(deadline) + 50*time.Millisecond)
	seen, err := w.st.OffersByConsultations(w.ctx, agentOp.Actor, []int64{id}, model.Page{Limit: 100}, false)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*model.Offer{}
	for _, o := range seen[id].Nodes() {
		byID[o.ID] = o
	}
	accepted, refused := 0, 0
	for i, r := range results {
		switch {
		case r.err == nil:
			accepted++
			o := byID[r.offerID]
			if o == nil {
				t.Errorf("attempt %d: accepted offer %d is not seen by agents", i, r.offerID)
				continue
			}
			if !o.SubmittedAt.Before(deadline) {
				t.Errorf("attempt %d: accepted at %s, not before the deadline %s", i, o.SubmittedAt, deadline)
			}
			if !r.began.Before(deadline) {
				t.Errorf("attempt %d: began %s after the deadline %s yet was accepted", i, r.began, deadline)
			}
		case model.ErrorCodeOf(r.err) == model.CodeDeadlinePassed:
			refused++
			if r.ended.Before(deadline) {
				t.Errorf("attempt %d: refused at %s, before the deadline %s", i, r.ended, deadline)
			}
		default:
			t.Errorf("attempt %d: error %v", i, r.err)
		}
	}
	if accepted != len(byID) {
		t.Errorf("%d offers accepted, agents see %d", accepted, len(byID))
	}
	if accepted == 0 || refused == 0 {
		t.Errorf("%d accepted, %d refused: the attempts did not straddle the deadline", accepted, refused)
	}
	t.Logf("%d accepted before the deadline, %d refused after it", accepted, refused)
}

// TGC and TTC are computed as for an invoice line; a business under the franchise en base charges none.
func TestOfferAmounts(t *testing.T) {
	w := newConsultationWorld(t, 2)
	if _, err := w.st.DB().NewUpdate().Table("enterprises").Set("tgc_franchise = true").Where("id = ?", w.bidders[1].ID).Exec(w.ctx); err != nil {
		t.Fatal(err)
	}
	id := w.published(t, "PS-TGC", time.Hour)
	a := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), id, terms(100_005))) // 11 % = 11,000.55 → 11,001
	b := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[1]), id, terms(100_005)))
	for _, tt := range []struct {
		bidder   int
		offer    int64
		tgc, ttc model.XPF
		na       bool
	}{{0, a, 11_001, 111_006, false}, {1, b, 0, 100_005, true}} {
		offers, err := w.st.OffersByIDs(w.ctx, bidderOp(w.bidders[tt.bidder]).Actor, []int64{tt.offer})
		if err != nil {
			t.Fatal(err)
		}
		o := offers[tt.offer]
		if o == nil || o.AmountTGC != tt.tgc || o.AmountTTC != tt.ttc || o.TGCNotApplicable != tt.na {
			t.Errorf("offer of bidder %d = %+v, want TGC %d, TTC %d, not applicable %v", tt.bidder, o, tt.tgc, tt.ttc, tt.na)
		}
	}
	for name, bad := range map[string]model.OfferTerms{
		"input.terms.amountHT":  {AmountHT: 0, TGCRateCode: "NORMAL", DelayDays: 10},
		"input.terms.tgcRate":   {AmountHT: 10, TGCRateCode: "NOPE", DelayDays: 10},
		"input.terms.delayDays": {AmountHT: 10, TGCRateCode: "NORMAL", DelayDays: 0},
	} {
		_, err := outcome(w.st.ReviseOffer(w.ctx, bidderOp(w.bidders[0]), a, bad))
		if e, ok := model.AsError(err); !ok || e.Field != name {
			t.Errorf("bad %s: error %v", name, err)
		}
	}
}

func TestQuestionsAndBidders(t *testing.T) {
	w := newConsultationWorld(t, 2)
	if _, err := w.st.DB().NewUpdate().Table("enterprises").Set("status = 'SUSPENDED'").Where("id = ?", w.bidders[1].ID).Exec(w.ctx); err != nil {
		t.Fatal(err)
	}
	c := draft("PS-Q", time.Hour)
	c.QuestionDeadline = time.Now().Add(400 * time.Millisecond)
	id := mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, c))
	mustID(t)(w.st.PublishConsultation(w.ctx, agentOp, id))
	drafted := mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft("PS-Q-DRAFT", time.Hour)))
	for name, tt := range map[string]struct {
		op   model.Op
		id   int64
		want model.ErrorCode
	}{
		"a suspended business cannot ask":   {bidderOp(w.bidders[1]), id, model.CodeForbidden},
		"an agent does not ask":             {agentOp, id, model.CodeForbidden},
		"a business does not see the draft": {bidderOp(w.bidders[0]), drafted, model.CodeNotFound},
	} {
		if _, err := outcome(w.st.AskQuestion(w.ctx, tt.op, tt.id, "Question ?")); model.ErrorCodeOf(err) != tt.want {
			t.Errorf("%s: error %v, want %s", name, err, tt.want)
		}
	}
	if _, err := outcome(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[1]), id, terms(10))); model.ErrorCodeOf(err) != model.CodeForbidden {
		t.Errorf("a suspended business submits: error %v, want FORBIDDEN", err)
	}
	mustID(t)(w.st.AskQuestion(w.ctx, bidderOp(w.bidders[0]), id, "Première question ?"))
	time.Sleep(500 * time.Millisecond)
	if _, err := outcome(w.st.AskQuestion(w.ctx, bidderOp(w.bidders[0]), id, "Trop tard ?")); model.ErrorCodeOf(err) != model.CodeDeadlinePassed {
		t.Errorf("a question after the question deadline: error %v, want DEADLINE_PASSED", err)
	}
	// Offers are still open until the offer deadline.
	mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), id, terms(10)))
	conns, err := w.st.QuestionsByConsultations(w.ctx, []int64{id}, model.Page{Limit: 10}, false)
	if err != nil || len(conns[id].Nodes()) != 1 {
		t.Errorf("questions = %v (%v), want the first one only", conns[id], err)
	}
}

func TestExtendDeadlineAndMatching(t *testing.T) {
	w := newConsultationWorld(t, 2)
	w.bidders[1].SectorCode = "COMMERCE"
	if _, err := w.st.DB().NewUpdate().Table("enterprises").Set("sector_code = 'COMMERCE', ape_code = '8130Z'").Where("id = ?", w.bidders[1].ID).Exec(w.ctx); err != nil {
		t.Fatal(err)
	}
	id := w.published(t, "PS-EXT", time.Hour)
	mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft("PS-EXT-DRAFT", time.Hour)))
	offer := mustID(t)(w.st.SubmitOffer(w.ctx, bidderOp(w.bidders[0]), id, terms(500_000)))
	before := w.consultation(t, id)
	if _, err := outcome(w.st.ExtendDeadline(w.ctx, agentOp, id, before.OfferDeadline.Add(-time.Minute), nil)); model.ErrorCodeOf(err) != model.CodeInvalid {
		t.Errorf("an earlier deadline: error %v, want INVALID", err)
	}
	later := before.OfferDeadline.Add(24 * time.Hour)
	mustID(t)(w.st.ExtendDeadline(w.ctx, agentOp, id, later, nil))
	if got := w.consultation(t, id); !got.OfferDeadline.Equal(later) || !got.QuestionDeadline.Equal(before.QuestionDeadline) {
		t.Errorf("deadlines = %s / %s, want %s / %s", got.OfferDeadline, got.QuestionDeadline, later, before.QuestionDeadline)
	}
	if offers, _ := w.st.OffersByIDs(w.ctx, bidderOp(w.bidders[0]).Actor, []int64{offer}); offers[offer] == nil {
		t.Error("the bidder lost its offer with the extension")
	}
	// BTP by sector, COMMERCE by APE code; never the draft.
	matches, err := w.st.MatchingConsultations(w.ctx, []int64{w.bidders[0].ID, w.bidders[1].ID}, model.Page{Limit: 10}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range w.bidders {
		var refs []string
		for _, c := range matches[b.ID].Nodes() {
			refs = append(refs, c.Reference)
		}
		if !slices.Equal(refs, []string{"PS-EXT"}) {
			t.Errorf("business %s matches %v, want [PS-EXT]", b.Name, refs)
		}
	}
}

// Publishing notifies listeners in the publishing transaction: a refused publication sends nothing.
func TestPublishNotifies(t *testing.T) {
	w := newConsultationWorld(t, 0)
	db, ok := w.st.DB().(*bun.DB)
	if !ok {
		t.Fatal("the test store is not over a database")
	}
	conn, err := db.Conn(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	events := make(chan string, 4)
	go func() {
		_ = conn.Raw(func(driverConn any) error {
			pg := driverConn.(*stdlib.Conn).Conn()
			if _, err := pg.Exec(w.ctx, "LISTEN "+store.ConsultationPublishedChannel); err != nil {
				return err
			}
			events <- "listening"
			for {
				ctx, cancel := context.WithTimeout(w.ctx, 3*time.Second)
				n, err := pg.WaitForNotification(ctx)
				cancel()
				if err != nil {
					close(events)
					return err
				}
				events <- n.Payload
			}
		})
	}()
	if <-events != "listening" {
		t.Fatal("LISTEN failed")
	}
	id := mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft("PS-NOTIFY", time.Hour)))
	mustID(t)(w.st.PublishConsultation(w.ctx, agentOp, id))
	if _, err := outcome(w.st.PublishConsultation(w.ctx, agentOp, id)); model.ErrorCodeOf(err) != model.CodeIllegalTransition {
		t.Errorf("publishing twice: error %v", err)
	}
	var got []string
	for e := range events {
		got = append(got, e)
	}
	want := fmt.Sprintf(`{"id":"%s","reference":"PS-NOTIFY","sectors":["BTP"],"apeCodes":["8130Z"]}`, model.GlobalIntID(model.TypeConsultation, id))
	if !slices.Equal(got, []string{want}) {
		t.Errorf("events = %v, want exactly %s", got, want)
	}
}

// The consultations' search ignores accents and case, like the directory's.
func TestConsultationSearchIgnoresAccentsAndCase(t *testing.T) {
	w := newConsultationWorld(t, 0)
	c := draft("PS-2025-0099", time.Hour)
	c.Title = "Rénovation électrique du dispensaire"
	mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, c))
	mustID(t)(w.st.CreateConsultation(w.ctx, agentOp, draft("PS-2025-0100", time.Hour)))
	tests := []struct {
		search string
		want   int
	}{
		{"electrique", 1}, {"RENOVATION", 1}, {"Électrique", 1}, {"ps-2025-0099", 1}, {"espaces verts", 1}, {"PS-2025", 2}, {"plomberie", 0}, {"100%", 0},
	}
	for _, tt := range tests {
		conn, err := w.st.ListConsultations(w.ctx, model.ConsultationQuery{Search: tt.search, Viewer: agentOp.Actor}, model.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(conn.Nodes()) != tt.want {
			t.Errorf("search %q found %d consultations, want %d", tt.search, len(conn.Nodes()), tt.want)
		}
	}
}
