package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"sudpro/model"
)

const (
	testIssuer   = "https://idp.example.test/realms/sudpro"
	testAudience = "sudpro-api"
)

// testKeys are generated once: RSA key generation is the slow part of these tests.
var testKeys = sync.OnceValue(func() (k struct {
	rsa1, rsa2 *rsa.PrivateKey // rsa2 is outside the served set unless a test adds it
	ec1        *ecdsa.PrivateKey
}) {
	mustRSA := func() *rsa.PrivateKey {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return key
	}
	k.rsa1, k.rsa2 = mustRSA(), mustRSA()
	var err error
	if k.ec1, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		panic(err)
	}
	return k
})

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, pub *rsa.PublicKey, alg string) map[string]string {
	jwk := map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
	if alg != "" {
		jwk["alg"] = alg
	}
	return jwk
}

func ecJWK(t *testing.T, kid string, pub *ecdsa.PublicKey) map[string]string {
	t.Helper()
	raw, err := pub.Bytes() // 0x04 || X || Y, 32 bytes each on P-256
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(raw[1:33]), "y": b64(raw[33:])}
}

// jwksServer serves a JWK Set that a test can change, and counts the fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []map[string]string
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, keys ...map[string]string) *jwksServer {
	t.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(keys ...map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func testLookup(_ context.Context, r model.RIDET) (int64, error) {
	if r == "1234567001" {
		return 42, nil
	}
	return 0, model.Errorf(model.CodeNotFound, "", "enterprise not found")
}

func newTestAuthenticator(t *testing.T, url string, mod func(*Options)) *Authenticator {
	t.Helper()
	opts := Options{
		JWKSURL: url, Issuer: testIssuer, Audience: testAudience, Lookup: testLookup,
		Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&opts)
	}
	a, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// claims are valid claims of an ADMIN token, changed by mods.
func claims(mods ...func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": "user-1", "role": "ADMIN",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for _, mod := range mods {
		mod(c)
	}
	return c
}

func set(name string, v any) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c[name] = v } }

func unset(name string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { delete(c, name) } }

// sign signs c with method and key, naming kid in the header unless it is empty.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	token := jwt.NewWithClaims(method, c)
	if kid != "" {
		token.Header["kid"] = kid
	}
	s, err := token.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func publicKeyPEM(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// checkAuth authenticates token and compares with want, or with an UNAUTHENTICATED error containing wantErr.
func checkAuth(t *testing.T, a *Authenticator, token string, want model.Actor, wantErr string) {
	t.Helper()
	got, err := a.Authenticate(context.Background(), "Bearer "+token)
	if wantErr == "" {
		if err != nil {
			t.Fatalf("Authenticate() error = %v, want %+v", err, want)
		}
		if got != want {
			t.Fatalf("Authenticate() = %+v, want %+v", got, want)
		}
		return
	}
	if err == nil {
		t.Fatalf("Authenticate() = %+v, want an error containing %q", got, wantErr)
	}
	if model.ErrorCodeOf(err) != model.CodeUnauthenticated {
		t.Errorf("Authenticate() error code = %q (%v), want UNAUTHENTICATED", model.ErrorCodeOf(err), err)
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Errorf("Authenticate() error = %q, want it to contain %q", err, wantErr)
	}
	for part := range strings.SplitSeq(token, ".") {
		if len(part) > 8 && strings.Contains(err.Error(), part) {
			t.Errorf("Authenticate() error %q echoes the token", err)
		}
	}
}

func TestJWKSAuthenticate(t *testing.T) {
	k := testKeys()
	encKey := ecJWK(t, "ec-enc", &k.ec1.PublicKey)
	encKey["use"] = "enc"
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"), ecJWK(t, "ec-1", &k.ec1.PublicKey), encKey)
	a := newTestAuthenticator(t, srv.URL+"/.well-known/jwks.json", nil)
	now := time.Now()
	admin := model.Actor{Role: model.RoleAdmin, Subject: "user-1"}
	tests := []struct {
		name    string
		token   string
		want    model.Actor
		wantErr string
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims()), admin, ""},
		{"ES256", sign(t, jwt.SigningMethodES256, k.ec1, "ec-1", claims(set("role", "AGENT"))), model.Actor{Role: model.RoleAgent, Subject: "user-1"}, ""},
		{"enterprise", sign(t, jwt.SigningMethodES256, k.ec1, "ec-1", claims(set("role", "ENTERPRISE"), set("ridet", "1234567001"))),
			model.Actor{Role: model.RoleEnterprise, Subject: "user-1", EnterpriseID: 42}, ""},
		{"enterprise without ridet", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("role", "ENTERPRISE"))), model.Actor{}, "ridet claim"},
		{"role in lower case", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("role", "agent"))), model.Actor{Role: model.RoleAgent, Subject: "user-1"}, ""},
		{"role as array", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("role", []string{"AGENT"}))), model.Actor{Role: model.RoleAgent, Subject: "user-1"}, ""},
		{"most powerful role of an array", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("role", []string{"offline_access", "ENTERPRISE", "AGENT"}))),
			model.Actor{Role: model.RoleAgent, Subject: "user-1"}, ""},
		{"array without a known role", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("role", []string{"offline_access"}))), model.Actor{}, "none of the token's role"},
		{"unknown role", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("role", "ROOT"))), model.Actor{}, "is not one of"},
		{"no role", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(unset("role"))), model.Actor{}, "no role claim"},
		{"unknown kid", sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-other", claims()), model.Actor{}, "unknown"},
		{"known kid, other key", sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-1", claims()), model.Actor{}, "signature is not valid"},
		{"no kid", sign(t, jwt.SigningMethodRS256, k.rsa1, "", claims()), model.Actor{}, "kid"},
		{"ES256 naming the RSA key", sign(t, jwt.SigningMethodES256, k.ec1, "rsa-1", claims()), model.Actor{}, "does not fit"},
		{"key meant for encryption", sign(t, jwt.SigningMethodES256, k.ec1, "ec-enc", claims()), model.Actor{}, "does not fit"},
		{"RS256 naming the EC key", sign(t, jwt.SigningMethodRS256, k.rsa1, "ec-1", claims()), model.Actor{}, "does not fit"},
		{"expired beyond the skew", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("exp", now.Add(-2*time.Minute).Unix()))), model.Actor{}, "expired"},
		{"expired within the skew", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("exp", now.Add(-30*time.Second).Unix()))), admin, ""},
		{"issued in the future beyond the skew", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("iat", now.Add(5*time.Minute).Unix()))), model.Actor{}, "not valid yet"},
		{"no exp", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(unset("exp"))), model.Actor{}, "exp"},
		{"wrong audience", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("aud", "another-api"))), model.Actor{}, "wrong audience"},
		{"audience among several", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("aud", []string{"account", testAudience}))), admin, ""},
		{"wrong issuer", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("iss", "https://evil.example.test"))), model.Actor{}, "wrong issuer"},
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-1", claims()), model.Actor{}, "algorithm"},
		{"RS384", sign(t, jwt.SigningMethodRS384, k.rsa1, "rsa-1", claims()), model.Actor{}, "algorithm"},
		{"HS256 without a configured secret", sign(t, jwt.SigningMethodHS256, []byte("some-secret-some-secret-some-secret"), "", claims()), model.Actor{}, "algorithm"},
		{"HS256 signed with the RSA public key (algorithm confusion)", sign(t, jwt.SigningMethodHS256, publicKeyPEM(t, &k.rsa1.PublicKey), "rsa-1", claims()), model.Actor{}, "algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkAuth(t, a, tt.token, tt.want, tt.wantErr) })
	}
	// An unknown algorithm name never reaches a key.
	t.Run("unknown algorithm name", func(t *testing.T) {
		header := b64([]byte(`{"alg":"XY512","kid":"rsa-1","typ":"JWT"}`))
		payload, _ := json.Marshal(claims())
		checkAuth(t, a, header+"."+b64(payload)+".c2lnbmF0dXJl", model.Actor{}, "algorithm")
	})
}

func TestJWKSCustomClaims(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, ""))
	tests := []struct {
		name              string
		roleClaim, rClaim string
		claims            jwt.MapClaims
		want              model.Actor
		wantErr           string
	}{
		{"roles array", "roles", "", claims(unset("role"), set("roles", []string{"AGENT"})), model.Actor{Role: model.RoleAgent, Subject: "user-1"}, ""},
		{"namespaced claims", "https://sudpro.nc/roles", "https://sudpro.nc/ridet",
			claims(unset("role"), set("https://sudpro.nc/roles", []string{"ENTERPRISE"}), set("https://sudpro.nc/ridet", "1234567001")),
			model.Actor{Role: model.RoleEnterprise, Subject: "user-1", EnterpriseID: 42}, ""},
		{"nested path", "realm_access.roles", "", claims(unset("role"), set("realm_access", map[string]any{"roles": []string{"default-roles", "CHAMBER"}})),
			model.Actor{Role: model.RoleChamber, Subject: "user-1"}, ""},
		{"the default claim is not read", "groups", "", claims(), model.Actor{}, "no groups claim"},
		{"claim of the wrong type", "groups", "", claims(set("groups", 7)), model.Actor{}, "string or an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestAuthenticator(t, srv.URL, func(o *Options) { o.RoleClaim, o.RIDETClaim = tt.roleClaim, tt.rClaim })
			checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", tt.claims), tt.want, tt.wantErr)
		})
	}
}

func TestJWKSWithHS256Secret(t *testing.T) {
	k := testKeys()
	secret := []byte("test-secret-test-secret-test-secret")
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"))
	a := newTestAuthenticator(t, srv.URL, func(o *Options) { o.HS256Secret = secret; o.RoleClaim = "roles" })
	dev, err := Issue(secret, testIssuer, testAudience, "dev", model.RoleAdmin, "", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token string
		want        model.Actor
		wantErr     string
	}{
		{"development token (role claim)", dev, model.Actor{Role: model.RoleAdmin, Subject: "dev"}, ""},
		{"JWKS token (roles claim)", sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("roles", []string{"AGENT"}))), model.Actor{Role: model.RoleAgent, Subject: "user-1"}, ""},
		{"HS256 signed with the RSA public key", sign(t, jwt.SigningMethodHS256, publicKeyPEM(t, &k.rsa1.PublicKey), "rsa-1", claims()), model.Actor{}, "signature is not valid"},
		{"HS256 signed with another secret", sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), "", claims()), model.Actor{}, "signature is not valid"},
		{"HS384", sign(t, jwt.SigningMethodHS384, secret, "", claims()), model.Actor{}, "algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkAuth(t, a, tt.token, tt.want, tt.wantErr) })
	}
	// Close stops the background refreshes only: cached keys keep verifying.
	a.Close()
	checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims(set("roles", "ADMIN"))), model.Actor{Role: model.RoleAdmin, Subject: "user-1"}, "")
}

func TestJWKSKeyRotation(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"))
	a := newTestAuthenticator(t, srv.URL, func(o *Options) { o.UnknownKIDRefreshInterval = time.Millisecond })
	admin := model.Actor{Role: model.RoleAdmin, Subject: "user-1"}
	old := sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims())
	rotated := sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-2", claims())

	checkAuth(t, a, rotated, model.Actor{}, "(kid) is unknown")
	// The provider publishes its new key: the unknown kid makes the authenticator fetch the set again.
	srv.setKeys(rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"), rsaJWK("rsa-2", &k.rsa2.PublicKey, "RS256"))
	before := srv.fetches.Load()
	checkAuth(t, a, rotated, admin, "")
	if got := srv.fetches.Load() - before; got != 1 {
		t.Errorf("the new kid caused %d fetches, want 1", got)
	}
	checkAuth(t, a, old, admin, "")
	// The provider withdraws the old key: once the set is fetched again, its tokens are refused.
	srv.setKeys(rsaJWK("rsa-2", &k.rsa2.PublicKey, "RS256"))
	time.Sleep(5 * time.Millisecond)
	checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-3", claims()), model.Actor{}, "(kid) is unknown")
	checkAuth(t, a, old, model.Actor{}, "(kid) is unknown")
	checkAuth(t, a, rotated, admin, "")
}

func TestJWKSUnknownKIDRefreshIsRateLimited(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"))
	a := newTestAuthenticator(t, srv.URL, func(o *Options) { o.UnknownKIDRefreshInterval = time.Hour })
	start, before := time.Now(), srv.fetches.Load()
	for i := range 20 {
		checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa2, "made-up-"+string(rune('a'+i)), claims()), model.Actor{}, "(kid) is unknown")
	}
	if got := srv.fetches.Load() - before; got != 1 {
		t.Errorf("20 made-up kids caused %d fetches, want 1", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing 20 made-up kids took %v: they waited for the rate limiter", d)
	}
}

func TestJWKSPeriodicRefresh(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"))
	a := newTestAuthenticator(t, srv.URL, func(o *Options) {
		o.RefreshInterval = 20 * time.Millisecond
		o.UnknownKIDRefreshInterval = time.Hour
	})
	rotated := sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-2", claims())
	checkAuth(t, a, rotated, model.Actor{}, "(kid) is unknown") // spends the one unknown-kid refresh
	srv.setKeys(rsaJWK("rsa-2", &k.rsa2.PublicKey, "RS256"))
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, err := a.Authenticate(context.Background(), "Bearer "+rotated); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the periodic refresh never brought the new key")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestJWKSServerDownKeepsCachedKeys(t *testing.T) {
	k := testKeys()
	srv := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"), ecJWK(t, "ec-1", &k.ec1.PublicKey))
	a := newTestAuthenticator(t, srv.URL, func(o *Options) {
		o.RefreshInterval = 10 * time.Millisecond
		o.UnknownKIDRefreshInterval = time.Millisecond
	})
	srv.Close()
	time.Sleep(50 * time.Millisecond) // a few refreshes fail meanwhile
	checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims()), model.Actor{Role: model.RoleAdmin, Subject: "user-1"}, "")
	checkAuth(t, a, sign(t, jwt.SigningMethodES256, k.ec1, "ec-1", claims()), model.Actor{Role: model.RoleAdmin, Subject: "user-1"}, "")
	start := time.Now()
	checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-other", claims()), model.Actor{}, "(kid) is unknown")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("an unknown kid with the JWKS down took %v", d)
	}
}

func TestNewErrors(t *testing.T) {
	k := testKeys()
	good := newJWKSServer(t, rsaJWK("rsa-1", &k.rsa1.PublicKey, "RS256"))
	empty := newJWKSServer(t)
	down := newJWKSServer(t)
	down.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "oops", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"nothing to verify with", Options{Issuer: testIssuer, Audience: testAudience}, "HS256 secret, a JWKS URL"},
		{"no issuer", Options{JWKSURL: good.URL, Audience: testAudience}, "issuer and audience"},
		{"no audience", Options{JWKSURL: good.URL, Issuer: testIssuer}, "issuer and audience"},
		{"short secret", Options{HS256Secret: []byte("short"), Issuer: testIssuer, Audience: testAudience}, "at least 32 bytes"},
		{"plain http to another host", Options{JWKSURL: "http://idp.example.test/jwks.json", Issuer: testIssuer, Audience: testAudience}, "https"},
		{"relative URL", Options{JWKSURL: "/jwks.json", Issuer: testIssuer, Audience: testAudience}, "absolute"},
		{"JWKS down at start", Options{JWKSURL: down.URL, Issuer: testIssuer, Audience: testAudience}, "fetch the JWKS"},
		{"JWKS answers 500", Options{JWKSURL: broken.URL, Issuer: testIssuer, Audience: testAudience}, "fetch the JWKS"},
		{"empty JWKS", Options{JWKSURL: empty.URL, Issuer: testIssuer, Audience: testAudience}, "no usable key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Logger = slog.New(slog.DiscardHandler)
			a, err := New(t.Context(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New() = %v, %v; want an error containing %q", a, err, tt.wantErr)
			}
		})
	}
	t.Run("secret only", func(t *testing.T) {
		secret := []byte("test-secret-test-secret-test-secret")
		a, err := New(t.Context(), Options{HS256Secret: secret, Issuer: testIssuer, Audience: testAudience})
		if err != nil {
			t.Fatal(err)
		}
		checkAuth(t, a, sign(t, jwt.SigningMethodRS256, k.rsa1, "rsa-1", claims()), model.Actor{}, "algorithm")
		dev, err := Issue(secret, testIssuer, testAudience, "dev", model.RoleAgent, "", time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		checkAuth(t, a, dev, model.Actor{Role: model.RoleAgent, Subject: "dev"}, "")
	})
	t.Run("oversized JWKS", func(t *testing.T) {
		huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[{"kty":"oct","k":"`))
			_, _ = w.Write([]byte(strings.Repeat("A", 2<<20)))
			_, _ = w.Write([]byte(`"}]}`))
		}))
		t.Cleanup(huge.Close)
		_, err := New(t.Context(), Options{JWKSURL: huge.URL, Issuer: testIssuer, Audience: testAudience})
		if err == nil || !strings.Contains(err.Error(), "decode") {
			t.Fatalf("New() error = %v, want a decoding error of the cut JWKS", err)
		}
	})
}
