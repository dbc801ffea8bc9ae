// This file is one of the security chapters (Part IV), after reauth.go:
// the four delegation-token APIs (KIP-48), CreateDelegationToken,
// RenewDelegationToken, ExpireDelegationToken and
// DescribeDelegationToken, answered as a Kafka 4.0 broker answers them
// when delegation.token.secret.key is not set, which is its default. It
// assumes security.go (listeners and the principal of a connection) and
// authorize.go (the checks that run before a handler).
//
// # Why serve APIs that never issue a token
//
// A Kafka 4.0 broker advertises all four in ApiVersions whatever its
// settings, and tools that tell which Kafka they talk to judge from
// that list (franz-go's kversion, behind kadm, kcl and Redpanda
// Console): a broker without them looks like Kafka 1.0. An admin client
// that asks for a token must also get the refusal Kafka gives, so that
// it says "delegation tokens are disabled", not "the broker does not
// know this request".
//
// # The rules, in the order Kafka checks them
//
//  1. The connection must be one a token could be handed out on
//     (KafkaApis.allowTokenRequests): not PLAINTEXT, not SSL without a
//     client certificate (the principal ANONYMOUS), and not a login made
//     with a delegation token. Otherwise DELEGATION_TOKEN_REQUEST_NOT_ALLOWED,
//     with the timestamps of the answer -1.
//  2. Create only: a token for another owner needs CREATE_TOKENS on that
//     USER (DELEGATION_TOKEN_AUTHORIZATION_FAILED), and every renewer must
//     be a User (INVALID_PRINCIPAL_TYPE).
//  3. Then the token manager answers DELEGATION_TOKEN_AUTH_DISABLED, as
//     Kafka's controller does for Create, Renew and Expire
//     (DelegationTokenControlManager, where the answer keeps its
//     timestamps at 0) and the broker for Describe
//     (KafkaApis.handleDescribeTokensRequest, config.tokenAuthEnabled).
//
// A SASL client on this broker therefore sees, for example:
//
//	C: CreateDelegationToken v3, owner null, renewers [User:bob]
//	S: DELEGATION_TOKEN_AUTH_DISABLED, owner User:alice, requester
//	   User:alice, issued 0, expires 0, max 0, token id "", hmac empty
//
// and a client on the PLAINTEXT listener DELEGATION_TOKEN_REQUEST_NOT_ALLOWED
// with the timestamps -1.
//
// Design note: rule 1's third case never holds here, since scram.go
// refuses the tokenauth extension, so no login is made with a token.
// Issuing tokens would take a secret, a token store that survives
// restarts, expiry, and SCRAM logins by token; nothing asks for them
// yet, and a broker that answers as a Kafka with the feature off is
// what tools expect of a broker without it.

package kafka

import (
	"context"
	"strings"
)

// tokenErrorTimestamp is DelegationTokenManager.ErrorTimestamp, the
// timestamps of an answer refused before the token manager saw it.
const tokenErrorTimestamp = -1

// userType is KafkaPrincipal.USER_TYPE, the one principal type a renewer
// may have.
const userType = "User"

// allowTokenRequests is KafkaApis.allowTokenRequests: token requests are
// refused where a token could be read by others or could renew itself,
// on a connection that is not authenticated (PLAINTEXT, or SSL without a
// client certificate). Logins by token do not exist here (scram.go).
// Unit tests call handlers without a connection, which is PLAINTEXT.
func (rc *requestContext) allowTokenRequests() bool {
	if rc.conn == nil || rc.conn.listener == nil {
		return false
	}
	switch rc.conn.listener.name {
	case protocolPlaintext:
		return false
	case protocolSSL:
		return rc.principal() != anonymous
	}
	return true
}

// splitPrincipal splits "User:alice" into its type and name, as
// KafkaPrincipal holds them.
func splitPrincipal(p string) (typ, name string) {
	typ, name, _ = strings.Cut(p, ":")
	return typ, name
}

// CreateDelegationToken: v1-3 (CreateDelegationTokenRequest.json, CreateDelegationTokenResponse.json)
//
//	v1: no change (v0 was removed by KIP-896 in Kafka 4.0)
//	v2: flexible
//	v3: OwnerPrincipalType and OwnerPrincipalName (KIP-373); the
//	    answer names the requester
//
// The schemas are at
// https://github.com/apache/kafka/blob/4.0.0/clients/src/main/resources/common/message/CreateDelegationTokenRequest.json.
type createDelegationTokenRequest struct {
	// The owner, null or empty for the requester itself.
	OwnerPrincipalType *string
	OwnerPrincipalName *string
	Renewers           []tokenPrincipal
	MaxLifetimeMs      int64

	// ownerDenied is set by the ACL check (authorize.go) when the
	// principal may not create tokens for the owner it names; the
	// handler answers so only after rule 1, in Kafka's order.
	ownerDenied bool
}

// tokenPrincipal is a principal as the token APIs send it, type and name
// apart.
type tokenPrincipal struct {
	PrincipalType string
	PrincipalName string
}

func readTokenPrincipal(r *reader) (p tokenPrincipal) {
	p.PrincipalType = r.String()
	p.PrincipalName = r.String()
	r.SkipTags()
	return p
}

func writeTokenPrincipal(w *writer, p tokenPrincipal) {
	w.String(p.PrincipalType)
	w.String(p.PrincipalName)
	w.Tags()
}

func (m *createDelegationTokenRequest) decode(r *reader, v int16) {
	if v >= 3 {
		m.OwnerPrincipalType = r.NullableString()
		m.OwnerPrincipalName = r.NullableString()
	}
	m.Renewers = readArray(r, readTokenPrincipal)
	m.MaxLifetimeMs = r.Int64()
	r.SkipTags()
}

// owner is the principal the token would belong to, as
// KafkaApis.handleCreateTokenRequest picks it: the one named, else the
// requester.
func (m *createDelegationTokenRequest) owner(requester string) string {
	if m.OwnerPrincipalName == nil || *m.OwnerPrincipalName == "" {
		return requester
	}
	return deref(m.OwnerPrincipalType) + ":" + *m.OwnerPrincipalName
}

type createDelegationTokenResponse struct {
	ErrorCode                   int16
	PrincipalType               string
	PrincipalName               string
	TokenRequesterPrincipalType string
	TokenRequesterPrincipalName string
	IssueTimestampMs            int64
	ExpiryTimestampMs           int64
	MaxTimestampMs              int64
	TokenID                     string
	Hmac                        []byte
	ThrottleTimeMs              int32
}

func (m *createDelegationTokenResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	w.String(m.PrincipalType)
	w.String(m.PrincipalName)
	if v >= 3 {
		w.String(m.TokenRequesterPrincipalType)
		w.String(m.TokenRequesterPrincipalName)
	}
	w.Int64(m.IssueTimestampMs)
	w.Int64(m.ExpiryTimestampMs)
	w.Int64(m.MaxTimestampMs)
	w.String(m.TokenID)
	w.Bytes(m.Hmac)
	w.Int32(m.ThrottleTimeMs)
	w.Tags()
}

// createTokenAnswer is CreateDelegationTokenResponse.prepareResponse
// without a token: the owner and requester, no token id, an empty HMAC,
// and the timestamps ts (-1 when refused before the token manager, 0
// when the token manager refuses).
func createTokenAnswer(code int16, owner, requester string, ts int64) *createDelegationTokenResponse {
	ot, on := splitPrincipal(owner)
	rt, rn := splitPrincipal(requester)
	return &createDelegationTokenResponse{ErrorCode: code, PrincipalType: ot, PrincipalName: on,
		TokenRequesterPrincipalType: rt, TokenRequesterPrincipalName: rn,
		IssueTimestampMs: ts, ExpiryTimestampMs: ts, MaxTimestampMs: ts, Hmac: []byte{}}
}

// handleCreateDelegationToken follows KafkaApis.handleCreateTokenRequest
// and, for what the broker forwards, the controller's
// DelegationTokenControlManager.createDelegationToken.
func (b *Broker) handleCreateDelegationToken(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*createDelegationTokenRequest)
	requester := rc.principal()
	owner := req.owner(requester)
	switch {
	case !rc.allowTokenRequests():
		return createTokenAnswer(codeDelegationTokenRequestNotAllowed, owner, requester, tokenErrorTimestamp)
	case req.ownerDenied:
		return createTokenAnswer(codeDelegationTokenAuthorizationFailed, owner, requester, tokenErrorTimestamp)
	}
	for _, p := range req.Renewers {
		if p.PrincipalType != userType {
			return createTokenAnswer(codeInvalidPrincipalType, owner, requester, tokenErrorTimestamp)
		}
	}
	return createTokenAnswer(codeDelegationTokenAuthDisabled, owner, requester, 0)
}

// RenewDelegationToken: v1-2 (RenewDelegationTokenRequest.json, RenewDelegationTokenResponse.json)
// ExpireDelegationToken: v1-2 (ExpireDelegationTokenRequest.json, ExpireDelegationTokenResponse.json)
//
//	v1: no change (v0 was removed by KIP-896 in Kafka 4.0)
//	v2: flexible
//
// The two have the same shape, an HMAC and a period, answered with an
// expiry timestamp, and the same rules (KafkaApis.handleRenewTokenRequest
// and handleExpireTokenRequest): -1 when the connection may not ask,
// otherwise the controller's DELEGATION_TOKEN_AUTH_DISABLED with 0.
type tokenPeriodRequest struct {
	Hmac     []byte
	PeriodMs int64 // RenewPeriodMs, or ExpiryTimePeriodMs
}

func (m *tokenPeriodRequest) decode(r *reader, v int16) {
	m.Hmac = r.Bytes()
	m.PeriodMs = r.Int64()
	r.SkipTags()
}

type tokenExpiryResponse struct {
	ErrorCode         int16
	ExpiryTimestampMs int64
	ThrottleTimeMs    int32
}

func (m *tokenExpiryResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	w.Int64(m.ExpiryTimestampMs)
	w.Int32(m.ThrottleTimeMs)
	w.Tags()
}

// handleTokenPeriod answers Renew and Expire.
func (b *Broker) handleTokenPeriod(ctx context.Context, rc *requestContext, r request) response {
	if !rc.allowTokenRequests() {
		return &tokenExpiryResponse{ErrorCode: codeDelegationTokenRequestNotAllowed, ExpiryTimestampMs: tokenErrorTimestamp}
	}
	return &tokenExpiryResponse{ErrorCode: codeDelegationTokenAuthDisabled}
}

// DescribeDelegationToken: v1-3 (DescribeDelegationTokenRequest.json, DescribeDelegationTokenResponse.json)
//
//	v1: no change (v0 was removed by KIP-896 in Kafka 4.0)
//	v2: flexible
//	v3: each token names its requester (KIP-373)
//
// Answered by the broker itself (KafkaApis.handleDescribeTokensRequest):
// no tokens, and DELEGATION_TOKEN_REQUEST_NOT_ALLOWED or
// DELEGATION_TOKEN_AUTH_DISABLED by rule 1.
type describeDelegationTokenRequest struct {
	// Owners is null for every token.
	Owners []tokenPrincipal
}

func (m *describeDelegationTokenRequest) decode(r *reader, v int16) {
	m.Owners = readArray(r, readTokenPrincipal)
	r.SkipTags()
}

type describeDelegationTokenResponse struct {
	ErrorCode      int16
	Tokens         []describedToken
	ThrottleTimeMs int32
}

// describedToken is one token of the answer. This broker never has one
// to describe; the type is here so that the answer's schema is whole
// and checked against kmsg's bytes (golden_test.go).
type describedToken struct {
	PrincipalType               string
	PrincipalName               string
	TokenRequesterPrincipalType string
	TokenRequesterPrincipalName string
	IssueTimestamp              int64
	ExpiryTimestamp             int64
	MaxTimestamp                int64
	TokenID                     string
	Hmac                        []byte
	Renewers                    []tokenPrincipal
}

func (m *describeDelegationTokenResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	writeArrayNonNull(w, m.Tokens, func(w *writer, t describedToken) {
		w.String(t.PrincipalType)
		w.String(t.PrincipalName)
		if v >= 3 {
			w.String(t.TokenRequesterPrincipalType)
			w.String(t.TokenRequesterPrincipalName)
		}
		w.Int64(t.IssueTimestamp)
		w.Int64(t.ExpiryTimestamp)
		w.Int64(t.MaxTimestamp)
		w.String(t.TokenID)
		w.Bytes(t.Hmac)
		writeArrayNonNull(w, t.Renewers, writeTokenPrincipal)
		w.Tags()
	})
	w.Int32(m.ThrottleTimeMs)
	w.Tags()
}

func (b *Broker) handleDescribeDelegationToken(ctx context.Context, rc *requestContext, r request) response {
	if !rc.allowTokenRequests() {
		return &describeDelegationTokenResponse{ErrorCode: codeDelegationTokenRequestNotAllowed, Tokens: []describedToken{}}
	}
	return &describeDelegationTokenResponse{ErrorCode: codeDelegationTokenAuthDisabled, Tokens: []describedToken{}}
}
