package graph

//go:generate go tool gqlgen generate

import (
	"log/slog"

	"sudpro/store"
)

// Resolver is the root of the GraphQL resolvers and the one place their dependencies are injected; server.go
// builds it once.
type Resolver struct {
	store     *store.Store
	logger    *slog.Logger
	requestID RequestIDFunc
	events    Events        // subscriptions' notifications (WithEvents)
	opened    func() func() // counts open subscriptions, or nil
}

// NewResolver returns the root resolver over st; requestID names the request of a context in the ledger.
func NewResolver(st *store.Store, logger *slog.Logger, requestID RequestIDFunc) *Resolver {
	return &Resolver{store: st, logger: logger, requestID: requestID}
}
