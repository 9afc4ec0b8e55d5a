package graph

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"sudpro/model"
	"sudpro/store"
)

// Events is where subscriptions get PostgreSQL's notifications (store.Listener).
type Events interface {
	Subscribe(channel string) (events <-chan store.Notification, cancel func())
}

// EnvelopeInterval is the shortest time between two updates of one sessionEnvelope subscription: during a rush,
// moves are coalesced into at most 10 updates per second per subscriber.
const EnvelopeInterval = 100 * time.Millisecond

// WithEvents gives the resolver its event source; opened, when not nil, is called when a subscription starts and
// the function it returns when it ends (the subscriptions gauge).
func (r *Resolver) WithEvents(e Events, opened func() (closed func())) *Resolver {
	r.events, r.opened = e, opened
	return r
}

// stream subscribes to channel and runs relay over its notifications on a goroutine until ctx ends or the events
// stop; out is closed afterwards, which completes the subscription.
func stream[T any](ctx context.Context, r *Resolver, channel string, relay func(ctx context.Context, n store.Notification, out chan<- T) bool) (<-chan T, error) {
	if r.events == nil {
		return nil, errors.New("subscriptions are not available on this server")
	}
	events, cancel := r.events.Subscribe(channel)
	closed := func() {}
	if r.opened != nil {
		closed = r.opened()
	}
	out := make(chan T, 1)
	go func() {
		defer close(out)
		defer closed()
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case n, ok := <-events:
				if !ok || !relay(ctx, n, out) {
					return
				}
			}
		}
	}()
	return out, nil
}

// send delivers v unless ctx ends first; false means the subscription is over.
func send[T any](ctx context.Context, out chan<- T, v T) bool {
	select {
	case out <- v:
		return true
	case <-ctx.Done():
		return false
	}
}

// invoiceUpdates relays the invoices of invoice_updated events that pass keep, read fresh from the primary.
func (r *Resolver) invoiceUpdates(ctx context.Context, keep func(store.InvoiceEvent) bool) (<-chan *model.Invoice, error) {
	return stream(ctx, r, store.InvoiceUpdatedChannel, func(ctx context.Context, n store.Notification, out chan<- *model.Invoice) bool {
		var ids []int64
		for _, e := range store.ParseInvoiceEvents(n.Payload) {
			if keep(e) {
				ids = append(ids, e.ID)
			}
		}
		if len(ids) == 0 {
			return true
		}
		invoices, err := r.store.InvoicesByIDs(store.WithPrimaryReads(ctx), ids)
		if err != nil {
			r.logger.ErrorContext(ctx, "read updated invoices", "error", err.Error())
			return true
		}
		for _, id := range ids {
			if inv := invoices[id]; inv != nil && !send(ctx, out, inv) {
				return false
			}
		}
		return true
	})
}

// subscribeInvoices checks an invoiceUpdated subscription and starts it.
func (r *Resolver) subscribeInvoices(ctx context.Context, id *string) (<-chan *model.Invoice, error) {
	actor := model.ActorFrom(ctx)
	if id == nil {
		return r.invoiceUpdates(ctx, func(e store.InvoiceEvent) bool { return actor.IsStaff() || actor.ActsFor(e.SellerID, e.BuyerID) })
	}
	invoiceID, err := model.ParseIntID("id", model.TypeInvoice, *id)
	if err != nil {
		return nil, err
	}
	found, err := r.store.InvoicesByIDs(ctx, []int64{invoiceID})
	if err != nil {
		return nil, err
	}
	if inv := found[invoiceID]; inv == nil || !inv.VisibleTo(actor) {
		return nil, model.Errorf(model.CodeNotFound, "id", "no invoice %s that you may see", *id)
	}
	return r.invoiceUpdates(ctx, func(e store.InvoiceEvent) bool { return e.ID == invoiceID })
}

// subscribeConsultations checks a consultationPublished subscription and starts it: sectors default to the
// caller business's own; other callers without sectors get every sector.
func (r *Resolver) subscribeConsultations(ctx context.Context, sectors []string) (<-chan *model.Consultation, error) {
	actor := model.ActorFrom(ctx)
	codes := sectorCodes(sectors)
	if sectors == nil && actor.Role == model.RoleEnterprise {
		found, err := r.store.EnterprisesByIDs(ctx, []int64{actor.EnterpriseID})
		if err != nil {
			return nil, err
		}
		e := found[actor.EnterpriseID]
		if e == nil {
			return nil, model.Errorf(model.CodeNotFound, "sectors", "your business is not in the register")
		}
		codes = []string{e.SectorCode}
	}
	return stream(ctx, r, store.ConsultationPublishedChannel, func(ctx context.Context, n store.Notification, out chan<- *model.Consultation) bool {
		var event model.PublishedEvent
		if n.Resync || json.Unmarshal([]byte(n.Payload), &event) != nil {
			return true
		}
		if codes != nil && !slices.ContainsFunc(event.SectorCodes, func(c string) bool { return slices.Contains(codes, c) }) {
			return true
		}
		id, err := model.ParseIntID("id", model.TypeConsultation, event.ID)
		if err != nil {
			return true
		}
		found, err := r.store.ConsultationsByIDs(store.WithPrimaryReads(ctx), []int64{id})
		if err != nil {
			r.logger.ErrorContext(ctx, "read published consultation", "error", err.Error())
			return true
		}
		if c := found[id]; c != nil && c.VisibleTo(actor) {
			return send(ctx, out, c)
		}
		return true
	})
}

// subscribeEnvelope checks a sessionEnvelope subscription and starts it: the envelope at once, then after moves,
// read fresh from the ledger at most once per EnvelopeInterval.
func (r *Resolver) subscribeEnvelope(ctx context.Context, id string) (<-chan *model.SessionBudget, error) {
	sessionID, err := model.ParseIntID("id", model.TypeSession, id)
	if err != nil {
		return nil, err
	}
	found, err := r.store.SessionsByIDs(ctx, []int64{sessionID})
	if err != nil {
		return nil, err
	}
	if found[sessionID] == nil {
		return nil, model.Errorf(model.CodeNotFound, "id", "no session %s", id)
	}
	ctx, stop := context.WithCancel(ctx)
	changed := make(chan struct{}, 1)
	moves, err := stream(ctx, r, store.SessionEnvelopeChannel, func(ctx context.Context, n store.Notification, _ chan<- struct{}) bool {
		if n.Resync || slices.Contains(store.ParseIDs(n.Payload), sessionID) {
			select {
			case changed <- struct{}{}:
			default: // an update is already pending: this move is coalesced into it
			}
		}
		return true
	})
	if err != nil {
		stop()
		return nil, err
	}
	changed <- struct{}{} // the current state first
	out := make(chan *model.SessionBudget, 1)
	go func() {
		defer close(out)
		defer stop()
		var last time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case <-moves: // closed when the events stop
				return
			case <-changed:
			}
			if wait := EnvelopeInterval - time.Since(last); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
			last = time.Now()
			budgets, err := r.store.SessionBudgets(store.WithPrimaryReads(ctx), []int64{sessionID})
			if err != nil {
				if ctx.Err() == nil {
					r.logger.ErrorContext(ctx, "read session envelope", "error", err.Error())
				}
				continue
			}
			if !send(ctx, out, budgets[sessionID]) {
				return
			}
		}
	}()
	return out, nil
}
