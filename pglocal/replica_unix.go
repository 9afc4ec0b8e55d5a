//go:build unix

package pglocal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
)

// StartReplica returns a handle on a streaming hot standby of primary kept in opts.Dir: the first user takes a
// fresh base backup of the primary (pg_basebackup -R, as the server's OS user) and starts it; later users,
// while it runs, attach to it. A replica nobody uses is rebuilt rather than reused, since its primary may have
// recycled the WAL it would need to catch up. Close stops it after its last user, like a primary.
func StartReplica(ctx context.Context, primary *Cluster, opts Options) (*Cluster, error) {
	c, unlock, err := newLockedCluster(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer unlock()

	c.users = c.lock("users")
	alone, err := c.users.TryLock()
	if err != nil {
		return nil, fmt.Errorf("pglocal: lock %s: %w", c.users.Path(), err)
	}
	if alone {
		err := c.baseBackup(ctx, primary)
		_ = c.users.Unlock()
		if err != nil {
			return nil, fmt.Errorf("pglocal: replica: %w", err)
		}
	}
	if _, err := c.users.TryRLockContext(ctx, lockRetryDelay); err != nil {
		return nil, fmt.Errorf("pglocal: wait for %s: %w", c.users.Path(), err)
	}
	settings := maps.Clone(opts.Settings)
	if settings == nil {
		settings = map[string]string{}
	}
	// The primary may have moved to another port since the backup: name the current one.
	settings["primary_conninfo"] = fmt.Sprintf("host=127.0.0.1 port=%d user=postgres application_name=%s", primary.port, c.lockTag)
	if err := c.ensureRunning(ctx, settings); err != nil {
		_ = c.users.Unlock()
		return nil, fmt.Errorf("pglocal: replica: %w", err)
	}
	return c, nil
}

// baseBackup stops a replica left running by an earlier run and replaces its data folder with a fresh base
// backup of primary, configured as a standby (standby.signal and primary_conninfo). The caller holds the start
// lock and the users lock exclusively.
func (c *Cluster) baseBackup(ctx context.Context, primary *Cluster) error {
	if pf, err := readPIDFile(c.dataDir); err == nil && c.isPostmaster(pf.pid) {
		if err := c.stop(pf); err != nil {
			return err
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	tmp := filepath.Join(filepath.Dir(c.dataDir), "."+filepath.Base(c.dataDir)+".basebackup")
	defer func() { _ = os.RemoveAll(tmp) }()
	if err := c.freshDir(tmp); err != nil {
		return err
	}
	c.log.Info("taking a base backup of the local postgres for a replica", "primary_port", primary.port, "dir", c.dataDir)
	out, err := c.command(ctx, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres",
		"-D", tmp, "-R", "-X", "stream", "-c", "fast", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_basebackup: %w\n%s", err, lastLines(out, 20))
	}
	// The primary's log and pid file are not the replica's.
	for _, name := range []string{"server.log", "server.log.1", "postmaster.pid", "postmaster.opts"} {
		_ = os.Remove(filepath.Join(tmp, name))
	}
	if err := os.RemoveAll(c.dataDir); err != nil {
		return fmt.Errorf("remove old replica: %w", err)
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("move base backup into place: %w", err)
	}
	return nil
}
