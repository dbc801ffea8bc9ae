// Mutual TLS with real clients: a broker whose SSL listener requires a
// client certificate (ssl.client.auth=required) and whose authorizer
// knows a principal only by its certificate's subject, as Kafka's
// DefaultKafkaPrincipalBuilder names it. librdkafka (kcat) and franz-go
// each connect with an allowed certificate, with a certificate whose
// subject no ACL allows, and with none, so that a failure reads as "this
// client cannot present a certificate" or "the subject maps to the wrong
// principal".
package interop

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"kafka"
)

// mtlsPKI is a client CA and two client certificates it signed, as PEM
// files for librdkafka and as tls.Certificates for Go.
type mtlsPKI struct {
	caFile                    string
	allowed, stranger         tls.Certificate
	allowedCert, allowedKey   string
	strangerCert, strangerKey string
}

// The allowed client's subject, as the broker prints it: RFC 2253 order,
// most specific first, which is what super.users must name.
const mtlsPrincipal = "User:CN=mtls-client,O=Interop"

func newMTLSPKI(t *testing.T, dir string) mtlsPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "interop client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := mtlsPKI{caFile: filepath.Join(dir, "client-ca.pem")}
	writePEM(t, p.caFile, "CERTIFICATE", caDER)

	sign := func(name string, subject pkix.Name, serial int64) (tls.Certificate, string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: subject,
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "PRIVATE KEY", keyDER)
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certFile, keyFile
	}
	p.allowed, p.allowedCert, p.allowedKey = sign("allowed", pkix.Name{CommonName: "mtls-client", Organization: []string{"Interop"}}, 2)
	p.stranger, p.strangerCert, p.strangerKey = sign("stranger", pkix.Name{CommonName: "stranger"}, 3)
	return p
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startMTLSBroker serves one SSL listener that requires a certificate
// from the PKI's CA, with the authorizer on and only the allowed
// subject as a super user. It returns the address and the dev CA that
// signed the broker's own certificate, which clients must trust.
func startMTLSBroker(t *testing.T, p mtlsPKI) (addr, serverCA string) {
	t.Helper()
	b, err := kafka.Open(kafka.Config{
		DataDir:   t.TempDir(),
		Logger:    startLogger(t),
		Listeners: "SSL://127.0.0.1:0",
		Security: kafka.SecurityConfig{
			TLSClientAuth:   "required",
			TLSClientCAFile: p.caFile,
			Authorizer:      true,
			SuperUsers:      []string{mtlsPrincipal},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lns, err := b.Listen()
	if err != nil {
		t.Fatal(err)
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
	return lns[0].Addr().String(), b.DevCAFile()
}

func TestMTLSKcat(t *testing.T) {
	path := requireTool(t, "kcat")
	p := newMTLSPKI(t, t.TempDir())
	addr, serverCA := startMTLSBroker(t, p)
	run := func(t *testing.T, stdin string, extra []string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		all := append([]string{"-b", addr, "-X", "security.protocol=SSL", "-X", "ssl.ca.location=" + serverCA}, extra...)
		cmd := exec.CommandContext(ctx, path, append(all, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	allowed := []string{"-X", "ssl.certificate.location=" + p.allowedCert, "-X", "ssl.key.location=" + p.allowedKey}
	stranger := []string{"-X", "ssl.certificate.location=" + p.strangerCert, "-X", "ssl.key.location=" + p.strangerKey}

	t.Run("allowed", func(t *testing.T) {
		if out, err := run(t, "over mutual tls\n", allowed, "-P", "-t", "mtls-kcat"); err != nil {
			t.Fatalf("produce with the allowed certificate: %v\n%s", err, out)
		}
		out, err := run(t, "", allowed, "-C", "-t", "mtls-kcat", "-e", "-q")
		if err != nil || strings.TrimSpace(out) != "over mutual tls" {
			t.Fatalf("consume with the allowed certificate: %q, %v", out, err)
		}
	})
	t.Run("stranger", func(t *testing.T) {
		// The handshake succeeds (the CA signed it), so the refusal is
		// the authorizer's: the subject is a principal no ACL allows.
		out, err := run(t, "", stranger, "-C", "-t", "mtls-kcat", "-e", "-q", "-m", "10")
		if err == nil || !strings.Contains(strings.ToLower(out), "authoriz") {
			t.Fatalf("consume as CN=stranger: want a topic authorization error, got %v\n%s", err, out)
		}
	})
	t.Run("no certificate", func(t *testing.T) {
		out, err := run(t, "", nil, "-L", "-m", "2")
		if err == nil {
			t.Fatalf("metadata without a certificate succeeded:\n%s", out)
		}
	})
}

func TestMTLSFranz(t *testing.T) {
	p := newMTLSPKI(t, t.TempDir())
	addr, serverCA := startMTLSBroker(t, p)
	caPEM, err := os.ReadFile(serverCA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	client := func(t *testing.T, certs ...tls.Certificate) *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
			kgo.DialTLSConfig(&tls.Config{RootCAs: roots, Certificates: certs}),
			kgo.DefaultProduceTopic("mtls-franz"), kgo.ConsumeTopics("mtls-franz"),
			kgo.AllowAutoTopicCreation(), kgo.RetryTimeout(3*time.Second), kgo.RecordRetries(2))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return cl
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("allowed", func(t *testing.T) {
		cl := client(t, p.allowed)
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("franz over mtls")}).FirstErr(); err != nil {
			t.Fatalf("produce with the allowed certificate: %v", err)
		}
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("consume: %v", err)
		}
		if recs := fs.Records(); len(recs) != 1 || string(recs[0].Value) != "franz over mtls" {
			t.Fatalf("consumed %d records, want the one produced", len(recs))
		}
	})
	t.Run("stranger", func(t *testing.T) {
		err := client(t, p.stranger).ProduceSync(ctx, &kgo.Record{Value: []byte("no")}).FirstErr()
		if !errors.Is(err, kerr.TopicAuthorizationFailed) {
			t.Fatalf("produce as CN=stranger: %v, want TOPIC_AUTHORIZATION_FAILED", err)
		}
	})
	t.Run("no certificate", func(t *testing.T) {
		sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
		defer scancel()
		if err := client(t).Ping(sctx); err == nil {
			t.Fatal("a client without a certificate reached the broker")
		}
	})
}
