package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"sudpro/httpapi"
	"sudpro/model"
)

// TestProfiling checks who reaches the Go profiles: anyone in local mode; in production ADMIN tokens only, others
// get 404 (as if the endpoints did not exist), and a bad token 401.
func TestProfiling(t *testing.T) {
	t.Parallel()
	production := newAPI(t)
	local := newAPIWith(t, func(c *httpapi.Config) { c.LocalProfiling = true })
	cases := []struct {
		name   string
		api    *api
		token  string
		path   string
		status int
	}{
		{"local, anonymous, index", local, "", "/debug/pprof/", http.StatusOK},
		{"local, anonymous, heap", local, "", "/debug/pprof/heap?debug=1", http.StatusOK},
		{"local, chamber, goroutines", local, local.tokens[string(model.RoleChamber)], "/debug/pprof/goroutine?debug=1", http.StatusOK},
		{"production, anonymous", production, "", "/debug/pprof/", http.StatusNotFound},
		{"production, anonymous, heap", production, "", "/debug/pprof/heap", http.StatusNotFound},
		{"production, agent", production, production.tokens[string(model.RoleAgent)], "/debug/pprof/", http.StatusNotFound},
		{"production, chamber", production, production.tokens[string(model.RoleChamber)], "/debug/pprof/cmdline", http.StatusNotFound},
		{"production, bad token", production, "not-a-token", "/debug/pprof/", http.StatusUnauthorized},
		{"production, admin, index", production, production.tokens[string(model.RoleAdmin)], "/debug/pprof/", http.StatusOK},
		{"production, admin, heap", production, production.tokens[string(model.RoleAdmin)], "/debug/pprof/heap?debug=1", http.StatusOK},
		{"production, admin, cmdline", production, production.tokens[string(model.RoleAdmin)], "/debug/pprof/cmdline", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, c.api.url+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != c.status {
				t.Fatalf("GET %s: status %d, want %d: %.200s", c.path, res.StatusCode, c.status, body)
			}
			if c.status == http.StatusOK && strings.Contains(c.path, "heap") && !strings.Contains(string(body), "heap profile") {
				t.Errorf("GET %s: not a heap profile: %.200s", c.path, body)
			}
		})
	}
}
