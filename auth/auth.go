// Package auth turns a request's credentials into an actor: bearer JWTs for people, verified against a configured
// JWKS (RS256/ES256, as any OIDC provider issues them) or, for development, an HS256 secret.
package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"sudpro/model"
)

// Token defaults of development tokens.
const (
	DefaultIssuer   = "sudpro-dev"
	DefaultAudience = "sudpro-api"
	// ClockSkew is how much a token's times may disagree with ours.
	ClockSkew = 60 * time.Second
)

// Claims are the claims Sud Pro reads from a token: the standard ones, the role and, for a business user, the
// RIDET of the business they act for.
type Claims struct {
	jwt.RegisteredClaims
	Role  model.Role `json:"role"`
	RIDET string     `json:"ridet,omitempty"`
}

// EnterpriseLookup finds the id of the business with a RIDET (NOT_FOUND when there is none).
type EnterpriseLookup func(ctx context.Context, ridet model.RIDET) (int64, error)

// APIKeyLookup authenticates a chamber's API key: its CHAMBER actor, or an UNAUTHENTICATED error.
type APIKeyLookup func(ctx context.Context, key string) (model.Actor, error)

// Authenticator verifies bearer tokens: HS256 tokens signed with a development secret, and RS256/ES256 tokens
// signed by a key of a JWKS (any OIDC provider's), each only when configured.
type Authenticator struct {
	secret   []byte
	issuer   string
	audience string
	lookup   EnterpriseLookup
	apiKeys  APIKeyLookup
	// jwks holds the cached key set that verifies RS256/ES256 tokens by kid; nil without a JWKS URL.
	jwks jwkset.Storage
	// stop ends the key set's background refreshes.
	stop context.CancelFunc
	// roleClaim and ridetClaim name the claims of JWKS tokens; HS256 tokens use "role" and "ridet" (see Issue).
	roleClaim, ridetClaim string
	// methods are the accepted algorithms (never nil: jwt.WithValidMethods(nil) would accept any).
	methods []string
	// ids caches RIDET → enterprise id: a RIDET never moves to another business, so the mapping cannot go stale.
	ids sync.Map
}

// NewAuthenticator verifies HS256 tokens signed with secret, issued by issuer for audience; New adds JWKS
// verification.
func NewAuthenticator(secret []byte, issuer, audience string, lookup EnterpriseLookup) *Authenticator {
	a := &Authenticator{secret: secret, issuer: issuer, audience: audience, lookup: lookup,
		roleClaim: DefaultRoleClaim, ridetClaim: DefaultRIDETClaim, methods: []string{}}
	if len(secret) > 0 {
		a.methods = append(a.methods, jwt.SigningMethodHS256.Alg())
	}
	return a
}

func unauthenticated(format string, args ...any) error {
	return model.Errorf(model.CodeUnauthenticated, "", format, args...)
}

// Authenticate returns the actor of an Authorization header value: anonymous when empty, an UNAUTHENTICATED
// error when the token is malformed, badly signed, expired, or names an unknown role or business.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (model.Actor, error) {
	if header == "" {
		return model.Actor{}, nil
	}
	scheme, raw, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return model.Actor{}, unauthenticated("the Authorization header must be \"Bearer <token>\"")
	}
	if value := strings.TrimSpace(raw); strings.HasPrefix(value, model.APIKeyPrefix) {
		if a.apiKeys == nil {
			return model.Actor{}, unauthenticated("API keys are not accepted here")
		}
		return a.apiKeys(ctx, value)
	}
	claims := jwt.MapClaims{}
	token, err := jwt.ParseWithClaims(strings.TrimSpace(raw), claims, a.keyfunc(ctx),
		jwt.WithValidMethods(a.methods),
		jwt.WithIssuer(a.issuer), jwt.WithAudience(a.audience),
		jwt.WithLeeway(ClockSkew), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		return model.Actor{}, a.tokenError(token, err)
	}
	roleClaim, ridetClaim := a.roleClaim, a.ridetClaim
	if token.Method.Alg() == jwt.SigningMethodHS256.Alg() {
		roleClaim, ridetClaim = DefaultRoleClaim, DefaultRIDETClaim
	}
	role, err := roleOf(claims, roleClaim)
	if err != nil {
		return model.Actor{}, err
	}
	subject, _ := claims.GetSubject()
	actor := model.Actor{Role: role, Subject: subject}
	if role == model.RoleEnterprise {
		ridet, _ := claims[ridetClaim].(string)
		if actor.EnterpriseID, err = a.enterpriseID(ctx, ridet, ridetClaim); err != nil {
			return model.Actor{}, err
		}
	}
	return actor, nil
}

// tokenError turns a parse error into an UNAUTHENTICATED error that names the problem without echoing the token.
func (a *Authenticator) tokenError(token *jwt.Token, err error) error {
	switch {
	case errors.Is(err, errUnsupportedAlgorithm) || a.algorithmRefused(token, err):
		return unauthenticated("the token's signing algorithm is not accepted (accepted: %s)", strings.Join(a.methods, ", "))
	case errors.Is(err, errNoKeyID):
		return unauthenticated("the token does not name its signing key (kid header)")
	case errors.Is(err, errUnknownKeyID):
		return unauthenticated("the token's signing key (kid) is unknown to the identity provider's key set")
	case errors.Is(err, errKeyMismatch):
		return unauthenticated("the token's signing key does not fit its algorithm")
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauthenticated("the token has expired")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauthenticated("the token's signature is not valid")
	default:
		return unauthenticated("the token is not valid: %s", tokenProblem(err))
	}
}

// algorithmRefused reports whether err comes from a token whose algorithm is missing, unknown or not accepted.
func (a *Authenticator) algorithmRefused(token *jwt.Token, err error) bool {
	if token == nil || token.Header == nil {
		return false
	}
	if token.Method == nil {
		return errors.Is(err, jwt.ErrTokenUnverifiable)
	}
	return !slices.Contains(a.methods, token.Method.Alg())
}

// roleOf reads the role claim: a role, or an array of which the most powerful known role is taken. Roles match
// without regard to case.
func roleOf(claims jwt.MapClaims, name string) (model.Role, error) {
	v, ok := claimValue(claims, name)
	if !ok {
		return "", unauthenticated("the token has no %s claim naming its role", name)
	}
	switch v := v.(type) {
	case string:
		if role := model.Role(strings.ToUpper(strings.TrimSpace(v))); role.IsValid() {
			return role, nil
		}
		return "", unauthenticated("the token's role %q is not one of %v", v, model.AllRoles)
	case []any:
		var best model.Role
		for _, item := range v {
			s, _ := item.(string)
			role := model.Role(strings.ToUpper(strings.TrimSpace(s)))
			if role.IsValid() && (best == "" || slices.Index(model.AllRoles, role) < slices.Index(model.AllRoles, best)) {
				best = role
			}
		}
		if best == "" {
			return "", unauthenticated("none of the token's %s is one of %v", name, model.AllRoles)
		}
		return best, nil
	default:
		return "", unauthenticated("the token's %s claim must be a string or an array of strings", name)
	}
}

func (a *Authenticator) enterpriseID(ctx context.Context, raw, claim string) (int64, error) {
	ridet, err := model.ParseRIDET(raw)
	if err != nil {
		return 0, unauthenticated("an ENTERPRISE token needs the %s claim of its business", claim)
	}
	if id, ok := a.ids.Load(ridet); ok {
		return id.(int64), nil
	}
	id, err := a.lookup(ctx, ridet)
	if model.ErrorCodeOf(err) == model.CodeNotFound {
		return 0, unauthenticated("the token's business %s is not registered", ridet)
	}
	if err != nil {
		return 0, fmt.Errorf("look up the token's business: %w", err)
	}
	a.ids.Store(ridet, id)
	return id, nil
}

// tokenProblem describes a JWT error without echoing the token.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenUnverifiable), errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "unverifiable signature or algorithm"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim (exp) is missing"
	default:
		return "rejected"
	}
}

// Issue signs a token for a role (and, for ENTERPRISE, a business's RIDET) valid for ttl; used for development
// tokens and tests.
func Issue(secret []byte, issuer, audience, subject string, role model.Role, ridet model.RIDET, ttl time.Duration, now time.Time) (string, error) {
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: issuer, Audience: jwt.ClaimStrings{audience}, Subject: subject,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Role: role,
	}
	if ridet != "" {
		claims.RIDET = ridet.String()
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return token, nil
}
