package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"sudpro/dbtest"
	"sudpro/httpapi"
	"sudpro/model"
	"sudpro/store"
)

// Replica tests pause the replica's replay, which every test using it would notice: they do not run in parallel.

// newReplicatedAPI is an API whose store reads the directory and lists from a streaming replica.
func newReplicatedAPI(t *testing.T) (a *api, primary, replica *bun.DB) {
	t.Helper()
	primary, replica = dbtest.NewReplicated(t)
	st := store.New(primary).WithReplica(replica)
	logs := &syncBuffer{}
	srv := httptest.NewServer(testHandler(t, st, logs, func(cfg *httpapi.Config) { cfg.ReadYourWrites = 5 * time.Second }))
	t.Cleanup(srv.Close)
	a = &api{t: t, url: srv.URL, store: st, logs: logs, tokens: map[string]string{}}
	for _, role := range []model.Role{model.RoleAdmin, model.RoleAgent} {
		a.tokens[string(role)] = a.token(role, "")
	}
	return a, primary, replica
}

// onReplica reads from the request log how many of a response's statements ran on the replica (the query
// hook's connection tag).
func (a *api) onReplica(r response) int64 {
	a.t.Helper()
	n, ok := a.requestLog(r.Header.Get("X-Request-ID"))["sql_replica_statements"].(float64)
	if !ok {
		a.t.Fatalf("no request log line for %s", r.Header.Get("X-Request-ID"))
	}
	return int64(n)
}

// pauseReplay stops the replica's replay until the test ends, so that it lags behind the primary for sure.
func pauseReplay(t *testing.T, replica *bun.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := replica.ExecContext(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := replica.ExecContext(context.Background(), "SELECT pg_wal_replay_resume()"); err != nil {
			t.Errorf("resume replay: %v", err)
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var state string
		if err := replica.QueryRowContext(ctx, "SELECT pg_get_wal_replay_pause_state()").Scan(&state); err == nil && state == "paused" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica's replay did not pause")
		}
	}
}

func names(v any) []string {
	var out []string
	for _, n := range v.([]any) {
		out = append(out, n.(map[string]any)["name"].(string))
	}
	return out
}

func TestDirectoryQueryGoesToTheReplica(t *testing.T) {
	a, primary, replica := newReplicatedAPI(t)
	f := seedFixture(t, a.store, 2)
	dbtest.WaitReplayed(t, primary)
	const directory = `{ enterprises(first: 10) { totalCount nodes { name } } }`

	r := a.query("", directory, nil)
	if got := get(r.mustData(t), "enterprises", "totalCount"); got != float64(3) {
		t.Errorf("totalCount = %v, want the 3 listed businesses", got)
	}
	if n := a.onReplica(r); n < 1 {
		t.Errorf("statements on the replica = %d, want the page with its count there", n)
	}

	// A business registered while the replica lags is not in the directory yet: the list comes from the replica.
	pauseReplay(t, replica)
	late := *f.listed
	late.ID, late.RIDET, late.Name = 0, "0999999001", "Arrivée Tardive"
	if err := a.store.InsertEnterprises(context.Background(), []*model.Enterprise{&late}); err != nil {
		t.Fatal(err)
	}
	if got := names(get(a.query("", directory, nil).mustData(t), "enterprises", "nodes")); slices.Contains(got, late.Name) {
		t.Errorf("directory = %v: read from the primary, not the lagging replica", got)
	}
}

func TestReadAfterOwnMutationSeesTheWrite(t *testing.T) {
	a, primary, replica := newReplicatedAPI(t)
	dbtest.WaitReplayed(t, primary)
	pauseReplay(t, replica) // the replica will not show the write at all
	const programmes = `{ programmes { nodes { name } } }`

	mutation := a.query(a.tokens["ADMIN"], `mutation { createProgramme(input: {name: "CréditSud 2027"}) { programme { name } userErrors { code } } }`, nil)
	mutation.mustData(t)
	if n := a.onReplica(mutation); n != 0 {
		t.Errorf("the mutation ran %d statements on the replica", n)
	}
	r := a.query(a.tokens["ADMIN"], programmes, nil)
	if got := names(get(r.mustData(t), "programmes", "nodes")); !slices.Contains(got, "CréditSud 2027") {
		t.Errorf("the admin's own read after its write = %v, want the new programme", got)
	}
	if n := a.onReplica(r); n != 0 {
		t.Errorf("the read after the write ran %d statements on the replica, want all on the primary", n)
	}

	// Another caller's reads still go to the replica, which has not replayed the write.
	other := a.query(a.tokens["AGENT"], programmes, nil)
	if got := names(get(other.mustData(t), "programmes", "nodes")); slices.Contains(got, "CréditSud 2027") || a.onReplica(other) == 0 {
		t.Errorf("another caller read %v with %d statements on the replica, want the replica's lagging view", got, a.onReplica(other))
	}

	// Another process behind the load balancer knows nothing of the write, but honours the cookie it set.
	cookie := ""
	for _, c := range mutation.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "sudpro_primary_until=") {
			cookie, _, _ = strings.Cut(c, ";")
		}
	}
	if cookie == "" {
		t.Fatalf("the mutation's response sets no read-your-writes cookie: %v", mutation.Header)
	}
	srv2 := httptest.NewServer(testHandler(t, a.store, a.logs, func(cfg *httpapi.Config) { cfg.ReadYourWrites = 5 * time.Second }))
	t.Cleanup(srv2.Close)
	for _, tc := range []struct {
		name   string
		cookie string
		want   bool
	}{{"with the cookie", cookie, true}, {"without it", "", false}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv2.URL+"/graphql", strings.NewReader(`{"query": "`+programmes+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+a.tokens["ADMIN"])
			if tc.cookie != "" {
				req.Header.Set("Cookie", tc.cookie)
			}
			got := names(get(a.do(req).mustData(t), "programmes", "nodes"))
			if slices.Contains(got, "CréditSud 2027") != tc.want {
				t.Errorf("programmes on the second process %s = %v, want the write shown: %v", tc.name, got, tc.want)
			}
		})
	}
}
