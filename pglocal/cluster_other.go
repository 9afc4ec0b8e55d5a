//go:build !unix

package pglocal

import (
	"context"
	"errors"
)

// Start is not supported off Unix: the package relies on flock, process
// credentials and Unix sockets.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	return nil, errors.New("pglocal: a local postgres cluster needs a unix system; set DATABASE_URL instead")
}

// Close does nothing off Unix, where Start never succeeds.
func (c *Cluster) Close() error { return nil }

// StartReplica is not supported off Unix either.
func StartReplica(ctx context.Context, primary *Cluster, opts Options) (*Cluster, error) {
	return nil, errors.New("pglocal: a local postgres replica needs a unix system")
}
