// Package auth turns a request's credentials into an actor: bearer JWTs for people (HS256 with a configured
// secret for development; JWKS verification comes with the security issue).
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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

// Authenticator verifies bearer tokens.
type Authenticator struct {
	secret   []byte
	issuer   string
	audience string
	lookup   EnterpriseLookup
	// ids caches RIDET → enterprise id: a RIDET never moves to another business, so the mapping cannot go stale.
	ids sync.Map
}

// NewAuthenticator verifies HS256 tokens signed with secret, issued by issuer for audience.
func NewAuthenticator(secret []byte, issuer, audience string, lookup EnterpriseLookup) *Authenticator {
	return &Authenticator{secret: secret, issuer: issuer, audience: audience, lookup: lookup}
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
	var claims Claims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &claims, func(*jwt.Token) (any, error) { return a.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(a.issuer), jwt.WithAudience(a.audience),
		jwt.WithLeeway(ClockSkew), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return model.Actor{}, unauthenticated("the token has expired")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return model.Actor{}, unauthenticated("the token's signature is not valid")
	case err != nil:
		return model.Actor{}, unauthenticated("the token is not valid: %s", tokenProblem(err))
	}
	if !claims.Role.IsValid() {
		return model.Actor{}, unauthenticated("the token's role %q is not one of %v", claims.Role, model.AllRoles)
	}
	actor := model.Actor{Role: claims.Role, Subject: claims.Subject}
	if claims.Role == model.RoleEnterprise {
		if actor.EnterpriseID, err = a.enterpriseID(ctx, claims.RIDET); err != nil {
			return model.Actor{}, err
		}
	}
	return actor, nil
}

func (a *Authenticator) enterpriseID(ctx context.Context, raw string) (int64, error) {
	ridet, err := model.ParseRIDET(raw)
	if err != nil {
		return 0, unauthenticated("an ENTERPRISE token needs the ridet claim of its business")
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
