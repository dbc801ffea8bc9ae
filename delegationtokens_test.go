package kafka

import (
	"context"
	"fmt"
	"net"
	"testing"
)

// createTokenRaw sends CreateDelegationToken at version v (owner only
// from v3) and decodes the whole answer.
func (c *testClient) createTokenRaw(v int16, owner *tokenPrincipal, renewers ...tokenPrincipal) createDelegationTokenResponse {
	c.t.Helper()
	r := c.roundTrip(38, v, v >= 2, func(w *writer) {
		if v >= 3 {
			if owner == nil {
				w.NullableString(nil)
				w.NullableString(nil)
			} else {
				w.String(owner.PrincipalType)
				w.String(owner.PrincipalName)
			}
		}
		writeArrayNonNull(w, renewers, writeTokenPrincipal)
		w.Int64(-1)
		w.Tags()
	})
	var m createDelegationTokenResponse
	m.ErrorCode, m.PrincipalType, m.PrincipalName = r.Int16(), r.String(), r.String()
	if v >= 3 {
		m.TokenRequesterPrincipalType, m.TokenRequesterPrincipalName = r.String(), r.String()
	}
	m.IssueTimestampMs, m.ExpiryTimestampMs, m.MaxTimestampMs = r.Int64(), r.Int64(), r.Int64()
	m.TokenID, m.Hmac, m.ThrottleTimeMs = r.String(), r.Bytes(), r.Int32()
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatalf("CreateDelegationToken v%d: %v", v, err)
	}
	return m
}

// tokenPeriodRaw sends RenewDelegationToken (39) or ExpireDelegationToken
// (40) at version v and returns the code and expiry timestamp.
func (c *testClient) tokenPeriodRaw(key, v int16) (int16, int64) {
	c.t.Helper()
	r := c.roundTrip(key, v, v >= 2, func(w *writer) {
		w.Bytes([]byte("not a token"))
		w.Int64(3600_000)
		w.Tags()
	})
	code, expiry, _ := r.Int16(), r.Int64(), r.Int32()
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatalf("API %d v%d: %v", key, v, err)
	}
	return code, expiry
}

// describeTokensRaw sends DescribeDelegationToken at version v for every
// owner and returns the code and the number of tokens.
func (c *testClient) describeTokensRaw(v int16) (int16, int) {
	c.t.Helper()
	r := c.roundTrip(41, v, v >= 2, func(w *writer) {
		w.ArrayLen(-1)
		w.Tags()
	})
	code := r.Int16()
	n := r.ArrayLen()
	r.Int32()
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatalf("DescribeDelegationToken v%d: %v", v, err)
	}
	return code, n
}

// TestDelegationTokensAsKafkaWithoutSecret: with
// delegation.token.secret.key unset (Kafka's default), a connection that
// may ask for tokens gets DELEGATION_TOKEN_AUTH_DISABLED from all four
// APIs, with the timestamps 0 the controller leaves, and a PLAINTEXT one
// DELEGATION_TOKEN_REQUEST_NOT_ALLOWED with the timestamps -1
// (KafkaApis.allowTokenRequests), at every version served.
func TestDelegationTokensAsKafkaWithoutSecret(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers},
	})
	sasl := dial(t, sb.addrs[protocolSASLPlaintext])
	if code, msg := sasl.plainLogin("alice", "alice-secret"); code != codeNone {
		t.Fatalf("login: %d %s", code, deref(msg))
	}
	plain := dial(t, sb.addrs[protocolPlaintext])
	bob := tokenPrincipal{"User", "bob"}

	for v := int16(1); v <= 3; v++ {
		got := sasl.createTokenRaw(v, nil, bob)
		want := createDelegationTokenResponse{ErrorCode: codeDelegationTokenAuthDisabled, PrincipalType: "User", PrincipalName: "alice", Hmac: []byte{}}
		if v >= 3 {
			want.TokenRequesterPrincipalType, want.TokenRequesterPrincipalName = "User", "alice"
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("SASL Create v%d: %+v, want %+v", v, got, want)
		}
		got = plain.createTokenRaw(v, nil, bob)
		want = createDelegationTokenResponse{ErrorCode: codeDelegationTokenRequestNotAllowed, PrincipalType: "User", PrincipalName: "ANONYMOUS",
			IssueTimestampMs: -1, ExpiryTimestampMs: -1, MaxTimestampMs: -1, Hmac: []byte{}}
		if v >= 3 {
			want.TokenRequesterPrincipalType, want.TokenRequesterPrincipalName = "User", "ANONYMOUS"
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("PLAINTEXT Create v%d: %+v, want %+v", v, got, want)
		}
	}
	// A v3 owner is echoed, and a renewer that is not a User is refused
	// before the token manager.
	if got := sasl.createTokenRaw(3, &bob); got.ErrorCode != codeDelegationTokenAuthDisabled || got.PrincipalName != "bob" || got.TokenRequesterPrincipalName != "alice" {
		t.Errorf("Create for bob: %+v", got)
	}
	if got := sasl.createTokenRaw(3, nil, tokenPrincipal{"Group", "g"}); got.ErrorCode != codeInvalidPrincipalType || got.ExpiryTimestampMs != -1 {
		t.Errorf("Create with a Group renewer: %+v, want INVALID_PRINCIPAL_TYPE", got)
	}

	for _, key := range []int16{39, 40} {
		for v := int16(1); v <= 2; v++ {
			if code, expiry := sasl.tokenPeriodRaw(key, v); code != codeDelegationTokenAuthDisabled || expiry != 0 {
				t.Errorf("SASL API %d v%d: %d expiry %d, want %d expiry 0", key, v, code, expiry, codeDelegationTokenAuthDisabled)
			}
			if code, expiry := plain.tokenPeriodRaw(key, v); code != codeDelegationTokenRequestNotAllowed || expiry != -1 {
				t.Errorf("PLAINTEXT API %d v%d: %d expiry %d, want %d expiry -1", key, v, code, expiry, codeDelegationTokenRequestNotAllowed)
			}
		}
	}
	for v := int16(1); v <= 3; v++ {
		if code, n := sasl.describeTokensRaw(v); code != codeDelegationTokenAuthDisabled || n != 0 {
			t.Errorf("SASL Describe v%d: %d, %d tokens", v, code, n)
		}
		if code, n := plain.describeTokensRaw(v); code != codeDelegationTokenRequestNotAllowed || n != 0 {
			t.Errorf("PLAINTEXT Describe v%d: %d, %d tokens", v, code, n)
		}
	}
	// v0 was removed in Kafka 4.0 (KIP-896).
	for key := int16(38); key <= 41; key++ {
		if a := lookupAPI(key); a == nil || a.minVersion != 1 {
			t.Errorf("API %d: %+v, want served from v1", key, a)
		}
	}
}

// TestCreateDelegationTokenForAnotherOwnerNeedsCreateTokens: with the
// authorizer on, a token for another owner needs CREATE_TOKENS on that
// USER, and the listener's refusal comes first, as in
// KafkaApis.handleCreateTokenRequest; a token for oneself needs nothing.
func TestCreateDelegationTokenForAnotherOwnerNeedsCreateTokens(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	create := func(listenerName, owner string) *createDelegationTokenResponse {
		local, remote := net.Pipe()
		defer local.Close()
		defer remote.Close()
		c := &conn{Conn: local, broker: ab.Broker, auth: connAuth{principal: "User:alice"}, listener: &listener{name: listenerName, sasl: true}}
		rc := &requestContext{conn: c, header: &requestHeader{APIKey: 38, APIVersion: 3}}
		req := &createDelegationTokenRequest{OwnerPrincipalType: ptr("User"), OwnerPrincipalName: ptr(owner), Renewers: []tokenPrincipal{}}
		resp, err := ab.authorizeAndServe(context.Background(), lookupAPI(38), rc, req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*createDelegationTokenResponse)
	}
	if r := create(protocolSASLPlaintext, "bob"); r.ErrorCode != codeDelegationTokenAuthorizationFailed || r.PrincipalName != "bob" {
		t.Errorf("for bob without CREATE_TOKENS: %+v", r)
	}
	if r := create(protocolPlaintext, "bob"); r.ErrorCode != codeDelegationTokenRequestNotAllowed {
		t.Errorf("for bob on PLAINTEXT: %d, want REQUEST_NOT_ALLOWED first", r.ErrorCode)
	}
	if r := create(protocolSASLPlaintext, "alice"); r.ErrorCode != codeDelegationTokenAuthDisabled {
		t.Errorf("for alice herself: %d, want AUTH_DISABLED", r.ErrorCode)
	}
	ab.grant(acl{resUser, "User:bob", patternLiteral, "User:alice", "*", aclCreateTokens, permissionAllow})
	if r := create(protocolSASLPlaintext, "bob"); r.ErrorCode != codeDelegationTokenAuthDisabled {
		t.Errorf("for bob with CREATE_TOKENS: %d, want AUTH_DISABLED", r.ErrorCode)
	}
	// An SSL connection without a client certificate is ANONYMOUS, and
	// may not ask (1-way SSL); with one, it may.
	for _, tc := range []struct {
		principal string
		want      int16
	}{{anonymous, codeDelegationTokenRequestNotAllowed}, {"User:CN=client", codeDelegationTokenAuthDisabled}} {
		c := &conn{auth: connAuth{principal: tc.principal}, listener: &listener{name: protocolSSL, tls: true}}
		rc := &requestContext{conn: c, header: &requestHeader{APIKey: 41, APIVersion: 3}}
		if r := ab.handleDescribeDelegationToken(context.Background(), rc, &describeDelegationTokenRequest{}).(*describeDelegationTokenResponse); r.ErrorCode != tc.want {
			t.Errorf("SSL as %s: %d, want %d", tc.principal, r.ErrorCode, tc.want)
		}
	}
}
