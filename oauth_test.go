package kafka

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// unsecuredJWT builds a token as librdkafka's unsecured JWT builder does:
// a header, claims, and an empty signature, each part base64url without
// padding.
func unsecuredJWT(header, claims any) string {
	part := func(v any) string {
		raw, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			raw = string(b)
		}
		return base64.RawURLEncoding.EncodeToString([]byte(raw))
	}
	return part(header) + "." + part(claims) + "."
}

// aliceToken is a token for alice valid for an hour from now.
func aliceToken() string {
	now := time.Now().Unix()
	return unsecuredJWT(map[string]any{"alg": "none"}, map[string]any{"sub": "alice", "iat": now, "exp": now + 3600})
}

// oauthMessage is the client's first message, as Kafka's
// OAuthBearerClientInitialResponse.toBytes writes it.
func oauthMessage(token string) []byte {
	return []byte("n,,\x01auth=Bearer " + token + "\x01\x01")
}

// TestOAuthBearerValidation runs the validator's rules (oauth.go, rules
// 4-7) on tokens that pass and tokens that fail each one.
func TestOAuthBearerValidation(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	none := map[string]any{"alg": "none"}
	cfg := OAuthBearerConfig{}.withDefaults()
	skewed := OAuthBearerConfig{AllowableClockSkew: 10 * time.Second}.withDefaults()
	scoped := OAuthBearerConfig{RequiredScope: []string{"kafka", "write"}}.withDefaults()
	custom := OAuthBearerConfig{PrincipalClaimName: "client_id"}.withDefaults()
	for _, tc := range []struct {
		name      string
		cfg       OAuthBearerConfig
		token     string
		principal string // "" when the token must be refused
		status    string
	}{
		{"good", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060}), "alice", ""},
		{"fractional exp", cfg, unsecuredJWT(none, `{"sub":"alice","exp":1800000000.5}`), "alice", ""},
		{"expired", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_799_999_990}), "", invalidToken},
		{"exp now is expired", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_000}), "", invalidToken},
		{"expired within the skew", skewed, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_799_999_995}), "alice", ""},
		{"expired beyond the skew", skewed, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_799_999_990}), "", invalidToken},
		{"issued in the future", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "iat": 1_800_000_005, "exp": 1_800_000_060}), "", invalidToken},
		{"issued in the future within the skew", skewed, unsecuredJWT(none, map[string]any{"sub": "alice", "iat": 1_800_000_005, "exp": 1_800_000_060}), "alice", ""},
		{"exp not after iat", skewed, unsecuredJWT(none, map[string]any{"sub": "alice", "iat": 1_800_000_005, "exp": 1_800_000_005}), "", invalidToken},
		{"no exp", cfg, unsecuredJWT(none, map[string]any{"sub": "alice"}), "", invalidToken},
		{"exp a string", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": "1800000060"}), "", invalidToken},
		{"iat a string", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "iat": "x", "exp": 1_800_000_060}), "", invalidToken},
		{"missing sub", cfg, unsecuredJWT(none, map[string]any{"exp": 1_800_000_060}), "", invalidToken},
		{"blank sub", cfg, unsecuredJWT(none, map[string]any{"sub": "  ", "exp": 1_800_000_060}), "", invalidToken},
		{"sub a number", cfg, unsecuredJWT(none, map[string]any{"sub": 7, "exp": 1_800_000_060}), "", invalidToken},
		{"principal claim configured", custom, unsecuredJWT(none, map[string]any{"sub": "alice", "client_id": "svc", "exp": 1_800_000_060}), "svc", ""},
		{"alg HS256", cfg, unsecuredJWT(map[string]any{"alg": "HS256"}, map[string]any{"sub": "alice", "exp": 1_800_000_060}), "", invalidToken},
		{"no alg", cfg, unsecuredJWT(map[string]any{"typ": "JWT"}, map[string]any{"sub": "alice", "exp": 1_800_000_060}), "", invalidToken},
		{"a signature", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060}) + "c2ln", "", invalidToken},
		{"two parts", cfg, strings.TrimSuffix(unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060}), "."), "", invalidToken},
		{"claims not base64url", cfg, "eyJhbGciOiJub25lIn0.***.", "", invalidToken},
		{"claims not an object", cfg, unsecuredJWT(none, `["sub"]`), "", invalidToken},
		{"claims not JSON", cfg, unsecuredJWT(none, `{"sub":`), "", invalidToken},
		{"scope list has all", scoped, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060, "scope": []string{"write", "kafka", "read"}}), "alice", ""},
		{"scope list misses one", scoped, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060, "scope": []string{"kafka"}}), "", `{"status":"insufficient_scope", "scope":"[kafka, write]"}`},
		// A string scope is one scope, spaces and all, as in Kafka.
		{"scope string is one scope", scoped, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060, "scope": "kafka write"}), "", `{"status":"insufficient_scope", "scope":"[kafka, write]"}`},
		{"scope a number", cfg, unsecuredJWT(none, map[string]any{"sub": "alice", "exp": 1_800_000_060, "scope": 3}), "", invalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, status := tc.cfg.validate(tc.token, now)
			if status != tc.status {
				t.Fatalf("status %q, want %q", status, tc.status)
			}
			if got := ""; tok != nil {
				if got = tok.principal; got != tc.principal {
					t.Fatalf("principal %q, want %q", got, tc.principal)
				}
			} else if tc.principal != "" {
				t.Fatalf("refused, want principal %q", tc.principal)
			}
		})
	}
}

// TestOAuthBearerInitialResponse: the client's first message, by the
// grammar of Kafka's OAuthBearerClientInitialResponse (rules 2 and 3).
func TestOAuthBearerInitialResponse(t *testing.T) {
	for _, tc := range []struct {
		msg            string
		authzid, token string // token "" when refused
	}{
		{"n,,\x01auth=Bearer a.b.\x01\x01", "", "a.b."},
		{"n,,\x01auth=bearer a.b.\x01\x01", "", "a.b."},
		{"n,,\x01auth=BEARER   a.b.\x01\x01", "", "a.b."},
		{"n,a=alice,\x01auth=Bearer a.b.\x01\x01", "alice", "a.b."},
		{"n,a=a=2Cb,\x01auth=Bearer a.b.\x01\x01", "a=2Cb", "a.b."},
		{"n,,\x01traceId=abc 123\x01auth=Bearer a.b.\x01logicalCluster=lkc-1\x01\x01", "", "a.b."},
		{"n,,\x01auth=Bearer a.b.\x01", "", ""},              // no final ^A
		{"n,,\x01\x01", "", ""},                              // no auth
		{"n,,\x01auth=Basic YWxpY2U6cHc\x01\x01", "", ""},    // not Bearer
		{"n,,\x01auth=Bearer a b\x01\x01", "", ""},           // a space in the token
		{"n,,\x01auth=Bearer a+b/\x01\x01", "", ""},          // base64, not base64url
		{"n,a=a,b,\x01auth=Bearer a.b.\x01\x01", "", ""},     // a comma in the authzid
		{"y,,\x01auth=Bearer a.b.\x01\x01", "", ""},          // channel binding
		{"n,,auth=Bearer a.b.\x01\x01", "", ""},              // the older comma form
		{"n,,\x01auth=Bearer a.b.\x01x-y=1\x01\x01", "", ""}, // a key not letters
		{"", "", ""},
	} {
		authzid, token, err := parseOAuthInitialResponse([]byte(tc.msg))
		if tc.token == "" {
			if err == nil {
				t.Errorf("%q: accepted, token %q", tc.msg, token)
			}
			continue
		}
		if err != nil || authzid != tc.authzid || token != tc.token {
			t.Errorf("%q: authzid %q, token %q, %v; want %q, %q", tc.msg, authzid, token, err, tc.authzid, tc.token)
		}
	}
}

// oauthBroker starts a broker with a SASL_PLAINTEXT listener that serves
// OAUTHBEARER and PLAIN.
func oauthBroker(t *testing.T, sec SecurityConfig) string {
	sec.SASLEnabledMechanisms = []string{mechOAuthBearer, mechPlain}
	sec.SASLUsers = saslUsers
	sb := startSecureBroker(t, Config{Listeners: "SASL_PLAINTEXT://127.0.0.1:0", Security: sec})
	return sb.addrs[protocolSASLPlaintext]
}

// oauthLogin sends SaslHandshake v1 OAUTHBEARER and the first message.
func (c *testClient) oauthLogin(msg []byte) (code int16, errMsg *string, reply []byte) {
	c.t.Helper()
	if code, mechs := c.saslHandshake(1, mechOAuthBearer); code != codeNone {
		c.t.Fatalf("SaslHandshake OAUTHBEARER: code %d, mechanisms %v", code, mechs)
	}
	code, errMsg, reply, err := c.saslAuthenticate(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	return code, errMsg, reply
}

// TestOAuthBearerLogin is a login over the wire: the handshake offers the
// enabled mechanisms in order, a good token logs in, and the connection
// is then served.
func TestOAuthBearerLogin(t *testing.T) {
	c := dial(t, oauthBroker(t, SecurityConfig{}))
	if code, mechs := c.saslHandshake(1, mechOAuthBearer); code != codeNone || strings.Join(mechs, ",") != "OAUTHBEARER,PLAIN" {
		t.Fatalf("SaslHandshake: code %d, mechanisms %v", code, mechs)
	}
	code, msg, reply, err := c.saslAuthenticate(oauthMessage(aliceToken()))
	if err != nil || code != codeNone || len(reply) != 0 {
		t.Fatalf("SaslAuthenticate: code %d %s, reply %q, %v", code, deref(msg), reply, err)
	}
	c.metadataV1() // served: the login succeeded
}

// TestOAuthBearerErrorChallenge: a refused token gets the JSON error as a
// challenge with error code 0; the client's ^A then fails the login with
// SASL_AUTHENTICATION_FAILED and the connection closes (RFC 7628 3.2.2).
func TestOAuthBearerErrorChallenge(t *testing.T) {
	addr := oauthBroker(t, SecurityConfig{OAuthBearer: OAuthBearerConfig{RequiredScope: []string{"kafka"}}})
	expired := unsecuredJWT(map[string]any{"alg": "none"}, map[string]any{"sub": "alice", "exp": time.Now().Unix() - 60, "scope": "kafka"})
	noScope := unsecuredJWT(map[string]any{"alg": "none"}, map[string]any{"sub": "alice", "exp": time.Now().Unix() + 60})
	for _, tc := range []struct{ name, token, challenge string }{
		{"expired", expired, `{"status":"invalid_token"}`},
		{"insufficient scope", noScope, `{"status":"insufficient_scope", "scope":"[kafka]"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			code, msg, reply := c.oauthLogin(oauthMessage(tc.token))
			if code != codeNone || string(reply) != tc.challenge {
				t.Fatalf("first answer: code %d %s, reply %q; want code 0 and %s", code, deref(msg), reply, tc.challenge)
			}
			code, msg, _, err := c.saslAuthenticate([]byte{1})
			if err != nil || code != codeSASLAuthenticationFailed || deref(msg) != tc.challenge {
				t.Fatalf("after ^A: code %d, message %q, %v", code, deref(msg), err)
			}
			c.expectClosed()
		})
	}
}

// TestOAuthBearerRefused: failures that end the login at once, with
// SASL_AUTHENTICATION_FAILED, and the mechanism being off by default.
func TestOAuthBearerRefused(t *testing.T) {
	logs := &lockedBuffer{}
	sb := startSecureBroker(t, Config{Listeners: "SASL_PLAINTEXT://127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Security: SecurityConfig{SASLEnabledMechanisms: []string{mechOAuthBearer, mechPlain}, SASLUsers: saslUsers}})
	addr := sb.addrs[protocolSASLPlaintext]
	const generic = "Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER"
	for _, tc := range []struct{ name, msg, want, logged string }{
		{"malformed initial response", "n,,auth=Bearer " + aliceToken() + "\x01\x01", generic, "Invalid OAUTHBEARER client first message"},
		{"a lone ^A with no challenge pending", "\x01", generic, "Invalid OAUTHBEARER client first message"},
		{"not Bearer", "n,,\x01auth=Token " + aliceToken() + "\x01\x01", generic, "Invalid scheme in OAUTHBEARER client first message: Token"},
		{"authzid not the principal", "n,a=bob,\x01auth=Bearer " + aliceToken() + "\x01\x01", "Client requested an authorization id (bob) that is different from the token's principal name (alice)", "authorization id (bob)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			code, msg, _ := c.oauthLogin([]byte(tc.msg))
			if code != codeSASLAuthenticationFailed || !strings.Contains(deref(msg), tc.want) {
				t.Fatalf("code %d, message %q; want SASL_AUTHENTICATION_FAILED with %q", code, deref(msg), tc.want)
			}
			c.expectClosed()
			if !strings.Contains(logs.String(), tc.logged) {
				t.Errorf("the log does not say %q:\n%s", tc.logged, logs.String())
			}
		})
	}
	t.Run("off by default", func(t *testing.T) {
		sb := startSecureBroker(t, Config{Listeners: "SASL_PLAINTEXT://127.0.0.1:0", Security: SecurityConfig{SASLUsers: saslUsers}})
		c := dial(t, sb.addrs[protocolSASLPlaintext])
		code, mechs := c.saslHandshake(1, mechOAuthBearer)
		if code != codeUnsupportedSASLMechanism || strings.Join(mechs, ",") != "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" {
			t.Fatalf("code %d, mechanisms %v", code, mechs)
		}
		c.expectClosed()
	})
	t.Run("a disabled mechanism is refused", func(t *testing.T) {
		c := dial(t, addr) // OAUTHBEARER and PLAIN only
		if code, mechs := c.saslHandshake(1, mechSCRAMSHA256); code != codeUnsupportedSASLMechanism || strings.Join(mechs, ",") != "OAUTHBEARER,PLAIN" {
			t.Fatalf("code %d, mechanisms %v", code, mechs)
		}
	})
}

// TestOAuthBearerRetryAfterChallenge: after a challenge, a new first
// message instead of ^A is read afresh, as OAuthBearerSaslServer does.
func TestOAuthBearerRetryAfterChallenge(t *testing.T) {
	c := dial(t, oauthBroker(t, SecurityConfig{}))
	bad := unsecuredJWT(map[string]any{"alg": "none"}, map[string]any{"sub": "alice"})
	if code, _, reply := c.oauthLogin(oauthMessage(bad)); code != codeNone || string(reply) != invalidToken {
		t.Fatalf("code %d, reply %q", code, reply)
	}
	code, msg, _, err := c.saslAuthenticate(oauthMessage(aliceToken()))
	if err != nil || code != codeNone {
		t.Fatalf("second message: code %d %s, %v", code, deref(msg), err)
	}
	c.metadataV1()
}

// TestOAuthBearerBareV0: after SaslHandshake v0 the challenge and its
// acknowledgement travel bare, and the failure closes the connection.
func TestOAuthBearerBareV0(t *testing.T) {
	c := dial(t, oauthBroker(t, SecurityConfig{}))
	c.saslHandshake(0, mechOAuthBearer)
	bad := oauthMessage(unsecuredJWT(map[string]any{"alg": "HS256"}, map[string]any{"sub": "alice", "exp": time.Now().Unix() + 60}))
	c.writeBare(bad)
	if reply := c.readBare(); string(reply) != invalidToken {
		t.Fatalf("challenge %q", reply)
	}
	c.writeBare([]byte{1})
	c.expectClosed()

	c = dial(t, oauthBroker(t, SecurityConfig{}))
	c.saslHandshake(0, mechOAuthBearer)
	c.writeBare(oauthMessage(aliceToken()))
	if reply := c.readBare(); len(reply) != 0 {
		t.Fatalf("reply %q, want empty", reply)
	}
	c.metadataV1()
}

// TestOAuthBearerPrincipalIsAuthorized: the authorizer sees User:<sub>.
// alice is a super user; bob, with no ACL, is denied; both logged in with
// tokens naming themselves.
func TestOAuthBearerPrincipalIsAuthorized(t *testing.T) {
	addr := oauthBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:alice"}})
	now := time.Now().Unix()
	bob := unsecuredJWT(map[string]any{"alg": "none"}, map[string]any{"sub": "bob", "exp": now + 60})
	cb := dial(t, addr)
	if code, msg, _ := cb.oauthLogin(oauthMessage(bob)); code != codeNone {
		t.Fatalf("bob: %d %s", code, deref(msg))
	}
	if code, _ := cb.createTopicWithConfigs("t", 1, nil); code != codeTopicAuthorizationFailed {
		t.Fatalf("CreateTopics as User:bob: code %d", code)
	}
	ca := dial(t, addr)
	if code, msg, _ := ca.oauthLogin(oauthMessage(aliceToken())); code != codeNone {
		t.Fatalf("alice: %d %s", code, deref(msg))
	}
	if code, _ := ca.createTopicWithConfigs("t", 1, nil); code != codeNone {
		t.Fatalf("CreateTopics as User:alice: code %d", code)
	}
}

// TestOAuthBearerSettings: sasl.enabled.mechanisms sets the list, checks
// each name, and defaults to the password mechanisms.
func TestOAuthBearerSettings(t *testing.T) {
	var c Config
	if got := lookupBrokerSetting("sasl.enabled.mechanisms").get(&c); got != "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" {
		t.Errorf("default %q", got)
	}
	if err := c.Set("sasl.enabled.mechanisms", "SCRAM-SHA-512, OAUTHBEARER"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Security.SASLEnabledMechanisms, ","); got != "SCRAM-SHA-512,OAUTHBEARER" {
		t.Errorf("after Set: %q", got)
	}
	for _, v := range []string{"GSSAPI", "", "PLAIN,oauthbearer"} {
		if err := c.Set("sasl.enabled.mechanisms", v); err == nil {
			t.Errorf("Set(sasl.enabled.mechanisms, %q) accepted", v)
		}
	}
	if _, err := Open(Config{DataDir: t.TempDir(), Security: SecurityConfig{SASLEnabledMechanisms: []string{"KERBEROS"}}}); err == nil {
		t.Error("Open accepted an unknown mechanism")
	}
}

// writeBare sends a mechanism message as after SaslHandshake v0: a 4-byte
// size and the bytes, no Kafka header.
func (c *testClient) writeBare(msg []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(binary.BigEndian.AppendUint32(nil, uint32(len(msg)))); err != nil {
		c.t.Fatal(err)
	}
	if _, err := c.conn.Write(msg); err != nil {
		c.t.Fatal(err)
	}
}

// readBare reads the broker's bare answer.
func (c *testClient) readBare() []byte {
	c.t.Helper()
	var size [4]byte
	if _, err := io.ReadFull(c.r, size[:]); err != nil {
		c.t.Fatal(err)
	}
	msg := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c.r, msg); err != nil {
		c.t.Fatal(err)
	}
	return msg
}

// TestOAuthBearerWarnsAtStart: enabling OAUTHBEARER logs a warning at
// Open, and the default does not.
func TestOAuthBearerWarnsAtStart(t *testing.T) {
	for _, mechs := range [][]string{nil, {mechOAuthBearer}} {
		logs := &lockedBuffer{}
		startSecureBroker(t, Config{Listeners: "PLAINTEXT://127.0.0.1:0", Security: SecurityConfig{SASLEnabledMechanisms: mechs},
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if warned := strings.Contains(logs.String(), "unsecured tokens"); warned != (mechs != nil) {
			t.Errorf("mechanisms %v: warned %v\n%s", mechs, warned, logs.String())
		}
	}
}

// FuzzOAuthBearerStep feeds arbitrary client messages to the mechanism:
// it must never panic, and a login it completes must have a principal.
func FuzzOAuthBearerStep(f *testing.F) {
	f.Add(oauthMessage(aliceToken()), []byte{1})
	f.Add([]byte("n,a=alice,\x01auth=Bearer "+aliceToken()+"\x01k=v\x01\x01"), []byte{1})
	f.Add(oauthMessage(unsecuredJWT(map[string]any{"alg": "none"}, `{"sub":"a","exp":1e400}`)), []byte{1})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		o := &oauthServer{cfg: OAuthBearerConfig{RequiredScope: []string{"kafka"}}.withDefaults(), now: time.Now}
		for _, msg := range [][]byte{first, second} {
			_, done, err := o.step(msg)
			if err != nil {
				return
			}
			if done {
				if strings.TrimSpace(o.principal) == "" {
					t.Fatalf("logged in without a principal: %q", msg)
				}
				return
			}
		}
	})
}
