// Logins with every client: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, over
// SASL_PLAINTEXT and SASL_SSL (trusting the broker's dev certificate), and
// a wrong password for each mechanism. Each client gets a broker of its
// own and the same table of cases, so that a failure reads as
// "this client, this listener, this mechanism".
package interop

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	xdgscram "github.com/xdg-go/scram"

	"kafka"
)

// secureCase is one login to try. Scripts get the table as JSON.
type secureCase struct {
	Name      string `json:"name"`
	Bootstrap string `json:"bootstrap"`
	Protocol  string `json:"protocol"`
	Mechanism string `json:"mechanism"`
	Username  string `json:"username"`
	Password  string `json:"password"`
	CA        string `json:"ca"`
	Topic     string `json:"topic"`
	Wrong     bool   `json:"wrong"` // the password is wrong: the login must fail
}

// secureResult is what a script reports for a case.
type secureResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// secureBroker starts a broker for this test with a SASL_PLAINTEXT and a
// SASL_SSL listener and the user alice, and stops it when the test ends.
// Each test gets a broker of its own, as the cases' topics are named by
// client and each case expects to read back only what it produced: a
// broker shared across the test binary made every test fail on its
// second run (go test -count=2).
func secureBroker(t *testing.T) (addrs map[string]string, caFile string) {
	t.Helper()
	addrs, b := startListenersBroker(t, kafka.Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
		Security:  kafka.SecurityConfig{SASLUsers: map[string]string{"alice": "alice-secret"}},
	})
	return addrs, b.DevCAFile()
}

// secureCases is the table for one client: every mechanism on both
// listeners with the right password, and each mechanism once with a wrong
// one.
func secureCases(t *testing.T, client string) []secureCase {
	addrs, ca := secureBroker(t)
	var cases []secureCase
	for _, protocol := range []string{"SASL_PLAINTEXT", "SASL_SSL"} {
		for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
			cases = append(cases, secureCase{
				Name: protocol + "/" + mech, Bootstrap: addrs[protocol], Protocol: protocol, Mechanism: mech,
				Username: "alice", Password: "alice-secret", CA: ca,
				Topic: strings.ToLower(fmt.Sprintf("sec-%s-%s-%s", client, protocol, mech)),
			})
		}
	}
	for i, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		protocol := []string{"SASL_SSL", "SASL_PLAINTEXT"}[i%2]
		cases = append(cases, secureCase{
			Name: protocol + "/" + mech + "/wrong-password", Bootstrap: addrs[protocol], Protocol: protocol, Mechanism: mech,
			Username: "alice", Password: "not-the-password", CA: ca, Topic: "sec-never", Wrong: true,
		})
	}
	return cases
}

// checkResults matches what a script reported against the table.
func checkResults(t *testing.T, cases []secureCase, results []secureResult, authWords ...string) {
	t.Helper()
	byName := map[string]secureResult{}
	for _, r := range results {
		byName[r.Name] = r
	}
	for _, c := range cases {
		r, ok := byName[c.Name]
		switch {
		case !ok:
			t.Errorf("%s: no result", c.Name)
		case !c.Wrong && !r.OK:
			t.Errorf("%s: failed: %s", c.Name, r.Error)
		case c.Wrong && r.OK:
			t.Errorf("%s: logged in with a wrong password", c.Name)
		case c.Wrong && !containsAny(r.Error, authWords):
			t.Errorf("%s: failed, but not for authentication: %s", c.Name, r.Error)
		}
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

func tlsConfig(t *testing.T, ca string) *tls.Config {
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{RootCAs: pool}
}

func TestSecurityFranz(t *testing.T) {
	for _, c := range secureCases(t, "franz") {
		t.Run(c.Name, func(t *testing.T) {
			var mech sasl.Mechanism
			switch c.Mechanism {
			case "PLAIN":
				mech = plain.Auth{User: c.Username, Pass: c.Password}.AsMechanism()
			case "SCRAM-SHA-256":
				mech = scram.Auth{User: c.Username, Pass: c.Password}.AsSha256Mechanism()
			case "SCRAM-SHA-512":
				mech = scram.Auth{User: c.Username, Pass: c.Password}.AsSha512Mechanism()
			}
			opts := []kgo.Opt{kgo.SeedBrokers(c.Bootstrap), kgo.SASL(mech), kgo.AllowAutoTopicCreation(), kgo.RequestRetries(0)}
			if c.Protocol == "SASL_SSL" {
				opts = append(opts, kgo.DialTLSConfig(tlsConfig(t, c.CA)))
			}
			cl, err := kgo.NewClient(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if c.Wrong {
				// A produce would retry the login until its context ends;
				// a Ping reports the first failure.
				err = cl.Ping(ctx)
				if err == nil || !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") {
					t.Fatalf("wrong password: %v", err)
				}
				return
			}
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: c.Topic, Value: []byte("v")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// xdgSCRAM adapts github.com/xdg-go/scram to sarama's SCRAMClient, as
// sarama's own example does.
type xdgSCRAM struct {
	hash func() hash.Hash
	conv *xdgscram.ClientConversation
}

func (x *xdgSCRAM) Begin(user, pass, authzID string) error {
	client, err := xdgscram.HashGeneratorFcn(x.hash).NewClient(user, pass, authzID)
	if err != nil {
		return err
	}
	x.conv = client.NewConversation()
	return nil
}

func (x *xdgSCRAM) Step(challenge string) (string, error) { return x.conv.Step(challenge) }
func (x *xdgSCRAM) Done() bool                            { return x.conv.Done() }

func TestSecuritySarama(t *testing.T) {
	for _, c := range secureCases(t, "sarama") {
		t.Run(c.Name, func(t *testing.T) {
			cfg := sarama.NewConfig()
			cfg.Version = sarama.V3_0_0_0
			cfg.Producer.Return.Successes = true
			// A wrong password fails at once; a right one may need a
			// metadata retry, since the request that auto-creates the
			// topic is answered UNKNOWN_TOPIC_OR_PARTITION, as in Kafka.
			if c.Wrong {
				cfg.Metadata.Retry.Max = 0
			}
			cfg.Net.SASL.Enable = true
			cfg.Net.SASL.User, cfg.Net.SASL.Password = c.Username, c.Password
			switch c.Mechanism {
			case "PLAIN":
				cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
			case "SCRAM-SHA-256":
				cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
				cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &xdgSCRAM{hash: sha256.New} }
			case "SCRAM-SHA-512":
				cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
				cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &xdgSCRAM{hash: sha512.New} }
			}
			if c.Protocol == "SASL_SSL" {
				cfg.Net.TLS.Enable = true
				cfg.Net.TLS.Config = tlsConfig(t, c.CA)
			}
			producer, err := sarama.NewSyncProducer([]string{c.Bootstrap}, cfg)
			if c.Wrong {
				if err == nil {
					producer.Close()
					t.Fatal("logged in with a wrong password")
				}
				if !strings.Contains(err.Error(), "SASL Authentication failed") {
					t.Fatalf("wrong password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer producer.Close()
			if _, _, err := producer.SendMessage(&sarama.ProducerMessage{Topic: c.Topic, Value: sarama.StringEncoder("v")}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSecurityKcat(t *testing.T) {
	path := requireTool(t, "kcat")
	for _, c := range secureCases(t, "kcat") {
		t.Run(c.Name, func(t *testing.T) {
			args := []string{"-b", c.Bootstrap, "-X", "security.protocol=" + c.Protocol, "-X", "sasl.mechanisms=" + c.Mechanism,
				"-X", "sasl.username=" + c.Username, "-X", "sasl.password=" + c.Password, "-m", "5"}
			if c.Protocol == "SASL_SSL" {
				args = append(args, "-X", "ssl.ca.location="+c.CA)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, path, append(args, "-P", "-t", c.Topic)...)
			cmd.Stdin = strings.NewReader("hello\n")
			out, err := cmd.CombinedOutput()
			if c.Wrong {
				if err == nil || !strings.Contains(string(out), "Authentication failed") {
					t.Fatalf("wrong password: %v\n%s", err, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("produce: %v\n%s", err, out)
			}
			got, err := exec.CommandContext(ctx, path, append(args, "-C", "-t", c.Topic, "-e", "-q")...).Output()
			if err != nil || strings.TrimSpace(string(got)) != "hello" {
				t.Fatalf("consume: %q, %v", got, err)
			}
		})
	}
}

// runSecureScript runs a client script with the table as JSON and
// decodes its results.
func runSecureScript(t *testing.T, cases []secureCase, name string, args ...string) []secureResult {
	t.Helper()
	table, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, append(args, string(table))...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr.String())
	}
	var results []secureResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("%s printed %q: %v\nstderr:\n%s", strings.Join(args, " "), out, err, stderr.String())
	}
	return results
}

func TestSecurityKafkaJS(t *testing.T) {
	node := requireTool(t, "node")
	if _, err := os.Stat("node_modules/kafkajs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node_modules/kafkajs is missing (CI=true); ../test.sh runs npm ci")
		}
		t.Skip("KafkaJS is not installed: run npm ci in interop/")
	}
	cases := secureCases(t, "kafkajs")
	checkResults(t, cases, runSecureScript(t, cases, node, "js/security.js"), "SASL", "authentication failed")
}

func TestSecurityConfluentKafka(t *testing.T) {
	requirePythonModule(t, "confluent_kafka")
	cases := secureCases(t, "confluent")
	checkResults(t, cases, runSecureScript(t, cases, debianPython, "py/security_confluent.py"), "authentication")
}

func TestSecurityKafkaPython(t *testing.T) {
	requirePythonModule(t, "kafka")
	cases := secureCases(t, "kafkapython")
	// After SaslHandshake v0 a failed login can only close the
	// connection, as Kafka does; kafka-python then says
	// NoBrokersAvailable and logs the connection as <authenticating>.
	checkResults(t, cases, runSecureScript(t, cases, debianPython, "py/security_kafkapython.py"), "<authenticating>")
}

// requirePythonModule skips (or, on CI, fails) when Debian's python3
// lacks a client.
func requirePythonModule(t *testing.T, module string) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s cannot import %s (CI=true, so this is an error; ../test.sh installs it): %v", debianPython, module, err)
		}
		t.Skipf("%s cannot import %s", debianPython, module)
	}
}
