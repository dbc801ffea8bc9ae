// Tests of reauth.go: session lifetimes (KIP-368), a second login on a
// live connection, and the connection closed when its session is over.
// KafkaJS's own suite (src/broker/__tests__/reauthenticate.spec.js) found
// the gap: with connections.max.reauth.ms set, Kafka answers a lifetime
// and serves the client's re-authentication, where this broker answered 0
// and ILLEGAL_SASL_STATE.
package kafka

import (
	"strings"
	"testing"
	"time"
)

// saslAuthenticateLifetime sends one SaslAuthenticate v2 and returns the
// answer's SessionLifetimeMs with its error code and message.
func (c *testClient) saslAuthenticateLifetime(token []byte) (code int16, msg string, lifetimeMs int64) {
	c.t.Helper()
	r := c.roundTrip(saslAuthenticateKey, 2, true, func(w *writer) {
		w.Bytes(token)
		w.Tags()
	})
	code, m := r.Int16(), r.NullableString()
	r.Bytes()
	lifetimeMs = r.Int64()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, deref(m), lifetimeMs
}

// plainLoginLifetime logs in with PLAIN and returns the session lifetime.
func (c *testClient) plainLoginLifetime(user, password string) (int16, string, int64) {
	c.t.Helper()
	if code, _ := c.saslHandshake(1, mechPlain); code != codeNone {
		c.t.Fatalf("SaslHandshake PLAIN: code %d", code)
	}
	return c.saslAuthenticateLifetime([]byte("\x00" + user + "\x00" + password))
}

func reauthBroker(t *testing.T, maxReauth time.Duration) string {
	t.Helper()
	sb := startSecureBroker(t, Config{Listeners: "SASL_PLAINTEXT://127.0.0.1:0", Security: SecurityConfig{
		SASLUsers:             saslUsers,
		SASLEnabledMechanisms: []string{mechPlain, mechOAuthBearer},
		ConnectionsMaxReauth:  maxReauth,
	}})
	return sb.addrs[protocolSASLPlaintext]
}

// TestSessionLifetime is rule 1: connections.max.reauth.ms, the token's
// exp for OAUTHBEARER, the smaller of the two, or 0 when neither.
func TestSessionLifetime(t *testing.T) {
	now := time.UnixMilli(1_000_000_000)
	for _, tc := range []struct {
		name      string
		maxReauth time.Duration
		expiry    time.Time
		want      time.Duration
	}{
		{"neither", 0, time.Time{}, 0},
		{"setting only", 15 * time.Second, time.Time{}, 15 * time.Second},
		{"token only", 0, now.Add(time.Hour), time.Hour},
		{"token sooner", time.Hour, now.Add(time.Minute), time.Minute},
		{"setting sooner", time.Minute, now.Add(time.Hour), time.Minute},
		{"token already expired", time.Minute, now.Add(-time.Second), 0},
	} {
		got, bounded := sessionLifetime(tc.maxReauth, tc.expiry, now)
		if got != tc.want || bounded != (tc.maxReauth > 0 || !tc.expiry.IsZero()) {
			t.Errorf("%s: sessionLifetime = %v, %v; want %v", tc.name, got, bounded, tc.want)
		}
	}
}

// TestReauthentication: with connections.max.reauth.ms set, the login
// answers the lifetime, the client logs in again on the same connection
// (as KafkaJS does before the lifetime runs out) and keeps being served,
// and a second attempt within a second is refused as Kafka refuses it.
func TestReauthentication(t *testing.T) {
	c := dial(t, reauthBroker(t, 15*time.Second))
	if code, msg, life := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone || life != 15000 {
		t.Fatalf("login: code %d %q, SessionLifetimeMs %d, want 0 and 15000", code, msg, life)
	}
	c.metadataV1()
	if code, msg, life := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone || life != 15000 {
		t.Fatalf("re-authentication: code %d %q, SessionLifetimeMs %d, want 0 and 15000", code, msg, life)
	}
	c.metadataV1() // still served, as alice
	// KafkaChannel.maybeBeginServerReauthentication: at most one
	// re-authentication a second; an earlier handshake goes to KafkaApis,
	// which answers ILLEGAL_SASL_STATE and keeps the connection.
	if code, _ := c.saslHandshake(1, mechPlain); code != codeIllegalSASLState {
		t.Fatalf("second re-authentication within a second: code %d, want ILLEGAL_SASL_STATE", code)
	}
	c.metadataV1()
}

// TestReauthenticationWithoutSessionLimit: with neither the setting nor
// a token expiry the session has no end, the login answers 0, and a
// second handshake is ILLEGAL_SASL_STATE, the connection staying open.
func TestReauthenticationWithoutSessionLimit(t *testing.T) {
	c := dial(t, reauthBroker(t, 0))
	if code, msg, life := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone || life != 0 {
		t.Fatalf("login: code %d %q, SessionLifetimeMs %d, want 0 and 0", code, msg, life)
	}
	if code, _ := c.saslHandshake(1, mechPlain); code != codeIllegalSASLState {
		t.Fatalf("second handshake: code %d, want ILLEGAL_SASL_STATE", code)
	}
	c.metadataV1()
}

// TestReauthenticationKeepsPrincipal: a re-authentication as someone
// else fails and closes the connection (ReauthInfo.ensurePrincipalUnchanged).
func TestReauthenticationKeepsPrincipal(t *testing.T) {
	c := dial(t, reauthBroker(t, 15*time.Second))
	if code, msg, _ := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone {
		t.Fatalf("login: code %d %q", code, msg)
	}
	code, msg, _ := c.plainLoginLifetime("admin", "admin-secret")
	if code != codeSASLAuthenticationFailed || !strings.Contains(msg, "Cannot change principals during re-authentication from User.alice: User.admin") {
		t.Fatalf("re-authentication as admin: code %d %q, want SASL_AUTHENTICATION_FAILED", code, msg)
	}
	c.expectClosed()
}

// TestReauthenticationKeepsMechanism: a re-authentication must use the
// mechanism of the first login (ReauthInfo.saslMechanismUnchanged): the
// handshake is answered, and the connection closed at the next message.
func TestReauthenticationKeepsMechanism(t *testing.T) {
	c := dial(t, reauthBroker(t, 15*time.Second))
	if code, msg, _ := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone {
		t.Fatalf("login: code %d %q", code, msg)
	}
	if code, _ := c.saslHandshake(1, mechOAuthBearer); code != codeNone {
		t.Fatalf("handshake: code %d, want 0 as Kafka answers it", code)
	}
	// Kafka fails the exchange on the next message without an answer.
	c.send(saslAuthenticateKey, 2, true, func(w *writer) {
		w.Bytes(oauthMessage(aliceToken()))
		w.Tags()
	})
	c.expectClosed()
}

// TestExpiredSessionIsClosed: once the session is over, any request but
// the handshake of a re-authentication closes the connection.
func TestExpiredSessionIsClosed(t *testing.T) {
	addr := reauthBroker(t, 500*time.Millisecond)
	c := dial(t, addr)
	if code, msg, life := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone || life != 500 {
		t.Fatalf("login: code %d %q, SessionLifetimeMs %d", code, msg, life)
	}
	c.metadataV1()
	time.Sleep(600 * time.Millisecond)
	c.send(3, 1, false, func(w *writer) { w.ArrayLen(-1) })
	c.expectClosed()

	// Re-authenticating after the end is still allowed, as in Kafka,
	// where the handshake is checked before the expiry.
	c = dial(t, addr)
	c.plainLoginLifetime("alice", "alice-secret")
	time.Sleep(600 * time.Millisecond)
	if code, msg, life := c.plainLoginLifetime("alice", "alice-secret"); code != codeNone || life != 500 {
		t.Fatalf("late re-authentication: code %d %q, SessionLifetimeMs %d", code, msg, life)
	}
	c.metadataV1()
}

// TestOAuthBearerSessionEndsAtExp: without connections.max.reauth.ms an
// OAUTHBEARER session still ends at the token's exp, as Kafka takes the
// token's lifetime as the credential's expiry.
func TestOAuthBearerSessionEndsAtExp(t *testing.T) {
	c := dial(t, reauthBroker(t, 0))
	if code, _ := c.saslHandshake(1, mechOAuthBearer); code != codeNone {
		t.Fatalf("handshake: code %d", code)
	}
	code, msg, life := c.saslAuthenticateLifetime(oauthMessage(aliceToken())) // exp in an hour
	if code != codeNone || life <= 3590_000 || life > 3600_000 {
		t.Fatalf("login: code %d %q, SessionLifetimeMs %d, want about an hour", code, msg, life)
	}
}
