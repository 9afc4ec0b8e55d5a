package store

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Channels of the PostgreSQL NOTIFY events clients can subscribe to. Each is sent inside the transaction of its
// change, so it is delivered at COMMIT and never for a rolled-back change. Payloads carry ids only.
const (
	// InvoiceUpdatedChannel: a trigger on invoices (migration 20260207000001_events) sends "id:seller:buyer" items
	// separated by commas for every inserted or updated invoice.
	InvoiceUpdatedChannel = "invoice_updated"
	// SessionEnvelopeChannel: settle sends the ids of the sessions whose envelope accounts moved, separated by
	// commas, in the statement that moves them.
	SessionEnvelopeChannel = "session_envelope"
)

// Channels are the channels a Listener listens to.
var Channels = []string{InvoiceUpdatedChannel, SessionEnvelopeChannel, ConsultationPublishedChannel}

// sessionsPayload lists the sessions whose envelope accounts the moves change ("" when none).
func sessionsPayload(moves []posting) string {
	var ids []int64
	for _, p := range moves {
		if p.amount != 0 && lockGroup(p.account.Kind) == 1 && p.account.SessionID != nil {
			ids = append(ids, *p.account.SessionID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// InvoiceEvent is one invoice of an invoice_updated payload.
type InvoiceEvent struct{ ID, SellerID, BuyerID int64 }

// ParseInvoiceEvents decodes an invoice_updated payload; malformed items are skipped.
func ParseInvoiceEvents(payload string) []InvoiceEvent {
	var out []InvoiceEvent
	for item := range strings.SplitSeq(payload, ",") {
		f := strings.Split(item, ":")
		if len(f) != 3 {
			continue
		}
		var ids [3]int64
		ok := true
		for i, s := range f {
			n, err := strconv.ParseInt(s, 10, 64)
			ids[i], ok = n, ok && err == nil
		}
		if ok {
			out = append(out, InvoiceEvent{ID: ids[0], SellerID: ids[1], BuyerID: ids[2]})
		}
	}
	return out
}

// ParseIDs decodes a payload of ids separated by commas (session_envelope); malformed items are skipped.
func ParseIDs(payload string) []int64 {
	var out []int64
	for item := range strings.SplitSeq(payload, ",") {
		if n, err := strconv.ParseInt(item, 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// Notification is an event received from PostgreSQL. Resync (with no channel) tells every subscriber that the
// listening connection was lost and is back: events of the gap may be missing, so state should be read again.
type Notification struct {
	Channel string
	Payload string
	Resync  bool
}

// subscriberBuffer is how many events a subscriber may lag behind before the next ones are dropped for it.
const subscriberBuffer = 256

// Listener holds one dedicated LISTEN connection to the primary (not a pooled one, never the replica) and fans
// its notifications out to subscribers. When the connection is lost it reconnects with backoff and LISTENs again,
// so subscriptions survive a database restart.
type Listener struct {
	dsn    string
	logger *slog.Logger

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	ready  chan struct{} // closed once the first LISTEN succeeded
	cancel context.CancelFunc
	done   chan struct{}
	// Connected counts successful (re)connections, for tests and logs.
	connected int
}

type subscriber struct {
	channel string
	ch      chan Notification
}

// Listen starts the listener on dsn; Close stops it.
func Listen(dsn string, logger *slog.Logger) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{dsn: dsn, logger: logger, subs: map[*subscriber]struct{}{}, ready: make(chan struct{}), cancel: cancel,
		done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// Ready returns a channel closed once the listener has listened for the first time.
func (l *Listener) Ready() <-chan struct{} { return l.ready }

// Connections is how many times the listener has connected and listened.
func (l *Listener) Connections() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.connected
}

// Close stops listening and closes every subscriber's channel.
func (l *Listener) Close() {
	l.cancel()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.subs {
		close(s.ch)
		delete(l.subs, s)
	}
}

// Subscribe returns the notifications of channel (and resyncs) until cancel is called or the listener closes;
// the channel is then closed.
func (l *Listener) Subscribe(channel string) (events <-chan Notification, cancel func()) {
	s := &subscriber{channel: channel, ch: make(chan Notification, subscriberBuffer)}
	l.mu.Lock()
	select {
	case <-l.done:
		close(s.ch)
		l.mu.Unlock()
		return s.ch, func() {}
	default:
	}
	l.subs[s] = struct{}{}
	l.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if _, ok := l.subs[s]; ok {
				delete(l.subs, s)
				close(s.ch)
			}
		})
	}
}

func (l *Listener) publish(n Notification) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.subs {
		if !n.Resync && s.channel != n.Channel {
			continue
		}
		select {
		case s.ch <- n:
		default:
			l.logger.Warn("subscriber too slow: event dropped", "channel", n.Channel)
		}
	}
}

const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func (l *Listener) run(ctx context.Context) {
	defer close(l.done)
	backoff := minBackoff
	lost := false
	for ctx.Err() == nil {
		err := l.listen(ctx, func() {
			backoff = minBackoff
			l.mu.Lock()
			l.connected++
			first := l.connected == 1
			l.mu.Unlock()
			if first {
				close(l.ready)
			}
			if lost {
				l.logger.Info("event listener reconnected")
				l.publish(Notification{Resync: true})
			}
		})
		if ctx.Err() != nil {
			return
		}
		lost = true
		l.logger.Warn("event listener disconnected, reconnecting", "error", err.Error(), "backoff", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// listen connects, LISTENs to every channel, calls listening, then relays notifications until the connection
// fails or ctx ends.
func (l *Listener) listen(ctx context.Context, listening func()) error {
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(connectCtx, l.dsn)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	for _, ch := range Channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return err
		}
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		l.publish(Notification{Channel: n.Channel, Payload: n.Payload})
	}
}
