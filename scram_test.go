package kafka

import (
	"encoding/base64"
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
