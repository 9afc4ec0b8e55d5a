package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// Automatic Persisted Queries: the hash alone is refused until the server has seen the text, then runs, over POST
// and GET.
func TestAutomaticPersistedQueries(t *testing.T) {
	a := newAPI(t)
	const query = `{ viewer { role } }`
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	hashOnly, _ := json.Marshal(map[string]any{"extensions": ext})
	withText, _ := json.Marshal(map[string]any{"query": query, "extensions": ext})
	wrongText, _ := json.Marshal(map[string]any{"query": `{ viewer { subject } }`, "extensions": ext})
	token := a.tokens["AGENT"]

	r := a.post(token, "application/json", string(hashOnly))
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: %s, want PERSISTED_QUERY_NOT_FOUND", r.Raw)
	}
	if r := a.post(token, "application/json", string(wrongText)); len(r.Errors) == 0 {
		t.Fatalf("a text that does not match its hash ran: %s", r.Raw)
	}
	if got := get(a.post(token, "application/json", string(withText)).mustData(t), "viewer", "role"); got != "AGENT" {
		t.Fatalf("query with its hash: role %v", got)
	}
	if got := get(a.post(token, "application/json", string(hashOnly)).mustData(t), "viewer", "role"); got != "AGENT" {
		t.Errorf("hash only, after the text was seen: role %v", got)
	}
	extJSON, _ := json.Marshal(ext)
	req, _ := http.NewRequest(http.MethodGet, a.url+"/graphql?extensions="+url.QueryEscape(string(extJSON)), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if got := get(a.do(req).mustData(t), "viewer", "role"); got != "AGENT" {
		t.Errorf("hash only over GET: role %v", got)
	}
}
