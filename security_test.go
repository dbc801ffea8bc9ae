// Tests of security.go: listeners, TLS with the dev certificate and client
// certificates, and SASL logins over the wire, including the hostile
// cases (requests before the login, absurd frame sizes, exchanges out of
// order, wrong proofs, a stalled TLS handshake).
package kafka

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseListeners(t *testing.T) {
	for _, tc := range []struct {
		spec       string
		controller []string // controller.listener.names
		want       []listener
		wantErr    string
	}{
		{spec: "PLAINTEXT://127.0.0.1:9092", want: []listener{{name: "PLAINTEXT", addr: "127.0.0.1:9092"}}},
		{spec: "PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093", want: []listener{
			{name: "PLAINTEXT", addr: "127.0.0.1:9092"},
			{name: "SASL_SSL", addr: "127.0.0.1:9093", tls: true, sasl: true},
		}},
		{spec: "ssl://:9093, sasl_plaintext://localhost:9094", want: []listener{
			{name: "SSL", addr: ":9093", tls: true},
			{name: "SASL_PLAINTEXT", addr: "localhost:9094", sasl: true},
		}},
		{spec: "127.0.0.1:9092", wantErr: "NAME://host:port"},
		{spec: "PLAINTEXT://127.0.0.1", wantErr: "missing port"},
		{spec: "INTERNAL://127.0.0.1:9092", wantErr: "name must be"},
		{spec: "PLAINTEXT://:1,PLAINTEXT://:2", wantErr: "twice"},
		// Kafka 4's combined-mode server.properties: the controller's
		// listener is left out, whatever its name.
		{spec: "PLAINTEXT://:9092,CONTROLLER://:9093", controller: []string{"CONTROLLER"}, want: []listener{{name: "PLAINTEXT", addr: ":9092"}}},
		{spec: "CONTROLLER://:9093,SSL://:9094", controller: []string{"controller"}, want: []listener{{name: "SSL", addr: ":9094", tls: true}}},
		{spec: "PLAINTEXT://:9092,CONTROLLER://:9093", wantErr: "controller.listener.names"},
		{spec: "PLAINTEXT://:9092,CONTROLLER://:9092", controller: []string{"CONTROLLER"}, want: []listener{{name: "PLAINTEXT", addr: ":9092"}}},
		{spec: "CONTROLLER://:9093", controller: []string{"CONTROLLER"}, wantErr: "which this broker does not open"},
		{spec: "PLAINTEXT://:1,CONTROLLER://:2,CONTROLLER://:3", controller: []string{"CONTROLLER"}, wantErr: "twice"},
	} {
		got, err := parseListeners(tc.spec, tc.controller)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.spec, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q: %d listeners, want %d", tc.spec, len(got), len(tc.want))
			continue
		}
		for i := range got {
			if *got[i] != tc.want[i] {
				t.Errorf("%q: listener %d is %+v, want %+v", tc.spec, i, *got[i], tc.want[i])
			}
		}
	}
}

// secureBroker is a broker serving several listeners on port 0.
type secureBroker struct {
	*Broker
	addrs map[string]string // listener name -> address
}

// startSecureBroker runs a broker whose Config.Listeners are all on
// 127.0.0.1 port 0.
func startSecureBroker(t *testing.T, cfg Config) *secureBroker {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lns, err := b.Listen()
	if err != nil {
		t.Fatal(err)
	}
	sb := &secureBroker{Broker: b, addrs: map[string]string{}}
	for i, name := range b.ListenerNames() {
		sb.addrs[name] = lns[i].Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, lns...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return sb
}

// dialTLS connects to a TLS listener, trusting the broker's dev CA.
func (sb *secureBroker) dialTLS(t *testing.T, name string, certs ...tls.Certificate) *testClient {
	t.Helper()
	pool := x509.NewCertPool()
	caPEM, err := os.ReadFile(sb.DevCAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool.AppendCertsFromPEM(caPEM)
	c, err := tls.Dial("tcp", sb.addrs[name], &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: certs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testClient{t: t, conn: c, r: bufio.NewReader(c)}
}

// saslHandshake sends SaslHandshake at version v and returns its error
// code and the mechanisms offered.
func (c *testClient) saslHandshake(v int16, mech string) (int16, []string) {
	c.t.Helper()
	r := c.roundTrip(saslHandshakeKey, v, false, func(w *writer) { w.String(mech) })
	code, mechs := r.Int16(), r.Strings()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, mechs
}

// saslAuthenticate sends one SaslAuthenticate v2; err is the connection's
// fate when the broker closes it instead of answering.
func (c *testClient) saslAuthenticate(token []byte) (code int16, msg *string, reply []byte, err error) {
	c.t.Helper()
	c.send(saslAuthenticateKey, 2, true, func(w *writer) {
		w.Bytes(token)
		w.Tags()
	})
	r, err := c.recv(true)
	if err != nil {
		return 0, nil, nil, err
	}
	code, msg, reply = r.Int16(), r.NullableString(), r.Bytes()
	r.Int64() // SessionLifetimeMs
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, msg, reply, nil
}

// plainLogin logs in with SASL/PLAIN over SaslHandshake v1.
func (c *testClient) plainLogin(user, password string) (int16, *string) {
	c.t.Helper()
	if code, _ := c.saslHandshake(1, mechPlain); code != codeNone {
		c.t.Fatalf("SaslHandshake PLAIN: code %d", code)
	}
	code, msg, _, err := c.saslAuthenticate([]byte("\x00" + user + "\x00" + password))
	if err != nil {
		c.t.Fatal(err)
	}
	return code, msg
}

// scramClient is the client side of SCRAM, for the tests: just enough
// RFC 5802 to log in, and to send a wrong proof on purpose.
type scramClient struct {
	mech        *scramMechanism
	user, pass  string
	nonce       string
	clientFirst string
	serverSig   []byte
}

func (s *scramClient) first() []byte {
	s.nonce = "fyko+d2lbbFgONRv9qkxdawL"
	s.clientFirst = "n=" + s.user + ",r=" + s.nonce
	return []byte("n,," + s.clientFirst)
}

func (s *scramClient) final(serverFirst []byte) ([]byte, error) {
	attrs, err := scramAttributes(string(serverFirst))
	if err != nil || len(attrs) != 3 {
		return nil, errors.New("bad server-first")
	}
	salt, _ := base64.StdEncoding.DecodeString(attrs[1].value)
	var iterations int
	for _, ch := range attrs[2].value {
		iterations = iterations*10 + int(ch-'0')
	}
	salted := s.mech.saltPassword([]byte(s.pass), salt, iterations)
	withoutProof := "c=biws,r=" + attrs[0].value
	authMessage := []byte(s.clientFirst + "," + string(serverFirst) + "," + withoutProof)
	clientKey := s.mech.hmac(salted, []byte("Client Key"))
	sig := s.mech.hmac(s.mech.sum(clientKey), authMessage)
	proof := make([]byte, len(sig))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	s.serverSig = s.mech.hmac(s.mech.hmac(salted, []byte("Server Key")), authMessage)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// scramLogin logs in with SCRAM and returns the final error code and
// message; it checks the server's signature on success.
func (c *testClient) scramLogin(mech *scramMechanism, user, password string) (int16, *string) {
	c.t.Helper()
	if code, _ := c.saslHandshake(1, mech.name); code != codeNone {
		c.t.Fatalf("SaslHandshake %s: code %d", mech.name, code)
	}
	sc := &scramClient{mech: mech, user: user, pass: password}
	code, msg, serverFirst, err := c.saslAuthenticate(sc.first())
	if err != nil {
		c.t.Fatal(err)
	}
	if code != codeNone {
		return code, msg
	}
	clientFinal, err := sc.final(serverFirst)
	if err != nil {
		c.t.Fatal(err)
	}
	code, msg, serverFinal, err := c.saslAuthenticate(clientFinal)
	if err != nil {
		c.t.Fatal(err)
	}
	if code == codeNone && string(serverFinal) != "v="+base64.StdEncoding.EncodeToString(sc.serverSig) {
		c.t.Fatalf("server-final %q does not prove the server knows the key", serverFinal)
	}
	return code, msg
}

// expectClosed checks that the broker closes the connection instead of
// answering what was sent.
func (c *testClient) expectClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.r.ReadByte(); !errors.Is(err, io.EOF) && !isReset(err) {
		c.t.Fatalf("connection not closed: read returned %v", err)
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && strings.Contains(err.Error(), "reset")
}

// metadataV1 sends an all-topics Metadata v1 request and returns the
// advertised port and the topic names.
func (c *testClient) metadataV1() (int32, []string) {
	c.t.Helper()
	r := c.roundTrip(3, 1, false, func(w *writer) { w.ArrayLen(-1) })
	var port int32
	readArray(r, func(r *reader) int32 {
		r.Int32()
		_ = r.String()
		port = r.Int32()
		r.NullableString()
		return 0
	})
	r.Int32() // controller
	var names []string
	readArray(r, func(r *reader) int32 {
		code := r.Int16()
		name := r.String()
		r.Bool()
		readArray(r, func(r *reader) int32 {
			r.Int16()
			r.Int32()
			r.Int32()
			r.Int32s()
			r.Int32s()
			return 0
		})
		if code == codeNone {
			names = append(names, name)
		}
		return 0
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return port, names
}

var saslUsers = map[string]string{"alice": "alice-secret", "admin": "admin-secret"}

// TestSASLLogins logs in over plain TCP and TLS with each mechanism, with
// the right password and a wrong one.
func TestSASLLogins(t *testing.T) {
	logs := &lockedBuffer{}
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers},
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Trace:     logs, // the -trace lines must not show a password either
	})
	for _, listener := range []string{protocolSASLPlaintext, protocolSASLSSL} {
		for _, mech := range []string{mechPlain, mechSCRAMSHA256, mechSCRAMSHA512} {
			for _, password := range []string{"alice-secret", "bad-password-123"} {
				t.Run(listener+"/"+mech+"/"+password, func(t *testing.T) {
					var c *testClient
					if listener == protocolSASLSSL {
						c = sb.dialTLS(t, listener)
					} else {
						c = dial(t, sb.addrs[listener])
					}
					var code int16
					var msg *string
					switch mech {
					case mechPlain:
						code, msg = c.plainLogin("alice", password)
					case mechSCRAMSHA256:
						code, msg = c.scramLogin(&scramSHA256, "alice", password)
					case mechSCRAMSHA512:
						code, msg = c.scramLogin(&scramSHA512, "alice", password)
					}
					if password != "alice-secret" {
						if code != codeSASLAuthenticationFailed || msg == nil || *msg == "" {
							t.Fatalf("wrong password: code %d, message %v", code, msg)
						}
						c.expectClosed()
						return
					}
					if code != codeNone {
						t.Fatalf("login: code %d, %s", code, deref(msg))
					}
					// Logged in: Metadata is served, and advertises the
					// listener the client came in on.
					port, _ := c.metadataV1()
					if want := sb.addrs[listener]; !strings.HasSuffix(want, ":"+strconv.Itoa(int(port))) {
						t.Errorf("Metadata advertises port %d, want %s", port, want)
					}
				})
			}
		}
	}
	if n := sb.sec.failedLogins.Load(); n != 6 {
		t.Errorf("%d failed logins counted, want 6", n)
	}
	// Failures are logged, with the user but without any password.
	text := logs.String()
	if !strings.Contains(text, "failed authentication") || !strings.Contains(text, "user=alice") || !strings.Contains(text, "-> SaslAuthenticate") {
		t.Errorf("failures not logged:\n%s", text)
	}
	for _, secret := range []string{"alice-secret", "bad-password-123"} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds the password %q:\n%s", secret, text)
		}
	}
}

// lockedBuffer is a log destination safe for the broker's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSASLHostileInput is the list of things a client that has not logged
// in may try, and what each gets.
func TestSASLHostileInput(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers},
	})
	addr := sb.addrs[protocolSASLPlaintext]
	rawFrame := func(c *testClient, size uint32, body []byte) {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], size)
		if _, err := c.conn.Write(append(b[:], body...)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, c *testClient)
	}{
		{"metadata before the login closes", func(t *testing.T, c *testClient) {
			c.send(3, 1, false, func(w *writer) { w.ArrayLen(-1) })
			c.expectClosed()
		}},
		{"ApiVersions before the login is served", func(t *testing.T, c *testClient) {
			c.send(apiVersionsKey, 3, true, func(w *writer) { w.String("t"); w.String("1"); w.Tags() })
			r, err := c.recv(false) // ApiVersions answers with header v0
			if err != nil {
				t.Fatal(err)
			}
			if code := r.Int16(); code != codeNone {
				t.Fatalf("ApiVersions: code %d", code)
			}
		}},
		{"a 1 GiB frame before the login closes", func(t *testing.T, c *testClient) {
			rawFrame(c, 1<<30, []byte{0, 17, 0, 1})
			c.expectClosed()
		}},
		{"a 600 KiB frame before the login closes", func(t *testing.T, c *testClient) {
			rawFrame(c, 600<<10, nil)
			c.expectClosed()
		}},
		{"an unknown mechanism is refused, then closed", func(t *testing.T, c *testClient) {
			code, mechs := c.saslHandshake(1, "GSSAPI")
			if code != codeUnsupportedSASLMechanism || strings.Join(mechs, ",") != "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" {
				t.Fatalf("code %d, mechanisms %v", code, mechs)
			}
			c.expectClosed()
		}},
		{"SaslAuthenticate before SaslHandshake closes", func(t *testing.T, c *testClient) {
			if code, _, _, err := c.saslAuthenticate([]byte("\x00alice\x00alice-secret")); err == nil {
				t.Fatalf("answered with code %d, want the connection closed", code)
			}
		}},
		{"a second handshake", func(t *testing.T, c *testClient) {
			c.saslHandshake(1, mechPlain)
			if code, _ := c.saslHandshake(1, mechPlain); code != codeIllegalSASLState {
				t.Fatalf("code %d", code)
			}
			c.expectClosed()
		}},
		{"SCRAM client-final first", func(t *testing.T, c *testClient) {
			c.saslHandshake(1, mechSCRAMSHA256)
			code, msg, _, err := c.saslAuthenticate([]byte("c=biws,r=abc,p=AAAA"))
			if err != nil || code != codeSASLAuthenticationFailed || msg == nil {
				t.Fatalf("code %d, msg %v, err %v", code, msg, err)
			}
			c.expectClosed()
		}},
		{"SCRAM wrong proof", func(t *testing.T, c *testClient) {
			c.saslHandshake(1, mechSCRAMSHA512)
			sc := &scramClient{mech: &scramSHA512, user: "alice", pass: "alice-secret"}
			_, _, serverFirst, _ := c.saslAuthenticate(sc.first())
			final, _ := sc.final(serverFirst)
			final[len(final)-5] ^= 1 // flip a bit of the proof
			code, msg, _, err := c.saslAuthenticate(final)
			if err != nil || code != codeSASLAuthenticationFailed || !strings.Contains(deref(msg), "invalid credentials") {
				t.Fatalf("code %d, msg %v, err %v", code, deref(msg), err)
			}
			c.expectClosed()
		}},
		{"SCRAM unknown user", func(t *testing.T, c *testClient) {
			code, msg := c.scramLogin(&scramSHA256, "mallory", "x")
			if code != codeSASLAuthenticationFailed || msg == nil {
				t.Fatalf("code %d", code)
			}
		}},
		{"SCRAM nonce changed", func(t *testing.T, c *testClient) {
			c.saslHandshake(1, mechSCRAMSHA256)
			sc := &scramClient{mech: &scramSHA256, user: "alice", pass: "alice-secret"}
			_, _, serverFirst, _ := c.saslAuthenticate(sc.first())
			final, _ := sc.final([]byte(strings.Replace(string(serverFirst), "r=", "r=x", 1)))
			if code, _, _, _ := c.saslAuthenticate(final); code != codeSASLAuthenticationFailed {
				t.Fatalf("code %d", code)
			}
		}},
		{"PLAIN with another authorization id", func(t *testing.T, c *testClient) {
			c.saslHandshake(1, mechPlain)
			code, msg, _, _ := c.saslAuthenticate([]byte("admin\x00alice\x00alice-secret"))
			if code != codeSASLAuthenticationFailed || !strings.Contains(deref(msg), "authorization id") {
				t.Fatalf("code %d, %s", code, deref(msg))
			}
		}},
		{"SaslHandshake v0 then bare PLAIN", func(t *testing.T, c *testClient) {
			c.saslHandshake(0, mechPlain)
			rawFrame(c, uint32(len("\x00alice\x00alice-secret")), []byte("\x00alice\x00alice-secret"))
			var size [4]byte
			if _, err := io.ReadFull(c.r, size[:]); err != nil || binary.BigEndian.Uint32(size[:]) != 0 {
				t.Fatalf("bare PLAIN answer %x, %v; want an empty token", size, err)
			}
			c.metadataV1() // served: the login succeeded
		}},
		{"SaslHandshake v0 then a wrong bare password closes", func(t *testing.T, c *testClient) {
			c.saslHandshake(0, mechPlain)
			rawFrame(c, uint32(len("\x00alice\x00nope")), []byte("\x00alice\x00nope"))
			c.expectClosed()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, dial(t, addr)) })
	}

	// On a listener without SASL the SASL APIs answer ILLEGAL_SASL_STATE
	// and the rest is served.
	c := dial(t, sb.addrs[protocolPlaintext])
	if code, _ := c.saslHandshake(1, mechPlain); code != codeIllegalSASLState {
		t.Errorf("SaslHandshake on PLAINTEXT: code %d", code)
	}
	c.metadataV1()
}

// TestTLSHandshakeTimeout: a client that connects to a TLS listener and
// says nothing is cut off.
func TestTLSHandshakeTimeout(t *testing.T) {
	// Restored in a cleanup registered before the broker's, so that it
	// runs after the broker has stopped reading it.
	saved := tlsHandshakeTimeout
	t.Cleanup(func() { tlsHandshakeTimeout = saved })
	tlsHandshakeTimeout = 200 * time.Millisecond
	sb := startSecureBroker(t, Config{Listeners: "SSL://127.0.0.1:0"})
	c := dial(t, sb.addrs[protocolSSL])
	start := time.Now()
	c.expectClosed()
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("closed after %v", waited)
	}
}

// TestDevCertificate: the dev certificate verifies for localhost and
// 127.0.0.1 against the CA the broker names, and is kept across starts.
func TestDevCertificate(t *testing.T) {
	dir := t.TempDir()
	sb := startSecureBroker(t, Config{DataDir: dir, Listeners: "SSL://127.0.0.1:0"})
	if sb.DevCAFile() != filepath.Join(dir, devTLSDir, devCAFile) {
		t.Fatalf("DevCAFile %q", sb.DevCAFile())
	}
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(sb.DevCAFile())
	pool.AppendCertsFromPEM(caPEM)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		c, err := tls.Dial("tcp", sb.addrs[protocolSSL], &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.Close()
	}
	before, _ := os.ReadFile(filepath.Join(dir, devTLSDir, devCertFile))
	if _, _, _, err := devCertificate(filepath.Join(dir, devTLSDir)); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, devTLSDir, devCertFile))
	if string(before) != string(after) {
		t.Error("the dev certificate changed on a second start")
	}
	if fi, err := os.Stat(filepath.Join(dir, devTLSDir, devKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v", fi.Mode(), err)
	}
}

// TestClientCertificatePrincipal: with ssl.client.auth=required a client
// without a certificate cannot connect, and one with a certificate is the
// principal its subject names.
func TestClientCertificatePrincipal(t *testing.T) {
	dir := t.TempDir()
	// The dev CA signs the client certificate too, so that the broker,
	// which trusts it by default, accepts it.
	tlsDir := filepath.Join(dir, devTLSDir)
	if _, _, _, err := devCertificate(tlsDir); err != nil {
		t.Fatal(err)
	}
	clientCert := signClientCert(t, tlsDir, pkix.Name{CommonName: "alice", Organization: []string{"Dev"}})
	sb := startSecureBroker(t, Config{DataDir: dir, Listeners: "SSL://127.0.0.1:0", Security: SecurityConfig{
		TLSClientAuth: "required",
		Authorizer:    true,
		SuperUsers:    []string{"User:CN=alice,O=Dev"},
	}})
	c := sb.dialTLS(t, protocolSSL, clientCert)
	c.metadataV1()
	// DescribeAcls needs DESCRIBE on the cluster, which no ACL grants.
	r := c.roundTrip(describeAclsKey, 1, false, func(w *writer) {
		w.Int8(resAny)
		w.NullableString(nil)
		w.Int8(patternAny)
		w.NullableString(nil)
		w.NullableString(nil)
		w.Int8(aclAny)
		w.Int8(permissionAny)
	})
	r.Int32()
	if code := r.Int16(); code != codeNone {
		t.Errorf("DescribeAcls as the super user CN=alice,O=Dev: code %d", code)
	}

	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(sb.DevCAFile())
	pool.AppendCertsFromPEM(caPEM)
	nc, err := tls.Dial("tcp", sb.addrs[protocolSSL], &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err == nil {
		// TLS 1.3 reports the refusal on the first read.
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = nc.Read(make([]byte, 1))
		nc.Close()
	}
	if err == nil {
		t.Fatal("a client without a certificate got through")
	}
}

// signClientCert makes a client certificate signed by the dev CA in dir.
func signClientCert(t *testing.T, dir string, subject pkix.Name) tls.Certificate {
	t.Helper()
	// The dev CA's key is not kept (only the broker's is), so the test
	// makes a CA of its own for clients and adds it to the dev CA file,
	// which the broker trusts for client certificates by default.
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	serverCA, _ := os.ReadFile(filepath.Join(dir, devCAFile))
	both := append(serverCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	if err := os.WriteFile(filepath.Join(dir, devCAFile), both, 0o644); err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: subject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestSASLPrincipalIsAuthorized: the principal a login gives is the one
// the authorizer checks, end to end over the wire.
func TestSASLPrincipalIsAuthorized(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers, Authorizer: true, SuperUsers: []string{"User:admin"}},
	})
	alice := dial(t, sb.addrs[protocolSASLPlaintext])
	if code, msg := alice.scramLogin(&scramSHA256, "alice", "alice-secret"); code != codeNone {
		t.Fatalf("alice: %d %s", code, deref(msg))
	}
	if code, _ := alice.createTopicWithConfigs("alices", 1, nil); code != codeTopicAuthorizationFailed {
		t.Fatalf("CreateTopics before the ACL: code %d", code)
	}
	admin := dial(t, sb.addrs[protocolSASLPlaintext])
	if code, msg := admin.plainLogin("admin", "admin-secret"); code != codeNone {
		t.Fatalf("admin: %d %s", code, deref(msg))
	}
	r := admin.roundTrip(createAclsKey, 3, true, func(w *writer) {
		w.ArrayLen(1)
		w.Int8(resTopic)
		w.String("alice")
		w.Int8(patternPrefixed)
		w.String("User:alice")
		w.String("*")
		w.Int8(aclCreate)
		w.Int8(permissionAllow)
		w.Tags()
		w.Tags()
	})
	r.Int32()
	r.ArrayLen()
	if code := r.Int16(); code != codeNone {
		t.Fatalf("CreateAcls as admin: code %d", code)
	}
	if code, _ := alice.createTopicWithConfigs("alices", 1, nil); code != codeNone {
		t.Fatalf("CreateTopics after the ACL: code %d", code)
	}
}

// A broker with a plain listener and a SASL_SSL one, as in the README's
// "Testing your app's security settings locally": Listen opens the
// sockets of Config.Listeners, Serve serves them all, and DevCAFile is
// the CA clients trust.
func ExampleBroker_Listen() {
	dir, err := os.MkdirTemp("", "kafka-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	b, err := Open(Config{
		DataDir:   dir,
		Listeners: "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: map[string]string{"alice": "alice-secret"}},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		panic(err)
	}
	lns, err := b.Listen()
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Serve(ctx, lns...) }()
	fmt.Println(b.ListenerNames(), filepath.Base(b.DevCAFile()))
	cancel()
	fmt.Println(<-done)
	// Output:
	// [PLAINTEXT SASL_SSL] ca.pem
	// <nil>
}

// TestSecuritySettings: the security keys of server.properties set
// Config as their flags do.
func TestSecuritySettings(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{
		{"listeners", "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0"},
		{"authorizer.class.name", standardAuthorizer},
		{"super.users", "User:admin; User:ops"},
		{"allow.everyone.if.no.acl.found", "true"},
		{"ssl.client.auth", "requested"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	want := SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin", "User:ops"}, AllowEveryoneIfNoACLFound: true, TLSClientAuth: "requested"}
	if c.Listeners != "PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0" || !slices.Equal(c.Security.SuperUsers, want.SuperUsers) ||
		c.Security.Authorizer != want.Authorizer || c.Security.AllowEveryoneIfNoACLFound != want.AllowEveryoneIfNoACLFound || c.Security.TLSClientAuth != want.TLSClientAuth {
		t.Errorf("Config after Set: listeners %q, security %+v", c.Listeners, c.Security)
	}
	for _, kv := range [][2]string{
		{"authorizer.class.name", "com.example.MyAuthorizer"},
		{"ssl.client.auth", "sometimes"},
		{"listeners", "PLAINTEXT://no-port"},
		{"advertised.listeners", "PLAINTEXT://h"},
		// A name that is no protocol may yet be named by
		// controller.listener.names: Open refuses it
		// (TestKafka4CombinedModeFileLoads).
	} {
		if err := c.Set(kv[0], kv[1]); err == nil {
			t.Errorf("Set(%s, %s) accepted", kv[0], kv[1])
		}
	}
}

// TestUserQuotaFollowsLogin: a client quota on a user applies to the
// connections that logged in as that user, and not to anonymous ones.
func TestUserQuotaFollowsLogin(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners:       "SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
		Security:        SecurityConfig{SASLUsers: saslUsers},
		QuotaWindowNum:  2,
		QuotaWindowSize: 200 * time.Millisecond,
	})
	if r := alterQuota(t, sb.Broker, entity("user", "alice"), quotaOp{Key: producerByteRate, Value: 2000}); r.ErrorCode != codeNone {
		t.Fatal(deref(r.ErrorMessage))
	}
	batch := makeBatch(testRecord{1, strings.Repeat("x", 2000)})
	anon := dial(t, sb.addrs[protocolPlaintext])
	anon.createTopic("q", 1)
	if _, throttle := anon.produceThrottle("q", batch); throttle != 0 {
		t.Errorf("ANONYMOUS throttled %dms by alice's quota", throttle)
	}
	alice := dial(t, sb.addrs[protocolSASLPlaintext])
	if code, msg := alice.plainLogin("alice", "alice-secret"); code != codeNone {
		t.Fatalf("login: %d %s", code, deref(msg))
	}
	if code, throttle := alice.produceThrottle("q", batch); code != codeNone || throttle == 0 {
		t.Errorf("alice: code %d, throttle %dms; want her quota to throttle her", code, throttle)
	}
}
