// This file is a security chapter of Part IV, operations, after
// security.go (listeners and SASL logins) and oauth.go (OAUTHBEARER): it
// holds re-authentication, KIP-368. It assumes security.go's connAuth,
// the state of a connection's login, and kafka.go's request loop.
//
// A SASL login is checked once, when the connection opens; a password
// changed or a token expired afterwards would go unnoticed for as long as
// the connection lives. KIP-368 bounds that: the SaslAuthenticate answer
// that ends a login carries SessionLifetimeMs, and before it runs out the
// client logs in again on the same connection, with the same mechanism
// and as the same principal. A connection whose session has run out is
// closed at its next request.
//
//	C: SaslHandshake PLAIN, SaslAuthenticate ...  S: ok, SessionLifetimeMs=15000
//	C: Metadata, Fetch, ...                       (served for up to 15 s)
//	C: SaslHandshake PLAIN                        (at 14.9 s: a re-authentication)
//	C: SaslAuthenticate ...                       S: ok, SessionLifetimeMs=15000
//	C: Fetch, ...                                 (served for 15 s more)
//
// The rules, in the order they are checked, follow Kafka's
// SaslServerAuthenticator (ReauthInfo), KafkaChannel
// (maybeBeginServerReauthentication, serverAuthenticationSessionExpired)
// and SocketServer's Processor (processCompletedReceives):
//
//  1. A login's session lifetime is connections.max.reauth.ms, or the
//     time left until the credential expires (an OAUTHBEARER token's
//     exp), or the smaller of the two when both are set, never below 0.
//     With neither it is 0: no limit, and no re-authentication.
//  2. A SaslHandshake on a logged-in connection whose session has a limit
//     begins a re-authentication, unless one began less than a second
//     ago; otherwise it is an ordinary request, which answers
//     ILLEGAL_SASL_STATE (security.go, rule 5).
//  3. Any other request after the session's end closes the connection.
//  4. The handshake of a re-authentication names the mechanism of the
//     first login; another one is answered as usual, and the next message
//     closes the connection without an answer.
//  5. The re-authentication logs in as the same principal; another one
//     fails it with SASL_AUTHENTICATION_FAILED, and the connection
//     closes. A success starts a new session, by rule 1.
//
// During a re-authentication the connection is pending again, so
// security.go's rules for a login apply: only the SASL APIs and
// ApiVersions are served, and frames are limited to 512 KiB.

package kafka

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// minReauthInterval is how often a connection may begin a
// re-authentication (KafkaChannel's MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS),
// so that a client cannot keep the broker busy with logins.
const minReauthInterval = time.Second

// session is the re-authentication state of a logged-in connection.
type session struct {
	// end is when the session runs out; zero when it has no limit.
	end time.Time
	// lifetime is the SessionLifetimeMs of the last completed login.
	lifetime time.Duration
	// mechanism and principal are those of the login being renewed,
	// set while a re-authentication is under way.
	mechanism string
	principal string
	// badMechanism is rule 4's failure, reported at the next message.
	badMechanism string
	// lastReauth is when the last re-authentication began.
	lastReauth time.Time
}

// reauthenticating reports whether a re-authentication is under way.
func (s *session) reauthenticating() bool { return s.mechanism != "" }

// credentialExpirer is a mechanism whose credential has an end of its
// own, which a session may not outlive (Kafka's
// CREDENTIAL_LIFETIME_MS negotiated property).
type credentialExpirer interface {
	credentialExpiry() time.Time
}

// sessionLifetime is rule 1 for a login that ended at now: the lifetime
// to send, and whether the session has a limit at all.
// (SaslServerAuthenticator's calcCompletionTimesAndReturnSessionLifetimeMs.)
func sessionLifetime(maxReauth time.Duration, credentialExpiry, now time.Time) (time.Duration, bool) {
	hasExpiry := !credentialExpiry.IsZero()
	switch {
	case !hasExpiry && maxReauth <= 0:
		return 0, false
	case !hasExpiry:
		return maxReauth, true
	}
	left := max(credentialExpiry.Sub(now), 0)
	if maxReauth > 0 {
		left = min(left, maxReauth)
	}
	// Kafka counts whole milliseconds, and so does SessionLifetimeMs.
	return left.Truncate(time.Millisecond), true
}

// startSession applies rule 1 to a login that has just ended.
func (c *conn) startSession(now time.Time) {
	var expiry time.Time
	if e, ok := c.auth.mech.(credentialExpirer); ok {
		expiry = e.credentialExpiry()
	}
	life, limited := sessionLifetime(c.broker.sec.cfg.ConnectionsMaxReauth, expiry, now)
	c.auth.session.lifetime, c.auth.session.end = life, time.Time{}
	if limited {
		c.auth.session.end = now.Add(life)
	}
	c.auth.session.mechanism, c.auth.session.principal = "", ""
}

// Errors that close a connection because of its session.
var (
	errSessionExpired     = errors.New("kafka: SASL session expired")
	errReauthBadMechanism = errors.New("kafka: re-authentication with another SASL mechanism")
)

// checkSession applies rules 2 to 4 to a request that has just arrived,
// before security.go's admit: it may begin a re-authentication, or end
// the connection.
func (c *conn) checkSession(h *requestHeader, now time.Time) error {
	s := &c.auth.session
	if s.badMechanism != "" {
		return fmt.Errorf("%w: %s", errReauthBadMechanism, s.badMechanism)
	}
	if c.auth.pending || s.end.IsZero() {
		return nil
	}
	if h.APIKey == saslHandshakeKey && (s.lastReauth.IsZero() || now.Sub(s.lastReauth) >= minReauthInterval) {
		s.lastReauth = now
		s.mechanism, s.principal = c.auth.mech.name(), c.auth.principal
		c.auth.pending, c.auth.mech, c.auth.bare = true, nil, false
		return nil
	}
	if now.After(s.end) {
		return fmt.Errorf("%w: ended at %s", errSessionExpired, s.end.Format(time.RFC3339Nano))
	}
	return nil
}

// checkReauthMechanism applies rule 4 to the handshake of a
// re-authentication, keeping the failure for the next message as
// ReauthInfo.saslMechanismUnchanged does.
func (c *conn) checkReauthMechanism(mechanism string) {
	s := &c.auth.session
	if s.reauthenticating() && mechanism != s.mechanism {
		s.badMechanism = fmt.Sprintf("SASL mechanism '%s' requested by client is not supported for re-authentication of mechanism '%s'", mechanism, s.mechanism)
	}
}

// checkReauthPrincipal applies rule 5 to a re-authentication that has
// just succeeded as user.
func (c *conn) checkReauthPrincipal(user string) error {
	s := &c.auth.session
	if !s.reauthenticating() || "User:"+user == s.principal {
		return nil
	}
	// Kafka prints each principal as type.name.
	_, before, _ := strings.Cut(s.principal, ":")
	return fmt.Errorf("Cannot change principals during re-authentication from User.%s: User.%s", before, user)
}
