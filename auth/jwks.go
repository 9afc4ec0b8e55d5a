package auth

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// Defaults of Options.
const (
	// DefaultRoleClaim and DefaultRIDETClaim are the claims that carry the role and the business's RIDET.
	DefaultRoleClaim  = "role"
	DefaultRIDETClaim = "ridet"
	// DefaultRefreshInterval is how often the key set is fetched again.
	DefaultRefreshInterval = 15 * time.Minute
	// DefaultUnknownKIDRefreshInterval is the least time between two fetches caused by tokens of an unknown key id.
	DefaultUnknownKIDRefreshInterval = time.Minute
	// DefaultJWKSTimeout bounds one fetch of the key set when Options.HTTPClient has no timeout of its own.
	DefaultJWKSTimeout = 10 * time.Second
	// maxJWKSBytes bounds the size of a key set document.
	maxJWKSBytes = 1 << 20
	// minHS256Secret is the shortest HS256 secret New accepts (RFC 7518 §3.2: a key as long as the hash).
	minHS256Secret = 32
)

// Options configure an Authenticator made by New. At least one of HS256Secret and JWKSURL must be set.
type Options struct {
	// HS256Secret, when set, verifies HS256 tokens signed with it (development tokens, see Issue). Unset, HS256
	// tokens are refused.
	HS256Secret []byte
	// JWKSURL, when set, verifies RS256 and ES256 tokens (which must name their key with kid) against the JSON Web
	// Key Set served there, e.g. an OIDC provider's https://…/.well-known/jwks.json. https, or http on a loopback
	// address only.
	JWKSURL string
	// Issuer and Audience are the iss and aud every token must carry.
	Issuer, Audience string
	// Lookup finds the business of an ENTERPRISE token's RIDET.
	Lookup EnterpriseLookup
	// APIKeys, when set, authenticates chamber API keys (bearer values starting with model.APIKeyPrefix).
	APIKeys APIKeyLookup
	// HTTPClient fetches the key set. Default: a client with a DefaultJWKSTimeout timeout.
	HTTPClient *http.Client
	// RefreshInterval is how often the key set is fetched again. Default: DefaultRefreshInterval.
	RefreshInterval time.Duration
	// UnknownKIDRefreshInterval is the least time between two fetches caused by a token whose kid is not in the
	// cached set (so a provider's key rotation is seen at once, but a flood of made-up kids costs at most one fetch
	// per interval). Default: DefaultUnknownKIDRefreshInterval.
	UnknownKIDRefreshInterval time.Duration
	// RoleClaim names the claim of a JWKS token that carries the role: a string, or an array of strings of which
	// the most powerful known role is taken (OIDC providers often use "roles", "groups" or a namespaced claim). A
	// name that is not a top-level claim is read as a dotted path ("realm_access.roles"). Default: "role".
	RoleClaim string
	// RIDETClaim names the claim of a JWKS token that carries an ENTERPRISE user's RIDET. Default: "ridet".
	RIDETClaim string
	// Logger receives key set refresh failures. Default: slog.Default().
	Logger *slog.Logger
}

// New returns an Authenticator configured by opts. With a JWKSURL it fetches the key set before returning (a key
// set that cannot be fetched, or has no usable key, is an error) and then refreshes it in the background until ctx
// ends or Close is called; when a refresh fails the cached keys stay in use.
func New(ctx context.Context, opts Options) (*Authenticator, error) {
	if len(opts.HS256Secret) == 0 && opts.JWKSURL == "" {
		return nil, errors.New("auth: configure an HS256 secret, a JWKS URL or both")
	}
	if opts.Issuer == "" || opts.Audience == "" {
		return nil, errors.New("auth: the expected token issuer and audience must be set")
	}
	if len(opts.HS256Secret) > 0 && len(opts.HS256Secret) < minHS256Secret {
		return nil, fmt.Errorf("auth: the HS256 secret must be at least %d bytes", minHS256Secret)
	}
	a := &Authenticator{
		issuer: opts.Issuer, audience: opts.Audience, lookup: opts.Lookup, apiKeys: opts.APIKeys,
		roleClaim: cmp.Or(opts.RoleClaim, DefaultRoleClaim), ridetClaim: cmp.Or(opts.RIDETClaim, DefaultRIDETClaim),
		methods: []string{},
	}
	if len(opts.HS256Secret) > 0 {
		a.secret = append([]byte(nil), opts.HS256Secret...)
		a.methods = append(a.methods, jwt.SigningMethodHS256.Alg())
	}
	if opts.JWKSURL != "" {
		ctx, stop := context.WithCancel(ctx)
		jwks, err := newJWKS(ctx, opts)
		if err != nil {
			stop() // ends the refresh goroutine that jwkset may have started
			return nil, err
		}
		a.jwks, a.stop = jwks, stop
		a.methods = append(a.methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	return a, nil
}

// Close stops the background refreshes of the key set; the cached keys go on verifying tokens.
func (a *Authenticator) Close() {
	if a.stop != nil {
		a.stop()
	}
}

// newJWKS fetches the key set at opts.JWKSURL and starts its refreshes.
func newJWKS(ctx context.Context, opts Options) (jwkset.Storage, error) {
	if err := checkJWKSURL(opts.JWKSURL); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: DefaultJWKSTimeout}
	if opts.HTTPClient != nil {
		c := *opts.HTTPClient
		if c.Timeout <= 0 {
			c.Timeout = DefaultJWKSTimeout
		}
		client = &c
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = limitedTransport{base: base}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	refreshEvery := opts.RefreshInterval
	if refreshEvery <= 0 {
		refreshEvery = DefaultRefreshInterval
	}
	unknownEvery := opts.UnknownKIDRefreshInterval
	if unknownEvery <= 0 {
		unknownEvery = DefaultUnknownKIDRefreshInterval
	}
	remote, err := jwkset.NewStorageFromHTTP(opts.JWKSURL, jwkset.HTTPClientStorageOptions{
		Client: client, Ctx: ctx, HTTPTimeout: client.Timeout,
		RefreshInterval: refreshEvery,
		RefreshErrorHandler: func(ctx context.Context, err error) {
			logger.WarnContext(ctx, "could not refresh the JWKS; the cached keys stay in use", "url", opts.JWKSURL, "error", err)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: fetch the JWKS at %s: %w", opts.JWKSURL, err)
	}
	keys, err := remote.KeyReadAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: read the JWKS at %s: %w", opts.JWKSURL, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("auth: the JWKS at %s has no usable key", opts.JWKSURL)
	}
	keySet, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs: map[string]jwkset.Storage{opts.JWKSURL: remote},
		// A token of an unknown kid waits for the rate limiter only if its turn comes within this bound (it is
		// refused at once otherwise), and the fetch that follows shares the bound.
		RateLimitWaitMax:  client.Timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownEvery), 1),
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS client: %w", err)
	}
	return keySet, nil
}

// checkJWKSURL refuses key sets that an attacker on the network could replace: plain http is for loopback only.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("auth: the JWKS URL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("auth: the JWKS URL %q must use https (http only on a loopback address)", raw)
}

// limitedTransport cuts response bodies at maxJWKSBytes, so a broken endpoint cannot exhaust memory.
type limitedTransport struct{ base http.RoundTripper }

func (t limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxJWKSBytes), Closer: resp.Body}
	}
	return resp, err
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// Reasons a token's key is refused, mapped to UNAUTHENTICATED messages by Authenticate.
var (
	errUnsupportedAlgorithm = errors.New("unsupported algorithm")
	errNoKeyID              = errors.New("no key id")
	errUnknownKeyID         = errors.New("unknown key id")
	errKeyMismatch          = errors.New("key does not fit the algorithm")
)

// keyfunc picks the key that must have signed a token: the HS256 secret, or the JWKS key named by its kid.
func (a *Authenticator) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		switch alg := t.Method.Alg(); alg {
		case jwt.SigningMethodHS256.Alg():
			if len(a.secret) == 0 {
				return nil, errUnsupportedAlgorithm
			}
			return a.secret, nil
		case jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg():
			if a.jwks == nil {
				return nil, errUnsupportedAlgorithm
			}
			kid, _ := t.Header["kid"].(string)
			if kid == "" {
				return nil, errNoKeyID
			}
			// Not in the cache: the set is fetched again at once unless the rate limiter says no.
			jwk, err := a.jwks.KeyRead(ctx, kid)
			if err != nil {
				return nil, errUnknownKeyID
			}
			// A key bound to another algorithm, or to encryption, never verifies this token; a key without "use"
			// or "alg" is taken as a signing key for any algorithm its type fits.
			if m := jwk.Marshal(); (m.ALG != "" && m.ALG.String() != alg) || (m.USE != "" && m.USE != jwkset.UseSig) {
				return nil, errKeyMismatch
			}
			key := jwk.Key()
			if private, ok := key.(interface{ Public() crypto.PublicKey }); ok {
				key = private.Public()
			}
			return checkKey(alg, key)
		default:
			return nil, errUnsupportedAlgorithm
		}
	}
}

// checkKey returns key when it is the kind alg verifies with: RSA of at least 2048 bits, or ECDSA on P-256.
func checkKey(alg string, key any) (any, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if alg == jwt.SigningMethodRS256.Alg() && k.Size() >= 2048/8 {
			return k, nil
		}
	case *ecdsa.PublicKey:
		if alg == jwt.SigningMethodES256.Alg() && k.Curve == elliptic.P256() {
			return k, nil
		}
	}
	return nil, errKeyMismatch
}

// claimValue returns a claim by name, or else by dotted path through nested objects.
func claimValue(claims jwt.MapClaims, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	if !strings.Contains(name, ".") {
		return nil, false
	}
	var cur any = map[string]any(claims)
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}
