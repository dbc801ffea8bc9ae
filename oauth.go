// This file is the third of the security chapters (Part IV): SASL
// OAUTHBEARER (RFC 7628, brought to Kafka by KIP-255), served the way a
// stock Apache Kafka serves it when a listener enables the mechanism and
// names no server callback handler: with unsecured JSON Web Tokens, which
// carry a principal and an expiry and no signature. It assumes
// security.go, where a mechanism is chosen and driven, and scram.go only
// as the other mechanism of the same shape.
//
// # Why a broker would accept unsigned tokens
//
// Applications that log in to a production cluster with OAuth get their
// tokens from an identity provider, which a developer's laptop does not
// have. Kafka's answer for development is the unsecured validator
// (OAuthBearerUnsecuredValidatorCallbackHandler): any token whose header
// says "alg":"none" is believed, so a client can name its own principal,
// and the code paths of an OAuth login (the token provider, the token's
// refresh, the principal the authorizer sees) can be exercised without a
// provider. librdkafka builds such a token itself
// (sasl.oauthbearer.config=principal=alice); Java, KafkaJS, kafka-python
// and franz-go take one from a token callback.
//
// Because anyone may then log in as anyone, OAUTHBEARER is off unless
// SecurityConfig.SASLEnabledMechanisms (sasl.enabled.mechanisms) names
// it, as in Kafka, whose default enables only GSSAPI.
//
// # A login, step by step
//
// The token is three base64url parts joined by dots; for alice it reads
//
//	header  {"alg":"none"}
//	claims  {"sub":"alice","exp":1767225600,"iat":1767222000,"scope":["kafka"]}
//	        (the signature part is empty: the token ends with a dot)
//
// and the client's one message wraps it in RFC 7628's framing, a GS2
// header, then key=value pairs each ended by ^A (byte 0x01), then ^A:
//
//	C: n,,^Aauth=Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIs...ZSJdfQ.^A^A
//	S: (empty)                           login done: User:alice
//
// A token the validator refuses does not fail at once. RFC 7628 (section
// 3.2.2) has the server answer with a JSON error as a challenge, which the
// client acknowledges with a lone ^A, and only then does the login fail:
//
//	C: n,,^Aauth=Bearer <expired token>^A^A
//	S: {"status":"invalid_token"}        (SaslAuthenticate, error code 0)
//	C: ^A
//	S: SASL_AUTHENTICATION_FAILED, message {"status":"invalid_token"}
//
// # The rules, in the order they are checked
//
// The message (OAuthBearerClientInitialResponse, OAuthBearerSaslServer):
//
//  1. A lone ^A after our error challenge ends the login with that error.
//     Anything else is read as a new first message, as Kafka reads it.
//  2. The message must be "n," an optional "a=<authzid>" (a SASL name:
//     ASCII without "," and "=", which are escaped =2C and =3D), ",", ^A,
//     key=value^A pairs, and a last ^A. Keys are letters; values are
//     printable ASCII, space, tab, CR or LF.
//  3. "auth" must be among them, as a scheme, spaces, and a token of
//     letters, digits, "-", "_" and "."; the scheme must be "Bearer", in
//     any case. Other keys are SASL extensions, which the unsecured
//     validator accepts whatever they are, and which nothing here reads.
//     A message that breaks rule 2 or 3 fails the login at once, with
//     Kafka's generic words; the reason goes to the broker's log.
//
// The token (OAuthBearerUnsecuredJws, then OAuthBearerValidationUtils as
// OAuthBearerUnsecuredValidatorCallbackHandler calls it); each failure is
// the invalid_token challenge:
//
//  4. No "..", and three dot-separated parts, the last one empty (no
//     signature); header and claims are base64url JSON objects; the
//     header's alg is "none".
//  5. exp is present and a number; the principal claim ("sub" unless
//     configured) is a non-blank string; a scope claim, if present, is a
//     string (one scope) or a list of strings.
//  6. iat, if present, is a number not after now plus the allowed clock
//     skew; exp is after now minus the skew; exp is after iat.
//  7. Every required scope is in the token's scope; if one is missing the
//     challenge is {"status":"insufficient_scope", "scope":"[a, b]"}, with
//     the required list as Java prints it.
//  8. An authzid, if given, must equal the principal; a mismatch fails at
//     once, without a challenge, as in OAuthBearerSaslServer.
//
// The principal is then User:<sub>, which is what the authorizer, quotas
// and the logs see, as Kafka's DefaultKafkaPrincipalBuilder takes it from
// the SaslServer's authorization id.
//
// Design note: the token's exp bounds the session, as in Kafka, where
// OAuthBearerSaslServer gives the token's lifetime as the credential's
// expiry: the login answers the time left until exp as SessionLifetimeMs
// (or connections.max.reauth.ms if sooner), and the client must log in
// again on its connection before then (reauth.go). With unsigned tokens
// this protects little, since a client may name a later exp at will, but
// a client sees the same sessions as against Kafka.

package kafka

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// mechOAuthBearer is the mechanism's name in SaslHandshake and in
// sasl.enabled.mechanisms.
const mechOAuthBearer = "OAUTHBEARER"

// OAuthBearerConfig holds the options of Kafka's unsecured validator,
// which Kafka reads from the listener's JAAS entry
// (unsecuredValidatorPrincipalClaimName and the rest). The zero value is
// Kafka's defaults.
type OAuthBearerConfig struct {
	// PrincipalClaimName is the claim holding the principal's name
	// (unsecuredValidatorPrincipalClaimName). Default "sub".
	PrincipalClaimName string

	// ScopeClaimName is the claim holding the token's scope
	// (unsecuredValidatorScopeClaimName). Default "scope".
	ScopeClaimName string

	// RequiredScope lists scopes a token must all have
	// (unsecuredValidatorRequiredScope, space-separated there).
	RequiredScope []string

	// AllowableClockSkew is how far the broker's clock may be from the
	// token issuer's (unsecuredValidatorAllowableClockSkewMs). Default 0.
	AllowableClockSkew time.Duration
}

// withDefaults fills in Kafka's defaults for the claim names.
func (c OAuthBearerConfig) withDefaults() OAuthBearerConfig {
	if c.PrincipalClaimName = strings.TrimSpace(c.PrincipalClaimName); c.PrincipalClaimName == "" {
		c.PrincipalClaimName = "sub"
	}
	if c.ScopeClaimName = strings.TrimSpace(c.ScopeClaimName); c.ScopeClaimName == "" {
		c.ScopeClaimName = "scope"
	}
	return c
}

// oauthSeparator is ^A, which ends each key=value pair of the client's
// message and acknowledges an error challenge (RFC 7628, section 3.1).
const oauthSeparator = "\x01"

// oauthServer is the server side of one OAUTHBEARER exchange.
type oauthServer struct {
	cfg OAuthBearerConfig
	now func() time.Time
	// principal is the token's principal claim, once the token is read.
	principal string
	// challenge is the JSON error we sent, "" when none is pending.
	challenge string
	// expiry is the accepted token's exp, which ends the session
	// (reauth.go).
	expiry time.Time
}

func (o *oauthServer) name() string { return mechOAuthBearer }
func (o *oauthServer) user() string { return o.principal }

// credentialExpiry is the token's exp, as OAuthBearerSaslServer gives
// the token's lifetimeMs for CREDENTIAL_LIFETIME_MS.
func (o *oauthServer) credentialExpiry() time.Time { return o.expiry }

// oauthMessageError is a first message that does not parse. Kafka's
// OAuthBearerClientInitialResponse raises a SaslException with the
// reason, and SaslServerAuthenticator sends the client only its generic
// text, lest a reason give something away; the reason goes to the
// broker's log instead, which slog reads through LogValue.
type oauthMessageError struct{ reason string }

// Error is the generic text the client is sent.
func (e *oauthMessageError) Error() string {
	return "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mechOAuthBearer
}

// LogValue is the reason, for the broker's log only.
func (e *oauthMessageError) LogValue() slog.Value { return slog.StringValue(e.reason) }

// invalidOAuthMessage is the failure of rules 2 and 3, in Kafka's words.
func invalidOAuthMessage(detail string) error {
	return &oauthMessageError{reason: "Invalid OAUTHBEARER client first message" + detail}
}

func (o *oauthServer) step(msg []byte) ([]byte, bool, error) {
	// Rule 1: the acknowledgement of our challenge fails the login with
	// the challenge as its message, as OAuthBearerSaslServer does.
	if string(msg) == oauthSeparator && o.challenge != "" {
		return nil, false, errors.New(o.challenge)
	}
	o.challenge = ""
	authzid, token, err := parseOAuthInitialResponse(msg)
	if err != nil {
		return nil, false, err
	}
	tok, status := o.cfg.validate(token, o.now())
	if status != "" {
		o.challenge = status
		return []byte(status), false, nil
	}
	o.principal = tok.principal
	o.expiry = time.UnixMilli(int64(math.Round(1000 * tok.exp)))
	// Rule 8.
	if authzid != "" && authzid != tok.principal {
		return nil, false, fmt.Errorf("Authentication failed: Client requested an authorization id (%s) that is different from the token's principal name (%s)", authzid, tok.principal)
	}
	return []byte{}, true, nil
}

// The grammar of the client's first message (rules 2 and 3), after
// OAuthBearerClientInitialResponse's patterns.
var (
	oauthInitialResponse = regexp.MustCompile(`^n,(?:a=((?:[\x01-\x2b\x2d-\x3c\x3e-\x7f]|=2C|=3D)+))?,\x01((?:[A-Za-z]+=[\x21-\x7e \t\r\n]+\x01)*)\x01$`)
	oauthAuthValue       = regexp.MustCompile(`^(\w+) +([-_.a-zA-Z0-9]+)$`)
)

// parseOAuthInitialResponse reads the client's first message and returns
// its authorization id ("" if none) and its bearer token.
func parseOAuthInitialResponse(msg []byte) (authzid, token string, err error) {
	m := oauthInitialResponse.FindSubmatch(msg)
	if m == nil {
		return "", "", invalidOAuthMessage("")
	}
	var auth string
	found := false
	for pair := range strings.SplitSeq(string(m[2]), oauthSeparator) {
		key, value, _ := strings.Cut(pair, "=")
		if key == "auth" {
			auth, found = value, true
		}
		// Any other key is an extension: the unsecured validator
		// accepts every one, and nothing here reads them.
	}
	if !found {
		return "", "", invalidOAuthMessage(": 'auth' not specified")
	}
	a := oauthAuthValue.FindStringSubmatch(auth)
	if a == nil {
		return "", "", invalidOAuthMessage(": invalid 'auth' format")
	}
	if !strings.EqualFold(a[1], "bearer") {
		return "", "", &oauthMessageError{reason: "Invalid scheme in OAUTHBEARER client first message: " + a[1]}
	}
	return string(m[1]), a[2], nil
}

// unsecuredToken is what the validator learns from a token.
type unsecuredToken struct {
	principal string
	scope     []string
	exp       float64  // seconds since the epoch
	iat       *float64 // nil when absent
}

// invalidToken is the challenge for every failure but a missing scope:
// Kafka's validator reports only the status, never the reason, to the
// client.
const invalidToken = `{"status":"invalid_token"}`

// validate applies rules 4-7 at time now. It returns the token, or the
// JSON error to send as a challenge.
func (c OAuthBearerConfig) validate(token string, now time.Time) (*unsecuredToken, string) {
	claims, ok := unsecuredClaims(token)
	if !ok {
		return nil, invalidToken
	}
	tok, ok := c.readClaims(claims)
	if !ok {
		return nil, invalidToken
	}
	// Rule 6, in milliseconds as OAuthBearerValidationUtils compares.
	nowMs, skewMs := float64(now.UnixMilli()), float64(c.AllowableClockSkew.Milliseconds())
	if tok.iat != nil && 1000**tok.iat > nowMs+skewMs {
		return nil, invalidToken
	}
	if nowMs-skewMs >= 1000*tok.exp {
		return nil, invalidToken
	}
	if tok.iat != nil && tok.exp <= *tok.iat {
		return nil, invalidToken
	}
	// Rule 7.
	for _, s := range c.RequiredScope {
		if !slices.Contains(tok.scope, s) {
			return nil, fmt.Sprintf(`{"status":"insufficient_scope", "scope":"[%s]"}`, strings.Join(c.RequiredScope, ", "))
		}
	}
	return tok, ""
}

// unsecuredClaims applies rule 4 and returns the token's claims, numbers
// kept as json.Number so that exp and iat are read exactly.
func unsecuredClaims(token string) (map[string]any, bool) {
	parts := strings.Split(token, ".")
	if strings.Contains(token, "..") || len(parts) != 3 || parts[2] != "" {
		return nil, false
	}
	header, ok := jsonObject(parts[0])
	if !ok {
		return nil, false
	}
	// Kafka compares the alg's text, so a number or a null is refused
	// as surely as "HS256" is.
	if alg, _ := header["alg"].(string); alg != "none" {
		return nil, false
	}
	return jsonObject(parts[1])
}

// jsonObject decodes one base64url part of a token as a JSON object.
// Kafka decodes without padding, and the token's grammar (rule 3) has no
// room for "=", so none is accepted here either.
func jsonObject(part string) (map[string]any, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// readClaims applies rule 5.
func (c OAuthBearerConfig) readClaims(claims map[string]any) (*unsecuredToken, bool) {
	tok := &unsecuredToken{}
	exp, ok := claimNumber(claims, "exp")
	if !ok || exp == nil {
		return nil, false
	}
	tok.exp = *exp
	if tok.iat, ok = claimNumber(claims, "iat"); !ok {
		return nil, false
	}
	tok.principal, _ = claims[c.PrincipalClaimName].(string)
	if strings.TrimSpace(tok.principal) == "" {
		return nil, false
	}
	switch s := claims[c.ScopeClaimName].(type) {
	case nil:
	case string:
		// A string is one scope, not a space-separated list: Kafka's
		// OAuthBearerUnsecuredJws.calculateScope trims it and keeps it
		// whole.
		if s = strings.TrimSpace(s); s != "" {
			tok.scope = []string{s}
		}
	case []any:
		for _, v := range s {
			if v, _ := v.(string); strings.TrimSpace(v) != "" {
				tok.scope = append(tok.scope, strings.TrimSpace(v))
			}
		}
	default:
		return nil, false
	}
	return tok, true
}

// claimNumber reads a numeric claim: nil if absent, not ok if it is there
// but not a finite number.
func claimNumber(claims map[string]any, name string) (*float64, bool) {
	v, present := claims[name]
	if !present {
		return nil, true
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		return nil, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	return &f, true
}
