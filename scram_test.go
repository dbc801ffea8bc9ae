package kafka

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rfc7677 is the SCRAM-SHA-256 exchange of RFC 7677 section 3: user
// "user", password "pencil".
var rfc7677 = struct {
	password, salt                               string
	iterations                                   int
	serverNonce                                  string
	clientFirst, serverFirst, clientFinal, final string
}{
	password:    "pencil",
	salt:        "W22ZaJ0SNY7soEsUEjb6gQ==",
	iterations:  4096,
	serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
	clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
	serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
	clientFinal: "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
	final:       "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
}

// rfc7677Server is a SCRAM-SHA-256 server that knows the RFC's user and
// answers with the RFC's server nonce.
func rfc7677Server(t *testing.T) *scramServer {
	t.Helper()
	store, err := openCredentialStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	salt, _ := base64.StdEncoding.DecodeString(rfc7677.salt)
	m := &scramSHA256
	store.users["user"] = map[string]scramCredential{m.name: m.credentialFromSalted(m.saltPassword([]byte(rfc7677.password), salt, rfc7677.iterations), salt, rfc7677.iterations)}
	return &scramServer{mech: m, users: store, serverNonce: rfc7677.serverNonce}
}

func TestSCRAMRFC7677(t *testing.T) {
	s := rfc7677Server(t)
	reply, done, err := s.step([]byte(rfc7677.clientFirst))
	if err != nil || done || string(reply) != rfc7677.serverFirst {
		t.Fatalf("client-first: reply %q, done %v, err %v; want %q", reply, done, err, rfc7677.serverFirst)
	}
	reply, done, err = s.step([]byte(rfc7677.clientFinal))
	if err != nil || !done || string(reply) != rfc7677.final {
		t.Fatalf("client-final: reply %q, done %v, err %v; want %q", reply, done, err, rfc7677.final)
	}
	if s.user() != "user" {
		t.Errorf("user %q", s.user())
	}
}

// TestSCRAMMessages feeds malformed and out-of-order messages to a
// SCRAM-SHA-256 server; each must fail the login with a message and leave
// the exchange failed.
func TestSCRAMMessages(t *testing.T) {
	for _, tc := range []struct {
		name     string
		messages []string
	}{
		{"empty client-first", []string{""}},
		{"no gs2 header", []string{"n=user,r=abc"}},
		{"channel binding asked for", []string{"p=tls-unique,,n=user,r=abc"}},
		{"bad cbind flag", []string{"x,,n=user,r=abc"}},
		{"attributes out of order", []string{"n,,r=abc,n=user"}},
		{"empty nonce", []string{"n,,n=user,r="}},
		{"bad username escape", []string{"n,,n=us=er,r=abc"}},
		{"authzid differs", []string{"n,a=admin,n=user,r=abc"}},
		{"delegation token", []string{"n,,n=user,r=abc,tokenauth=true"}},
		{"unknown user", []string{"n,,n=mallory,r=abc"}},
		{"client-final first", []string{rfc7677.clientFinal}},
		{"final without proof", []string{rfc7677.clientFirst, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"}},
		{"final with other channel binding", []string{rfc7677.clientFirst, strings.Replace(rfc7677.clientFinal, "c=biws", "c=eSws", 1)}},
		{"final with another nonce", []string{rfc7677.clientFirst, strings.Replace(rfc7677.clientFinal, "hNlF$k0", "hNlF$k1", 1)}},
		{"final with a short proof", []string{rfc7677.clientFirst, rfc7677.clientFinal[:strings.Index(rfc7677.clientFinal, "p=")+2] + "AAAA"}},
		{"final with a wrong proof", []string{rfc7677.clientFirst, strings.Replace(rfc7677.clientFinal, "p=dHz", "p=dHy", 1)}},
		{"proof not base64", []string{rfc7677.clientFirst, rfc7677.clientFinal + "!"}},
		{"a third message", []string{rfc7677.clientFirst, rfc7677.clientFinal, rfc7677.clientFinal}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := rfc7677Server(t)
			var err error
			for i, m := range tc.messages {
				_, _, err = s.step([]byte(m))
				if err != nil && i < len(tc.messages)-1 {
					t.Fatalf("message %d failed early: %v", i, err)
				}
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "Authentication failed") {
				t.Errorf("message %q does not say the login failed", err)
			}
			if strings.Contains(err.Error(), rfc7677.password) {
				t.Errorf("message %q holds the password", err)
			}
			if _, _, err := s.step([]byte(rfc7677.clientFinal)); err == nil {
				t.Error("the exchange went on after a failure")
			}
		})
	}
}

// TestSCRAMNonceDoubledByLibrdkafka: librdkafka sends its nonce twice in
// client-final; Kafka accepts that, and so must we.
func TestSCRAMNonceDoubledByLibrdkafka(t *testing.T) {
	s := rfc7677Server(t)
	if _, _, err := s.step([]byte(rfc7677.clientFirst)); err != nil {
		t.Fatal(err)
	}
	// The proof covers the message as sent, so it is recomputed.
	withoutProof := "c=biws,r=rOprNGfwEbeRWgbNEkqO" + "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	salt, _ := base64.StdEncoding.DecodeString(rfc7677.salt)
	m := &scramSHA256
	salted := m.saltPassword([]byte(rfc7677.password), salt, rfc7677.iterations)
	clientKey := m.hmac(salted, []byte("Client Key"))
	sig := m.hmac(m.sum(clientKey), []byte("n=user,r=rOprNGfwEbeRWgbNEkqO,"+rfc7677.serverFirst+","+withoutProof))
	proof := make([]byte, len(sig))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	if _, done, err := s.step([]byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof))); err != nil || !done {
		t.Fatalf("done %v, err %v", done, err)
	}
}

func TestPlainServer(t *testing.T) {
	store, err := openCredentialStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.bootstrap(map[string]string{"alice": "secret"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg, wantErr string
	}{
		{"\x00alice\x00secret", ""},
		{"alice\x00alice\x00secret", ""},
		{"\x00alice\x00wrong", "Invalid username or password"},
		{"\x00bob\x00secret", "Invalid username or password"},
		{"\x00\x00secret", "username not specified"},
		{"\x00alice\x00", "password not specified"},
		{"bob\x00alice\x00secret", "authorization id"},
		{"alice\x00secret", "expected 3 tokens"},
		{"", "expected 3 tokens"},
	} {
		p := &plainServer{users: store}
		_, done, err := p.step([]byte(tc.msg))
		switch {
		case tc.wantErr == "" && (err != nil || !done):
			t.Errorf("%q: done %v, err %v", tc.msg, done, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: err %v, want %q", tc.msg, err, tc.wantErr)
		}
	}
}

// TestScramCredentialAPIs drives AlterUserScramCredentials and
// DescribeUserScramCredentials through their handlers, then checks that
// what reached the disk survives a restart and holds no password.
func TestScramCredentialAPIs(t *testing.T) {
	dir := t.TempDir()
	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	alter := func(req *alterUserScramCredentialsRequest) map[string]int16 {
		resp := b.handleAlterUserScramCredentials(context.Background(), nil, req).(*alterUserScramCredentialsResponse)
		got := map[string]int16{}
		for _, r := range resp.Results {
			got[r.User] = r.ErrorCode
			if r.ErrorCode != codeNone && r.ErrorMessage == nil {
				t.Errorf("%s: code %d without a message", r.User, r.ErrorCode)
			}
		}
		return got
	}
	salt := []byte("0123456789abcdef")
	salted := scramSHA256.saltPassword([]byte("hunter2"), salt, 8192)
	got := alter(&alterUserScramCredentialsRequest{
		Upsertions: []scramCredentialUpsertion{
			{Name: "alice", Mechanism: 1, Iterations: 8192, Salt: salt, SaltedPassword: salted},
			{Name: "few", Mechanism: 1, Iterations: 4095, Salt: salt, SaltedPassword: salted},
			{Name: "many", Mechanism: 2, Iterations: 16385, Salt: salt, SaltedPassword: salted},
			{Name: "", Mechanism: 1, Iterations: 4096, Salt: salt, SaltedPassword: salted},
			{Name: "md5", Mechanism: 9, Iterations: 4096, Salt: salt, SaltedPassword: salted},
			{Name: "twice", Mechanism: 1, Iterations: 4096, Salt: salt, SaltedPassword: salted},
			{Name: "twice", Mechanism: 1, Iterations: 4096, Salt: salt, SaltedPassword: salted},
			{Name: "nosalt", Mechanism: 1, Iterations: 4096, Salt: []byte{}, SaltedPassword: salted},
			// Kafka's ScramControlManager takes one alteration per user
			// and request, whatever the mechanisms.
			{Name: "both", Mechanism: 1, Iterations: 4096, Salt: salt, SaltedPassword: salted},
			{Name: "both", Mechanism: 2, Iterations: 4096, Salt: salt, SaltedPassword: salted},
		},
		Deletions: []scramCredentialDeletion{{Name: "ghost", Mechanism: 1}},
	})
	want := map[string]int16{"alice": 0, "few": codeUnacceptableCredential, "many": codeUnacceptableCredential, "": codeUnacceptableCredential,
		"md5": codeUnsupportedSASLMechanism, "twice": codeDuplicateResource, "nosalt": codeUnacceptableCredential, "ghost": codeResourceNotFound, "both": codeDuplicateResource}
	for user, code := range want {
		if got[user] != code {
			t.Errorf("alter %q: code %d, want %d", user, got[user], code)
		}
	}
	b.logs.Close()

	// After a restart: alice can log in with the password the client
	// salted, and the file holds the salt and keys, not the password.
	b, err = Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.logs.Close()
	if !b.sec.users.checkPassword("alice", []byte("hunter2")) || b.sec.users.checkPassword("alice", []byte("hunter3")) {
		t.Error("alice's credential does not check her password")
	}
	file, _ := os.ReadFile(filepath.Join(dir, credentialsFile))
	if strings.Contains(string(file), "hunter2") || strings.Contains(string(file), base64.StdEncoding.EncodeToString(salted)) {
		t.Error("the credentials file holds the password or the salted password")
	}

	describe := func(users ...string) *describeUserScramCredentialsResponse {
		req := &describeUserScramCredentialsRequest{}
		if users != nil {
			req.Users = []describeUserScramName{}
			for _, u := range users {
				req.Users = append(req.Users, describeUserScramName{u})
			}
		}
		return b.handleDescribeUserScramCredentials(context.Background(), nil, req).(*describeUserScramCredentialsResponse)
	}
	all := describe()
	if len(all.Results) != 1 || all.Results[0].User != "alice" || len(all.Results[0].CredentialInfos) != 1 ||
		all.Results[0].CredentialInfos[0] != (scramCredentialInfo{Mechanism: 1, Iterations: 8192}) {
		t.Errorf("describe all: %+v", all.Results)
	}
	// An empty list is every user too, as Kafka's ScramImage.describe
	// reads it: librdkafka's DescribeUserScramCredentials with no users
	// sends an empty array, never a null one.
	if empty := describe([]string{}...); len(empty.Results) != 1 || empty.Results[0].User != "alice" {
		t.Errorf("describe with an empty list: %+v, want alice", empty.Results)
	}
	some := describe("alice", "bob", "alice")
	if len(some.Results) != 2 || some.Results[0].ErrorCode != codeDuplicateResource || some.Results[1].ErrorCode != codeResourceNotFound {
		t.Errorf("describe alice, bob, alice: %+v", some.Results)
	}

	if got := alter(&alterUserScramCredentialsRequest{Deletions: []scramCredentialDeletion{{Name: "alice", Mechanism: 1}}}); got["alice"] != codeNone {
		t.Errorf("delete alice: code %d", got["alice"])
	}
	if all := describe(); len(all.Results) != 0 {
		t.Errorf("after the delete: %+v", all.Results)
	}
}

// FuzzSASL feeds arbitrary client messages to the PLAIN and SCRAM
// servers: any bytes must fail or succeed without a panic, and a login
// must never succeed without the password.
func FuzzSASL(f *testing.F) {
	f.Add(uint8(0), []byte("\x00user\x00pencil"), []byte{})
	f.Add(uint8(1), []byte(rfc7677.clientFirst), []byte(rfc7677.clientFinal))
	f.Add(uint8(2), []byte("n,,n=user,r=abc"), []byte("c=biws,r=abc,p=AAAA"))
	f.Add(uint8(1), []byte("n,a=user,n=user,r=x,tokenauth=true"), []byte("c=biws,p="))
	store, err := openCredentialStore(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	salt, _ := base64.StdEncoding.DecodeString(rfc7677.salt)
	for _, m := range []*scramMechanism{&scramSHA256, &scramSHA512} {
		if store.users["user"] == nil {
			store.users["user"] = map[string]scramCredential{}
		}
		store.users["user"][m.name] = m.credentialFromSalted(m.saltPassword([]byte(rfc7677.password), salt, rfc7677.iterations), salt, rfc7677.iterations)
	}
	f.Fuzz(func(t *testing.T, which uint8, first, final []byte) {
		var mech saslMechanism
		switch which % 3 {
		case 0:
			mech = &plainServer{users: store}
		case 1:
			mech = &scramServer{mech: &scramSHA256, users: store}
		case 2:
			mech = &scramServer{mech: &scramSHA512, users: store}
		}
		_, done, err := mech.step(first)
		if err == nil && !done {
			_, done, err = mech.step(final)
		}
		if err == nil && done && which%3 == 0 && !strings.HasSuffix(string(first), "\x00"+rfc7677.password) {
			t.Fatalf("PLAIN login %q succeeded without the password", first)
		}
	})
}
