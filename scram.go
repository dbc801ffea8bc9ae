// This file is the second of the security chapters (Part IV): SCRAM (RFC 5802,
// with SHA-256 and SHA-512 as RFC 7677 and Kafka's KIP-84 use them), the
// users it checks, and the two APIs that manage them,
// DescribeUserScramCredentials and AlterUserScramCredentials. It assumes
// security.go, where a mechanism is chosen and driven.
//
// # What the broker keeps, and why it is enough
//
// For each user and mechanism the broker keeps a salt, an iteration count
// and two keys derived from the password, never the password:
//
//	SaltedPassword = PBKDF2(HMAC-H, password, salt, iterations)
//	StoredKey      = H(HMAC(SaltedPassword, "Client Key"))
//	ServerKey      = HMAC(SaltedPassword, "Server Key")
//
// A login then goes:
//
//	C: n,,n=alice,r=<client nonce>
//	S: r=<client nonce><server nonce>,s=<salt>,i=4096
//	C: c=biws,r=<both nonces>,p=<ClientKey XOR HMAC(StoredKey, AuthMessage)>
//	S: v=<HMAC(ServerKey, AuthMessage)>
//
// where AuthMessage is the three messages before the proof, joined by
// commas. The broker recovers ClientKey from the proof, hashes it and
// compares with StoredKey: it learns that the client knows the password
// without ever seeing it, and its own answer proves that it knows
// ServerKey. Someone who steals the credential file can do neither: it
// holds only StoredKey, a hash of what the client must show.
//
// The rules follow Kafka's ScramSaslServer: messages in order, one
// exchange per connection; the nonce must come back at the end of the
// client's final nonce (see clientFinal for why not unchanged); the
// channel-binding header must be the one the client sent first (we offer
// no channel binding); an authorization id, if given, must equal the user
// name; delegation-token logins (the tokenauth extension) are refused; and
// any failure ends the login. Iteration counts lie in 4096-16384, the
// bounds of Kafka's ScramMechanism.
//
// The credentials live in DataDir/scram-credentials.json, rewritten whole
// on each change (writeFileAtomic). Design note: a JSON file, not a
// __cluster_metadata topic as in KRaft, because there is one broker and a
// handful of users; what changes is rare and small.

package kafka

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// scramMechanism is one of Kafka's ScramMechanism values. Kafka offers
// only these two (KIP-84), none with SHA-1, and the hash is the only
// thing that differs between them.
type scramMechanism struct {
	name string
	code int8 // in DescribeUserScramCredentials and AlterUserScramCredentials
	hash func() hash.Hash
}

// The two mechanisms, with the codes of Kafka's ScramMechanism.type()
// that the admin APIs carry (0 is UNKNOWN).
var (
	scramSHA256 = scramMechanism{mechSCRAMSHA256, 1, sha256.New}
	scramSHA512 = scramMechanism{mechSCRAMSHA512, 2, sha512.New}
)

// scramMechanismByCode finds a mechanism by its code, nil if unknown.
func scramMechanismByCode(code int8) *scramMechanism {
	switch code {
	case scramSHA256.code:
		return &scramSHA256
	case scramSHA512.code:
		return &scramSHA512
	}
	return nil
}

// scramMechanismByName finds a mechanism by its SASL name, nil if
// unknown: the credentials file keys each user's credentials by it.
func scramMechanismByName(name string) *scramMechanism {
	for _, m := range []*scramMechanism{&scramSHA256, &scramSHA512} {
		if m.name == name {
			return m
		}
	}
	return nil
}

// Kafka's bounds on iterations (ScramMechanism.minIterations and
// maxIterations), and the count the broker uses for users it makes.
// The salt and nonce sizes are this broker's choice; Kafka's
// ScramFormatter uses a random salt and nonce too, and only their
// unpredictability matters. RFC 7677 asks for at least 4096
// iterations, which is also what this broker uses.
const (
	scramMinIterations     = 4096
	scramMaxIterations     = 16384
	scramDefaultIterations = 4096
	scramSaltBytes         = 32
	scramNonceBytes        = 24
)

// scramCredential is what is kept for one user and mechanism: Kafka's
// ScramCredential, the fields ScramCredentialUtils writes as
// salt=...,stored_key=...,server_key=...,iterations=... . The JSON tags
// are the credentials file's format, so they must not change. Salt and
// iteration count are public in every login's server-first message;
// the keys are what must stay on the broker.
type scramCredential struct {
	Salt       []byte `json:"salt"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
	Iterations int    `json:"iterations"`
}

// hmac is HMAC(key, msg) of RFC 5802 section 2.2, with the mechanism's
// hash.
func (m *scramMechanism) hmac(key, msg []byte) []byte {
	h := hmac.New(m.hash, key)
	h.Write(msg)
	return h.Sum(nil)
}

// sum is H(b) of RFC 5802 section 2.2: StoredKey is H(ClientKey).
func (m *scramMechanism) sum(b []byte) []byte {
	h := m.hash()
	h.Write(b)
	return h.Sum(nil)
}

// saltPassword is Hi(password, salt, i) of RFC 5802, which is PBKDF2 with
// HMAC-H and an output as long as H's.
func (m *scramMechanism) saltPassword(password, salt []byte, iterations int) []byte {
	key, err := pbkdf2.Key(m.hash, string(password), salt, iterations, m.hash().Size())
	if err != nil {
		// Only a FIPS-mode check on the inputs can fail here, and
		// salts and sizes are always acceptable; a nil key matches no
		// credential.
		return nil
	}
	return key
}

// credentialFromSalted derives what is kept from a salted password, as
// Kafka's ScramFormatter.generateCredential does after Hi. It is the step
// AlterUserScramCredentials starts from, since the client sends the
// salted password, never the password (KIP-554).
func (m *scramMechanism) credentialFromSalted(salted, salt []byte, iterations int) scramCredential {
	clientKey := m.hmac(salted, []byte("Client Key"))
	return scramCredential{
		Salt:       salt,
		StoredKey:  m.sum(clientKey),
		ServerKey:  m.hmac(salted, []byte("Server Key")),
		Iterations: iterations,
	}
}

// newCredential makes a credential from a password with a fresh salt, for
// the users of Config.Security.SASLUsers. A fresh salt per credential
// means two users with one password still get different keys.
func (m *scramMechanism) newCredential(password []byte) scramCredential {
	salt := make([]byte, scramSaltBytes)
	rand.Read(salt)
	return m.credentialFromSalted(m.saltPassword(password, salt, scramDefaultIterations), salt, scramDefaultIterations)
}

// matches reports whether password is the one the credential was made
// from; the comparison takes the same time wherever the keys differ. This
// is how SASL/PLAIN logins are checked against SCRAM credentials: the
// broker keeps no password, but can redo the derivation with the stored
// salt and iterations.
func (m *scramMechanism) matches(c scramCredential, password []byte) bool {
	got := m.credentialFromSalted(m.saltPassword(password, c.Salt, c.Iterations), c.Salt, c.Iterations)
	return hmac.Equal(got.StoredKey, c.StoredKey)
}

// The exchange.

// scramState is how far an exchange has got, as the State of Kafka's
// ScramSaslServer. SCRAM is two round trips, and the server speaks only
// in answer, so two waiting states are enough; failed is sticky, so a
// client cannot retry a bad proof on the same connection.
type scramState int

const (
	scramAwaitClientFirst scramState = iota
	scramAwaitClientFinal
	scramDone
	scramFailed
)

// scramServer is the server side of one SCRAM exchange. It keeps each
// message it has seen because AuthMessage, which both proofs sign, is
// built from all three.
type scramServer struct {
	mech  *scramMechanism
	users *credentialStore
	state scramState

	username        string
	gs2Header       string // "n,," or "y,,", with a=authzid if given
	clientFirstBare string
	serverFirst     string
	nonce           string // client nonce + server nonce
	cred            scramCredential

	// serverNonce is made from crypto/rand unless a test sets it.
	serverNonce string
}

// name and user make scramServer a saslMechanism (security.go): the
// mechanism, and the user the principal is made from once step reports
// done.
func (s *scramServer) name() string { return s.mech.name }
func (s *scramServer) user() string { return s.username }

// errCredentials is the failure for a wrong user or password, with
// Kafka's wording, which does not say which of the two was wrong. The
// client gets
// SASL_AUTHENTICATION_FAILED with this message, and the Java client
// raises it as a SaslAuthenticationException, which it does not retry.
func (s *scramServer) errCredentials() error {
	return fmt.Errorf("Authentication failed during authentication due to invalid credentials with SASL mechanism %s", s.mech.name)
}

// step moves the exchange on by one client message. Any error fails the
// exchange for good, as ScramSaslServer.evaluateResponse sets FAILED.
func (s *scramServer) step(msg []byte) ([]byte, bool, error) {
	var reply []byte
	var err error
	switch s.state {
	case scramAwaitClientFirst:
		reply, err = s.clientFirst(string(msg))
		s.state = scramAwaitClientFinal
	case scramAwaitClientFinal:
		reply, err = s.clientFinal(string(msg))
		s.state = scramDone
	default:
		err = errors.New("Authentication failed: SCRAM exchange already complete")
	}
	if err != nil {
		s.state = scramFailed
		return nil, false, err
	}
	return reply, s.state == scramDone, nil
}

// clientFirst reads "gs2-header client-first-bare" and answers the
// server-first message: step 1 of RFC 5802 section 3, the server's half
// of which is to look the user up and send salt, iterations and the
// combined nonce, so that the client can compute SaltedPassword.
func (s *scramServer) clientFirst(msg string) ([]byte, error) {
	// gs2-header = cbind-flag "," [ "a=" authzid ] ","
	flag, rest, ok1 := strings.Cut(msg, ",")
	authzid, bare, ok2 := strings.Cut(rest, ",")
	if !ok1 || !ok2 {
		return nil, errors.New("Authentication failed: Invalid SCRAM client first message")
	}
	// "n": the client does not do channel binding; "y": it could, but
	// thinks the server cannot, which is true here. "p=" asks for a
	// binding, which no Kafka listener offers (RFC 5802 section 6).
	switch {
	case flag == "n" || flag == "y":
	case strings.HasPrefix(flag, "p="):
		return nil, errors.New("Authentication failed: channel binding is not supported")
	default:
		return nil, errors.New("Authentication failed: Invalid SCRAM client first message")
	}
	if authzid != "" && !strings.HasPrefix(authzid, "a=") {
		return nil, errors.New("Authentication failed: Invalid SCRAM client first message")
	}
	// The header is kept to check the client's final c= against it, and
	// the bare message because AuthMessage starts with it.
	s.gs2Header = flag + "," + authzid + ","
	s.clientFirstBare = bare
	// client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
	parts := strings.Split(bare, ",")
	if len(parts) < 2 {
		return nil, errors.New("Authentication failed: Invalid SCRAM client first message")
	}
	attrs, err := scramAttributes(parts[0] + "," + parts[1])
	if err != nil {
		return nil, err
	}
	if attrs[0].key != 'n' || attrs[1].key != 'r' {
		return nil, errors.New("Authentication failed: Invalid SCRAM client first message")
	}
	user, err := scramUnescape(attrs[0].value)
	if err != nil {
		return nil, err
	}
	s.username = user
	clientNonce := attrs[1].value
	if clientNonce == "" {
		return nil, errors.New("Authentication failed: Invalid SCRAM client first message: empty nonce")
	}
	for _, ext := range parts[2:] {
		// Kafka's only extension is tokenauth=true, for delegation
		// tokens, which this broker does not have; others are ignored.
		if strings.HasPrefix(ext, "tokenauth=") {
			return nil, errors.New("Authentication failed: delegation tokens are not supported")
		}
	}
	if authzid != "" {
		az, err := scramUnescape(strings.TrimPrefix(authzid, "a="))
		if err != nil || az != user {
			return nil, errors.New("Authentication failed: Client requested an authorization id that is different from username")
		}
	}
	// An unknown user fails here, before any salt is sent, as in Kafka's
	// ScramSaslServer; the message is the one a wrong password gets.
	cred, ok := s.users.lookup(user, s.mech)
	if !ok {
		return nil, s.errCredentials()
	}
	s.cred = cred
	// The server nonce makes each exchange's AuthMessage unique, so a
	// recorded proof is useless later (RFC 5802 section 9). URL-safe
	// base64 keeps it printable and free of commas, as RFC 5802's
	// nonce syntax requires.
	if s.serverNonce == "" {
		b := make([]byte, scramNonceBytes)
		rand.Read(b)
		s.serverNonce = base64.RawURLEncoding.EncodeToString(b)
	}
	s.nonce = clientNonce + s.serverNonce
	s.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", s.nonce, base64.StdEncoding.EncodeToString(cred.Salt), cred.Iterations)
	return []byte(s.serverFirst), nil
}

// clientFinal reads "c=<gs2 header>,r=<nonce>[,ext],p=<proof>", checks the
// proof and answers "v=<server signature>": the server's part of step 2
// of RFC 5802 section 3, as ScramSaslServer.verifyClientProof does it.
func (s *scramServer) clientFinal(msg string) ([]byte, error) {
	// The proof is the last attribute, and AuthMessage takes the final
	// message without it, so the message is cut there first.
	withoutProof, proofB64, ok := cutLast(msg, ",p=")
	if !ok {
		return nil, errors.New("Authentication failed: Invalid SCRAM client final message")
	}
	attrs, err := scramAttributes(withoutProof)
	if err != nil {
		return nil, err
	}
	if len(attrs) < 2 || attrs[0].key != 'c' || attrs[1].key != 'r' {
		return nil, errors.New("Authentication failed: Invalid SCRAM client final message")
	}
	// c= is the base64 of the gs2 header (biws for "n,,"): a client that
	// changed its mind about binding between messages is refused, which
	// RFC 5802 asks for to stop a downgrade by a man in the middle.
	if attrs[0].value != base64.StdEncoding.EncodeToString([]byte(s.gs2Header)) {
		return nil, errors.New("Authentication failed: Invalid channel binding")
	}
	// Kafka's ScramSaslServer asks only that the nonce end with the one
	// it sent: librdkafka puts its own nonce in front once more
	// (c=biws,r=<client nonce><client nonce><server nonce>), and Kafka
	// accepts it. The server nonce, from crypto/rand, still has to come
	// back, so a replayed exchange still fails.
	if !strings.HasSuffix(attrs[1].value, s.nonce) {
		return nil, errors.New("Authentication failed: Invalid client nonce in the final client message")
	}
	// A proof of the wrong length cannot be right; it is a credentials
	// failure like any other, so its answer says nothing more.
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil || len(proof) != len(s.cred.StoredKey) {
		return nil, s.errCredentials()
	}
	// ClientProof = ClientKey XOR ClientSignature, so XOR with the
	// signature recovers ClientKey, whose hash must be StoredKey.
	authMessage := []byte(s.clientFirstBare + "," + s.serverFirst + "," + withoutProof)
	clientSignature := s.mech.hmac(s.cred.StoredKey, authMessage)
	clientKey := make([]byte, len(proof))
	subtle.XORBytes(clientKey, proof, clientSignature)
	if !hmac.Equal(s.mech.sum(clientKey), s.cred.StoredKey) {
		return nil, s.errCredentials()
	}
	// The server signature proves to the client that this broker holds
	// ServerKey, which a server that merely relayed the messages would
	// not; clients check it and fail the login if it is wrong.
	serverSignature := s.mech.hmac(s.cred.ServerKey, authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSignature)), nil
}

// scramAttribute is one "k=value" of a SCRAM message (RFC 5802 section
// 5.1); keys are single letters, and values are never empty in a valid
// message but are checked where that matters.
type scramAttribute struct {
	key   byte
	value string
}

// scramAttributes splits a SCRAM message into its attributes. Each is a
// single letter, "=", and a value without commas.
func scramAttributes(msg string) ([]scramAttribute, error) {
	var attrs []scramAttribute
	for part := range strings.SplitSeq(msg, ",") {
		if len(part) < 2 || part[1] != '=' {
			return nil, errors.New("Authentication failed: Invalid SCRAM message")
		}
		attrs = append(attrs, scramAttribute{part[0], part[2:]})
	}
	return attrs, nil
}

// scramUnescape decodes a saslname: "=2C" is a comma and "=3D" an equals
// sign; any other "=" is an error (RFC 5802 section 5.1).
func scramUnescape(s string) (string, error) {
	if !strings.Contains(s, "=") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", errors.New("Authentication failed: Invalid username encoding")
		}
		i += 2
	}
	return b.String(), nil
}

// cutLast is strings.Cut at the last occurrence of sep; clientFinal uses
// it because the proof is the last attribute of the final message (RFC
// 5802 section 7).
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// The store.

// credentialStore holds every user's SCRAM credentials and keeps them in
// DataDir/scram-credentials.json. A user exists exactly when it has at
// least one credential, as in Kafka, where SCRAM users are nothing but
// their credentials.
type credentialStore struct {
	path string
	// mu guards users: logins read under it, AlterUserScramCredentials
	// writes under it across the file write, so that no login is
	// checked against credentials that were not saved.
	mu    sync.RWMutex
	users map[string]map[string]scramCredential // user -> mechanism name -> credential
}

// credentialsFile is the store's file name in DataDir.
const credentialsFile = "scram-credentials.json"

// openCredentialStore reads the credentials file; a missing one is an
// empty store, and one that does not parse, strictly (decodeStoredJSON),
// or holds a credential AlterUserScramCredentials could not have made
// (checkStoredCredential), stops the broker rather than start it with no
// users, where no SASL login could succeed, or with one credential
// silently gone: a byte flipped in "stored_key" or in a mechanism's name
// would otherwise parse as a user whose logins all fail.
func openCredentialStore(dataDir string) (*credentialStore, error) {
	s := &credentialStore{path: filepath.Join(dataDir, credentialsFile), users: map[string]map[string]scramCredential{}}
	data, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, storeUnreadable(s.path, "SCRAM credentials", err)
	}
	if err := decodeStoredJSON(data, &s.users); err != nil {
		return nil, storeUnreadable(s.path, "SCRAM credentials", err)
	}
	for user, creds := range s.users {
		for mech, c := range creds {
			if err := checkStoredCredential(mech, c); err != nil {
				return nil, storeUnreadable(s.path, "SCRAM credentials", fmt.Errorf("user %q: %w", user, err))
			}
		}
	}
	return s, nil
}

// checkStoredCredential refuses a credential of the file that neither
// bootstrap nor AlterUserScramCredentials can have made: a mechanism
// this broker does not know, iterations out of Kafka's bounds, no salt,
// or keys that are not the mechanism's hash long.
func checkStoredCredential(mech string, c scramCredential) error {
	m := scramMechanismByName(mech)
	if m == nil {
		return fmt.Errorf("unknown mechanism %q", mech)
	}
	size := m.hash().Size()
	switch {
	case c.Iterations < scramMinIterations || c.Iterations > scramMaxIterations:
		return fmt.Errorf("%s: %d iterations", mech, c.Iterations)
	case len(c.Salt) == 0:
		return fmt.Errorf("%s: no salt", mech)
	case len(c.StoredKey) != size || len(c.ServerKey) != size:
		return fmt.Errorf("%s: keys of %d and %d bytes, want %d", mech, len(c.StoredKey), len(c.ServerKey), size)
	}
	return nil
}

// save writes the store; the caller holds mu. The file is made readable
// by its owner only: StoredKey cannot log anyone in, but with the salt
// it is what an offline guess of the password would be checked against.
func (s *credentialStore) save() error {
	data, err := json.MarshalIndent(s.users, "", "\t")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, append(data, '\n')); err != nil {
		return err
	}
	return os.Chmod(s.path, 0o600)
}

// bootstrap sets a SHA-256 and a SHA-512 credential for each user given
// in Config, so that a broker can be logged into from its first start.
// It plays the part of Kafka's kafka-storage.sh format --add-scram, but
// at every start: a password changed in Config wins over one set through
// the API, and both mechanisms are made so that either works at once.
func (s *credentialStore) bootstrap(users map[string]string) error {
	if len(users) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, password := range users {
		if name == "" {
			return errors.New("kafka: SASL user with an empty name")
		}
		s.users[name] = map[string]scramCredential{
			scramSHA256.name: scramSHA256.newCredential([]byte(password)),
			scramSHA512.name: scramSHA512.newCredential([]byte(password)),
		}
	}
	return s.save()
}

// lookup returns a user's credential for one mechanism. Credentials are
// values, so the copy returned stays valid after mu is released, even if
// the user is altered mid-login.
func (s *credentialStore) lookup(user string, m *scramMechanism) (scramCredential, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.users[user][m.name]
	return c, ok
}

// checkPassword is PLAIN's check: the password matches one of the user's
// SCRAM credentials (they may differ, if one was changed alone).
func (s *credentialStore) checkPassword(user string, password []byte) bool {
	found := false
	for _, m := range []*scramMechanism{&scramSHA256, &scramSHA512} {
		if c, ok := s.lookup(user, m); ok {
			found = true
			if m.matches(c, password) {
				return true
			}
		}
	}
	if !found {
		// Spend the time a real check would, so that a missing user is
		// not told apart from a wrong password by how fast the answer
		// comes.
		scramSHA256.saltPassword(password, make([]byte, scramSaltBytes), scramDefaultIterations)
	}
	return false
}

// DescribeUserScramCredentials: v0 (DescribeUserScramCredentialsRequest.json, DescribeUserScramCredentialsResponse.json)
//
//	v0: flexible from the start (KIP-554)
//
// Lists, per user, the mechanisms and iteration counts; never the salt or
// keys. Null or empty Users means every user (librdkafka sends an empty
// array for "all"). As Kafka's ScramImage.describe: a user named twice
// answers DUPLICATE_RESOURCE, one without credentials RESOURCE_NOT_FOUND.
type describeUserScramCredentialsRequest struct {
	Users []describeUserScramName
}

// describeUserScramName is one user asked about; a struct, not a string,
// because the schema gives each name its own tagged fields.
type describeUserScramName struct {
	Name string
}

func (m *describeUserScramCredentialsRequest) decode(r *reader, v int16) {
	m.Users = readArray(r, func(r *reader) (u describeUserScramName) {
		u.Name = r.String()
		r.SkipTags()
		return u
	})
	r.SkipTags()
}

// describeUserScramCredentialsResponse has a top-level error for the
// request as a whole (CLUSTER_AUTHORIZATION_FAILED, authorize.go) and
// one result per user.
type describeUserScramCredentialsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Results        []describeUserScramResult
}

type describeUserScramResult struct {
	User            string
	ErrorCode       int16
	ErrorMessage    *string
	CredentialInfos []scramCredentialInfo
}

// scramCredentialInfo is what may be shown of a credential: its
// mechanism and iterations, which every login reveals anyway.
type scramCredentialInfo struct {
	Mechanism  int8
	Iterations int32
}

func (m *describeUserScramCredentialsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArrayNonNull(w, m.Results, func(w *writer, r describeUserScramResult) {
		w.String(r.User)
		w.Int16(r.ErrorCode)
		w.NullableString(r.ErrorMessage)
		writeArrayNonNull(w, r.CredentialInfos, func(w *writer, c scramCredentialInfo) {
			w.Int8(c.Mechanism)
			w.Int32(c.Iterations)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

// handleDescribeUserScramCredentials answers every user, sorted by name,
// when none is named, else the named ones in the order first named, as
// kafka-configs.sh --describe --entity-type users expects.
func (b *Broker) handleDescribeUserScramCredentials(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeUserScramCredentialsRequest)
	resp := &describeUserScramCredentialsResponse{Results: []describeUserScramResult{}}
	s := b.sec.users
	s.mu.RLock()
	defer s.mu.RUnlock()
	var names []string
	if len(req.Users) == 0 {
		for name := range s.users {
			names = append(names, name)
		}
		slices.Sort(names)
	}
	seen := map[string]int{}
	for _, u := range req.Users {
		seen[u.Name]++
		if seen[u.Name] == 1 {
			names = append(names, u.Name)
		}
	}
	for _, name := range names {
		res := describeUserScramResult{User: name, CredentialInfos: []scramCredentialInfo{}}
		creds := s.users[name]
		switch {
		case seen[name] > 1:
			res.ErrorCode, res.ErrorMessage = codeDuplicateResource, ptr("Cannot describe SCRAM credentials for the same user twice in a single request: "+name)
		case len(creds) == 0:
			res.ErrorCode, res.ErrorMessage = codeResourceNotFound, ptr("Attempt to describe a user credential that does not exist: "+name)
		default:
			for _, m := range []*scramMechanism{&scramSHA256, &scramSHA512} {
				if c, ok := creds[m.name]; ok {
					res.CredentialInfos = append(res.CredentialInfos, scramCredentialInfo{Mechanism: m.code, Iterations: int32(c.Iterations)})
				}
			}
		}
		resp.Results = append(resp.Results, res)
	}
	return resp
}

// AlterUserScramCredentials: v0 (AlterUserScramCredentialsRequest.json, AlterUserScramCredentialsResponse.json)
//
//	v0: flexible from the start (KIP-554)
//
// The client salts the password itself and sends the salt, the iteration
// count and SaltedPassword; the broker derives and keeps StoredKey and
// ServerKey. One result per user named, in the order first named. The
// checks are those of Kafka's ScramControlManager: a user named in more
// than one alteration, whatever the mechanisms, is DUPLICATE_RESOURCE (so
// a client sets SHA-256 and SHA-512 in two requests); an unknown
// mechanism UNSUPPORTED_SASL_MECHANISM; an empty name, a bad iteration
// count or an empty salt or password UNACCEPTABLE_CREDENTIAL; deleting
// what does not exist RESOURCE_NOT_FOUND. A user with any error has none
// of its changes applied.
type alterUserScramCredentialsRequest struct {
	Deletions  []scramCredentialDeletion
	Upsertions []scramCredentialUpsertion
}

// scramCredentialDeletion removes one mechanism's credential of a user.
type scramCredentialDeletion struct {
	Name      string
	Mechanism int8
}

// scramCredentialUpsertion sets one mechanism's credential of a user
// from the client's Hi(password, salt, iterations).
type scramCredentialUpsertion struct {
	Name           string
	Mechanism      int8
	Iterations     int32
	Salt           []byte
	SaltedPassword []byte
}

func (m *alterUserScramCredentialsRequest) decode(r *reader, v int16) {
	m.Deletions = readArray(r, func(r *reader) (d scramCredentialDeletion) {
		d.Name = r.String()
		d.Mechanism = r.Int8()
		r.SkipTags()
		return d
	})
	m.Upsertions = readArray(r, func(r *reader) (u scramCredentialUpsertion) {
		u.Name = r.String()
		u.Mechanism = r.Int8()
		u.Iterations = r.Int32()
		u.Salt = r.Bytes()
		u.SaltedPassword = r.Bytes()
		r.SkipTags()
		return u
	})
	r.SkipTags()
}

// alterUserScramCredentialsResponse has one result per user, never per
// alteration, which is why a user may be altered once per request.
type alterUserScramCredentialsResponse struct {
	ThrottleTimeMs int32
	Results        []alterUserScramResult
}

type alterUserScramResult struct {
	User         string
	ErrorCode    int16
	ErrorMessage *string
}

func (m *alterUserScramCredentialsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Results, func(w *writer, r alterUserScramResult) {
		w.String(r.User)
		w.Int16(r.ErrorCode)
		w.NullableString(r.ErrorMessage)
		w.Tags()
	})
	w.Tags()
}

// handleAlterUserScramCredentials checks every alteration first, then
// applies those of users without an error, and saves once. A copy of the
// store is taken before, so that a failed save undoes everything.
func (b *Broker) handleAlterUserScramCredentials(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*alterUserScramCredentialsRequest)
	s := b.sec.users
	s.mu.Lock()
	defer s.mu.Unlock()
	order, results := s.checkAlterations(req)
	before := make(map[string]map[string]scramCredential, len(s.users))
	for user, creds := range s.users {
		before[user] = maps.Clone(creds)
	}
	if s.applyAlterations(req, results) {
		if err := s.save(); err != nil {
			// What is not on disk must not be in force either.
			s.users = before
			b.log.Error("saving SCRAM credentials", "err", err)
			for _, res := range results {
				if res.ErrorCode == codeNone {
					res.ErrorCode, res.ErrorMessage = codeUnknownServerError, ptr("could not save the credentials")
				}
			}
		}
	}
	resp := &alterUserScramCredentialsResponse{Results: make([]alterUserScramResult, 0, len(order))}
	for _, user := range order {
		resp.Results = append(resp.Results, *results[user])
	}
	return resp
}

// checkAlterations finds the error of each user an
// AlterUserScramCredentials request names, if any, and the order in which
// they were first named. The caller holds mu.
func (s *credentialStore) checkAlterations(req *alterUserScramCredentialsRequest) ([]string, map[string]*alterUserScramResult) {
	var order []string
	results := map[string]*alterUserScramResult{}
	fail := func(user string, code int16, msg string) {
		if res := results[user]; res.ErrorCode == codeNone {
			res.ErrorCode, res.ErrorMessage = code, ptr(msg)
		}
	}
	// Kafka's ScramControlManager refuses a second alteration of a user in
	// one request, even of another mechanism: one result per user could
	// not tell which of them failed.
	touched := map[string]bool{}
	check := func(user string, mech int8) {
		if _, ok := results[user]; !ok {
			order = append(order, user)
			results[user] = &alterUserScramResult{User: user}
		}
		switch {
		case user == "":
			fail(user, codeUnacceptableCredential, "Username must not be empty")
		case scramMechanismByCode(mech) == nil:
			fail(user, codeUnsupportedSASLMechanism, "Unknown SCRAM mechanism")
		case touched[user]:
			fail(user, codeDuplicateResource, "A user credential cannot be altered twice in the same request")
		}
		touched[user] = true
	}
	for _, d := range req.Deletions {
		check(d.Name, d.Mechanism)
		if m := scramMechanismByCode(d.Mechanism); m != nil {
			if _, ok := s.users[d.Name][m.name]; !ok {
				fail(d.Name, codeResourceNotFound, "Attempt to delete a user credential that does not exist")
			}
		}
	}
	// The iteration bounds are ScramMechanism's, refused in the words of
	// ScramControlManager.validateUpsertion; an empty salt or
	// salted password could only come from a broken client, and would
	// make a credential any proof of the right length could not match.
	for _, u := range req.Upsertions {
		check(u.Name, u.Mechanism)
		switch {
		case u.Iterations < scramMinIterations:
			fail(u.Name, codeUnacceptableCredential, "Too few iterations")
		case u.Iterations > scramMaxIterations:
			fail(u.Name, codeUnacceptableCredential, "Too many iterations")
		case len(u.Salt) == 0:
			fail(u.Name, codeUnacceptableCredential, "Credential salt must not be empty")
		case len(u.SaltedPassword) == 0:
			fail(u.Name, codeUnacceptableCredential, "Credential saltedPassword must not be empty")
		}
	}
	return order, results
}

// applyAlterations makes the changes of the users without an error and
// reports whether anything changed. The caller holds mu.
func (s *credentialStore) applyAlterations(req *alterUserScramCredentialsRequest, results map[string]*alterUserScramResult) bool {
	changed := false
	for _, d := range req.Deletions {
		if results[d.Name].ErrorCode == codeNone {
			delete(s.users[d.Name], scramMechanismByCode(d.Mechanism).name)
			if len(s.users[d.Name]) == 0 {
				delete(s.users, d.Name)
			}
			changed = true
		}
	}
	for _, u := range req.Upsertions {
		if results[u.Name].ErrorCode == codeNone {
			m := scramMechanismByCode(u.Mechanism)
			if s.users[u.Name] == nil {
				s.users[u.Name] = map[string]scramCredential{}
			}
			// The salt is cloned: reader.Bytes returns a slice of the
			// request's frame, which the store must not keep alive.
			s.users[u.Name][m.name] = m.credentialFromSalted(u.SaltedPassword, bytes.Clone(u.Salt), int(u.Iterations))
			changed = true
		}
	}
	return changed
}
