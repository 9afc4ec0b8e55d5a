package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"sudpro/httpapi"
	"sudpro/model"
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

// The allowlist: an admin registers operations; a key with persistedOnly (or a role of PersistedOnlyRoles) runs
// them, by text or by hash alone, and nothing else; other callers are not restricted.
func TestPersistedOperationsAllowlist(t *testing.T) {
	a := newAPIWith(t, func(cfg *httpapi.Config) { cfg.PersistedOnlyRoles = []model.Role{model.RoleAgent} })
	admin := a.tokens["ADMIN"]
	const registered = `{ viewer { role } }`
	const register = `mutation($in: RegisterPersistedOperationInput!) { registerPersistedOperation(input: $in) {
		operation { id hash name } userErrors { field code } } }`
	r := a.query(admin, register, map[string]any{"in": map[string]any{"name": "dashboard: who am I", "query": registered}})
	op := get(r.mustData(t), "registerPersistedOperation", "operation")
	if get(op, "hash") != model.OperationHash(registered) {
		t.Fatalf("register: %s", r.Raw)
	}
	r = a.query(admin, register, map[string]any{"in": map[string]any{"name": "broken", "query": "{ viewer {"}})
	if get(r.mustData(t), "registerPersistedOperation", "userErrors", 0, "field") != "input.query" {
		t.Errorf("a document that does not parse: %s", r.Raw)
	}
	r = a.query(admin, `mutation { createApiKey(input: {name: "Tableau de bord", scopes: [STATISTICS]}) { apiKey { id } key } }`, nil)
	data := r.mustData(t)
	keyID, key := get(data, "createApiKey", "apiKey", "id").(string), get(data, "createApiKey", "key").(string)
	r = a.query(admin, `mutation($id: ID!) { setApiKeyPersistedOnly(input: {id: $id, persistedOnly: true}) { apiKey { persistedOnly } userErrors { code } } }`,
		map[string]any{"id": keyID})
	if get(r.mustData(t), "setApiKeyPersistedOnly", "apiKey", "persistedOnly") != true {
		t.Fatalf("setApiKeyPersistedOnly: %s", r.Raw)
	}
	hashOnly, _ := json.Marshal(map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": model.OperationHash(registered)}}})
	for _, caller := range []struct{ name, token, role string }{{"persisted-only key", key, "CHAMBER"}, {"persisted-only role", a.tokens["AGENT"], "AGENT"}} {
		t.Run(caller.name, func(t *testing.T) {
			if got := get(a.query(caller.token, registered, nil).mustData(t), "viewer", "role"); got != caller.role {
				t.Errorf("registered text: role %v", got)
			}
			if got := get(a.post(caller.token, "application/json", string(hashOnly)).mustData(t), "viewer", "role"); got != caller.role {
				t.Errorf("registered hash alone: role %v", got)
			}
			r := a.query(caller.token, `{ viewer { subject } }`, nil)
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_ALLOWED" || r.Data != nil {
				t.Errorf("unregistered operation: %s", r.Raw)
			}
		})
	}
	// Others run anything; a removed operation no longer runs for the restricted.
	if got := get(a.query(a.tokens["CHAMBER"], `{ viewer { subject } }`, nil).mustData(t), "viewer", "subject"); got == nil {
		t.Error("an unrestricted caller was refused")
	}
	r = a.query(admin, `{ persistedOperations { id hash } }`, nil)
	if ops := get(r.mustData(t), "persistedOperations").([]any); len(ops) != 1 {
		t.Fatalf("persistedOperations: %s", r.Raw)
	}
	r = a.query(admin, `mutation($id: ID!) { removePersistedOperation(input: {id: $id}) { operation { hash } userErrors { code } } }`,
		map[string]any{"id": get(op, "id")})
	if get(r.mustData(t), "removePersistedOperation", "operation", "hash") != model.OperationHash(registered) {
		t.Fatalf("remove: %s", r.Raw)
	}
	if r := a.query(key, registered, nil); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "PERSISTED_QUERY_NOT_ALLOWED" {
		t.Errorf("removed operation: %s", r.Raw)
	}
}
