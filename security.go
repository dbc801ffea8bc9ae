// This file is the first of the security chapters, in Part IV of the book,
// operations: how a connection comes to have a principal. It holds the
// listeners (Kafka's listeners setting), TLS on them with a development
// certificate for when none is given, and SASL: the SaslHandshake and
// SaslAuthenticate APIs and the PLAIN mechanism. scram.go adds the SCRAM
// mechanisms and the users they check, oauth.go the OAUTHBEARER one;
// acls.go decides what a principal may do. It assumes Part I: the
// broker, its connections and the framing of requests (kafka.go).
//
// # Listeners
//
// A Kafka broker listens on one or more listeners, each named and each with
// a security protocol:
//
//	listeners=PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093
//
//	PLAINTEXT       no TLS, no login: the principal is User:ANONYMOUS
//	SSL             TLS; with ssl.client.auth=required the client's
//	                certificate subject is the principal
//	SASL_PLAINTEXT  a SASL login on a plain connection
//	SASL_SSL        a SASL login inside TLS
//
// Here a listener's name must be its protocol, as in Kafka's default
// listener.security.protocol.map, or be named in controller.listener.names:
// Kafka 4's combined-mode server.properties has
//
//	listeners=PLAINTEXT://:9092,CONTROLLER://:9093
//	controller.listener.names=CONTROLLER
//
// and the KRaft controller listens on CONTROLLER. This node is its own
// one-voter quorum and answers the controller APIs on its broker
// listeners (quorum.go), so it opens no socket for a controller listener
// and advertises none, as Kafka's brokers leave controller listeners out of
// what they advertise (KafkaConfig.effectiveAdvertisedBrokerListeners).
//
// Each listener is advertised in Metadata under its own name: a client
// that came in on SASL_SSL is told the SASL_SSL address, so its later
// connections log in the same way.
//
// # A SASL login, step by step
//
// Modern clients (franz-go, librdkafka, Java, KafkaJS, sarama):
//
//	C: ApiVersions                       (allowed before the login)
//	C: SaslHandshake v1 "SCRAM-SHA-256"  S: mechanisms [PLAIN SCRAM-SHA-256 SCRAM-SHA-512]
//	C: SaslAuthenticate client-first     S: server-first (salt, iterations)
//	C: SaslAuthenticate client-final     S: server-final (server signature)
//	C: Metadata, Produce, ...            (as the principal User:alice)
//
// Older clients (kafka-python 2.0) send SaslHandshake v0 and then the
// mechanism's messages bare, each with just a 4-byte size prefix, and get
// the answers the same way: no Kafka header, no error code. A failure
// there can only close the connection.
//
// The rules, in the order they are checked, follow Kafka's
// SaslServerAuthenticator:
//
//  1. Before the login ends, a frame over 512 KiB closes the connection
//     (sasl.server.max.receive.size): no one who has not logged in may make
//     the broker hold 100 MiB.
//  2. Before the handshake, any request but ApiVersions and SaslHandshake
//     closes the connection without an answer, and so does a second
//     ApiVersions. After a SaslHandshake v1, any request but
//     SaslAuthenticate is answered ILLEGAL_SASL_STATE, as its API
//     answers a request refused as a whole (refusals.go; an ApiVersions
//     lists no APIs), and closes.
//  3. A mechanism we do not serve answers UNSUPPORTED_SASL_MECHANISM, with
//     the list we do, and closes.
//  4. A failed login answers SASL_AUTHENTICATION_FAILED with a message,
//     waits 100ms (connection.failed.authentication.delay.ms) to slow
//     password guessing, and closes. Failures are counted and logged with
//     the user name and mechanism, never the password or proof.
//  5. SaslHandshake or SaslAuthenticate after the login, or on a listener
//     without SASL, answers ILLEGAL_SASL_STATE (a handshake's answer lists
//     no mechanisms); a second handshake during a login also closes the
//     connection. The exception is a re-authentication
//     (reauth.go): a SaslHandshake on a connection whose session has a
//     time limit begins a new login.
//
// Design note: a TLS handshake that stalls is cut after tlsHandshakeTimeout,
// and a login that stalls by ConnectionsMaxIdle, like any idle connection.
// The dev certificate is a small CA plus a leaf signed by it, not one
// self-signed leaf: OpenSSL-based clients (librdkafka, Python) in strict
// mode refuse a CA certificate presented as a server's.

package kafka

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// SecurityConfig is the part of Config that controls TLS, SASL and ACLs.
// Its zero value is what Kafka does with none of them configured: no TLS
// material, no users, no authorizer.
type SecurityConfig struct {
	// TLSCertFile and TLSKeyFile are the PEM certificate chain and key of
	// the SSL and SASL_SSL listeners (ssl.keystore.location). When both
	// are empty and a listener needs TLS, a development certificate for
	// localhost and 127.0.0.1 is made in DataDir/dev-tls on first start,
	// and its CA's path is logged so that clients can trust it.
	TLSCertFile string
	TLSKeyFile  string

	// TLSClientAuth is ssl.client.auth: "none" (the default), "requested"
	// or "required". With a client certificate, on an SSL listener, the
	// principal is User: and the certificate's subject, as Kafka's
	// DefaultKafkaPrincipalBuilder makes it.
	TLSClientAuth string

	// TLSClientCAFile holds the PEM CAs that sign client certificates
	// (ssl.truststore.location). Default: the dev CA when the dev
	// certificate is in use.
	TLSClientCAFile string

	// SASLUsers are set as SCRAM-SHA-256 and SCRAM-SHA-512 credentials at
	// each start, name to password; PLAIN logins are checked against the
	// same credentials. Only salted keys reach the disk.
	SASLUsers map[string]string

	// SASLEnabledMechanisms are the mechanisms SaslHandshake offers, in
	// order (sasl.enabled.mechanisms). Default: PLAIN, SCRAM-SHA-256
	// and SCRAM-SHA-512. OAUTHBEARER (oauth.go) is served only when
	// named here, because its unsecured tokens let a client log in as
	// any principal it names.
	SASLEnabledMechanisms []string

	// OAuthBearer configures the validation of OAUTHBEARER tokens.
	OAuthBearer OAuthBearerConfig

	// Authorizer switches ACL enforcement on (Kafka's
	// authorizer.class.name=...StandardAuthorizer). Off, every principal
	// may do everything and the ACL APIs answer SECURITY_DISABLED.
	Authorizer bool

	// SuperUsers are principals, such as "User:admin", allowed everything
	// (super.users).
	SuperUsers []string

	// AllowEveryoneIfNoACLFound allows an operation on a resource that no
	// ACL names at all (allow.everyone.if.no.acl.found, default false).
	AllowEveryoneIfNoACLFound bool

	// ConnectionsMaxReauth is the longest a SASL login lasts before the
	// client must log in again on its connection
	// (connections.max.reauth.ms, KIP-368; reauth.go). Default 0: no
	// limit but an OAUTHBEARER token's own expiry.
	ConnectionsMaxReauth time.Duration
}

// Security protocols of listeners (Kafka's SecurityProtocol).
const (
	protocolPlaintext     = "PLAINTEXT"
	protocolSSL           = "SSL"
	protocolSASLPlaintext = "SASL_PLAINTEXT"
	protocolSASLSSL       = "SASL_SSL"
)

// defaultListeners is Kafka's default: one PLAINTEXT listener, here on
// the loopback interface.
const defaultListeners = "PLAINTEXT://127.0.0.1:9092"

// listener is one entry of Config.Listeners.
type listener struct {
	name       string // also the security protocol
	addr       string // host:port to listen on
	advertised string // host:port for Metadata; "" for the connection's own
	tls        bool
	sasl       bool
}

// splitListeners reads Kafka's listener syntax, NAME://host:port joined
// by commas, with each name once, and leaves the names to
// parseListeners. An empty host means every interface, as in Kafka.
func splitListeners(s string) ([]*listener, error) {
	var ls []*listener
	for _, spec := range strings.Split(s, ",") {
		spec = strings.TrimSpace(spec)
		name, addr, ok := strings.Cut(spec, "://")
		if !ok {
			return nil, fmt.Errorf("kafka: listener %q is not NAME://host:port", spec)
		}
		name = strings.ToUpper(name)
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("kafka: listener %q: %w", spec, err)
		}
		if slices.ContainsFunc(ls, func(o *listener) bool { return o.name == name }) {
			return nil, fmt.Errorf("kafka: listener name %s appears twice", name)
		}
		ls = append(ls, &listener{name: name, addr: addr})
	}
	return ls, nil
}

// parseListeners returns the listeners of s that the broker serves: every
// one but those named in controller (controller.listener.names), each
// with the security protocol its name is.
func parseListeners(s string, controller []string) ([]*listener, error) {
	all, err := splitListeners(s)
	if err != nil {
		return nil, err
	}
	var ls []*listener
	for _, l := range all {
		if slices.ContainsFunc(controller, func(c string) bool { return strings.EqualFold(c, l.name) }) {
			continue
		}
		switch l.name {
		case protocolPlaintext:
		case protocolSSL:
			l.tls = true
		case protocolSASLPlaintext:
			l.sasl = true
		case protocolSASLSSL:
			l.tls, l.sasl = true, true
		default:
			return nil, fmt.Errorf("kafka: listener %s://%s: name must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, or be in controller.listener.names", l.name, l.addr)
		}
		ls = append(ls, l)
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("kafka: listeners %q: every one is a controller listener (controller.listener.names), which this broker does not open", s)
	}
	return ls, nil
}

// controllerListenerNames is Config.ControllerListenerNames as a list.
func controllerListenerNames(cfg Config) []string { return configList(cfg.ControllerListenerNames) }

// security is the broker's security state: its listeners, its TLS
// configuration, the SCRAM users (scram.go) and the ACLs (acls.go).
type security struct {
	listeners []*listener
	tls       *tls.Config // nil when no listener needs TLS
	devCAPath string      // the dev CA clients should trust, if in use
	users     *credentialStore
	acls      *aclStore
	cfg       SecurityConfig
	// mechanisms are the SASL mechanisms offered, in order.
	mechanisms []string

	// failedLogins counts failed SASL authentications since start.
	failedLogins atomic.Int64
}

// openSecurity parses the listeners, loads or makes the TLS certificate,
// and loads the users and ACLs from the data dir.
func openSecurity(cfg Config) (*security, error) {
	s := &security{cfg: cfg.Security}
	var err error
	if s.mechanisms, err = enabledMechanisms(cfg.Security.SASLEnabledMechanisms); err != nil {
		return nil, err
	}
	if s.cfg.OAuthBearer.AllowableClockSkew < 0 {
		return nil, fmt.Errorf("kafka: OAuthBearer.AllowableClockSkew %v is negative", s.cfg.OAuthBearer.AllowableClockSkew)
	}
	spec := cfg.Listeners
	if spec == "" {
		spec = defaultListeners
	}
	controller := controllerListenerNames(cfg)
	if s.listeners, err = parseListeners(spec, controller); err != nil {
		return nil, err
	}
	if cfg.AdvertisedListeners != "" {
		adv, err := parseListeners(cfg.AdvertisedListeners, controller)
		if err != nil {
			return nil, fmt.Errorf("kafka: advertised listeners: %w", err)
		}
		for _, a := range adv {
			i := slices.IndexFunc(s.listeners, func(l *listener) bool { return l.name == a.name })
			if i < 0 {
				return nil, fmt.Errorf("kafka: advertised listener %s is not a listener", a.name)
			}
			s.listeners[i].advertised = a.addr
		}
	} else if len(s.listeners) == 1 {
		s.listeners[0].advertised = cfg.AdvertisedAddr
	}
	switch cfg.Security.TLSClientAuth {
	case "", "none", "requested", "required":
	default:
		return nil, fmt.Errorf("kafka: TLSClientAuth %q is not none, requested or required", cfg.Security.TLSClientAuth)
	}
	if slices.ContainsFunc(s.listeners, func(l *listener) bool { return l.tls }) {
		if s.tls, err = s.loadTLS(cfg); err != nil {
			return nil, err
		}
	}
	if s.users, err = openCredentialStore(cfg.DataDir); err != nil {
		return nil, err
	}
	if err := s.users.bootstrap(cfg.Security.SASLUsers); err != nil {
		return nil, err
	}
	if s.acls, err = openACLStore(cfg.DataDir); err != nil {
		return nil, err
	}
	return s, nil
}

// Listen opens a socket for every configured listener, in the order of
// Config.Listeners, ready to pass to Serve.
func (b *Broker) Listen() ([]net.Listener, error) { return listenAll(b.sec.listeners) }

// Listen opens the sockets of cfg.Listeners ("" for the default), less
// the controller listeners, without a Broker, so that a command can bind
// its ports before Open touches the data dir; Serve takes them in the
// same order.
func Listen(cfg Config) ([]net.Listener, error) {
	listeners := cfg.Listeners
	if listeners == "" {
		listeners = defaultListeners
	}
	ls, err := parseListeners(listeners, controllerListenerNames(cfg))
	if err != nil {
		return nil, err
	}
	return listenAll(ls)
}

func listenAll(ls []*listener) ([]net.Listener, error) {
	var lns []net.Listener
	for _, l := range ls {
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			for _, o := range lns {
				o.Close()
			}
			return nil, fmt.Errorf("kafka: listener %s: %w", l.name, err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// ListenerNames returns the names of the listeners, in the order Serve
// expects their sockets.
func (b *Broker) ListenerNames() []string {
	var names []string
	for _, l := range b.sec.listeners {
		names = append(names, l.name)
	}
	return names
}

// DevCAFile is the path of the development CA that signed the broker's
// certificate, for clients to trust, or "" when a certificate was
// configured or no listener uses TLS.
func (b *Broker) DevCAFile() string { return b.sec.devCAPath }

// TLS.

// tlsHandshakeTimeout is how long a client has to finish the TLS
// handshake. A client that opens a connection and says nothing would
// otherwise hold a goroutine until ConnectionsMaxIdle.
var tlsHandshakeTimeout = 10 * time.Second

// loadTLS builds the TLS configuration of the SSL and SASL_SSL listeners.
func (s *security) loadTLS(cfg Config) (*tls.Config, error) {
	sc := cfg.Security
	certFile, keyFile, caFile := sc.TLSCertFile, sc.TLSKeyFile, sc.TLSClientCAFile
	if certFile == "" && keyFile == "" {
		var err error
		if certFile, keyFile, s.devCAPath, err = devCertificate(filepath.Join(cfg.DataDir, devTLSDir)); err != nil {
			return nil, err
		}
		if caFile == "" {
			caFile = s.devCAPath
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("kafka: TLS certificate: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	switch sc.TLSClientAuth {
	case "requested":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if tc.ClientAuth != tls.NoClientCert {
		if caFile == "" {
			return nil, errors.New("kafka: TLSClientAuth needs TLSClientCAFile")
		}
		pemCAs, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: TLS client CAs: %w", err)
		}
		tc.ClientCAs = x509.NewCertPool()
		if !tc.ClientCAs.AppendCertsFromPEM(pemCAs) {
			return nil, fmt.Errorf("kafka: TLS client CAs: no certificate in %s", caFile)
		}
	}
	return tc, nil
}

// The development certificate's files, in DataDir/dev-tls.
const (
	devTLSDir     = "dev-tls"
	devCAFile     = "ca.pem"
	devCertFile   = "broker.pem"
	devKeyFile    = "broker-key.pem"
	devCertExpiry = 10 * 365 * 24 * time.Hour
)

// devCertificate returns the dev certificate's files in dir, making them
// on first use: a CA, and a certificate it signs for localhost, 127.0.0.1
// and ::1. It is for local testing only; its key sits beside it.
func devCertificate(dir string) (certFile, keyFile, caFile string, err error) {
	certFile, keyFile, caFile = filepath.Join(dir, devCertFile), filepath.Join(dir, devKeyFile), filepath.Join(dir, devCAFile)
	if _, err := os.Stat(keyFile); err == nil {
		return certFile, keyFile, caFile, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", "", fmt.Errorf("kafka: dev certificate: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", fmt.Errorf("kafka: dev certificate: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "kafka-go development CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(devCertExpiry),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return "", "", "", fmt.Errorf("kafka: dev CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return "", "", "", fmt.Errorf("kafka: dev CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", "", fmt.Errorf("kafka: dev certificate: %w", err)
	}
	leaf := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(devCertExpiry),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", "", "", fmt.Errorf("kafka: dev certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", "", fmt.Errorf("kafka: dev certificate: %w", err)
	}
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	// The key first: its presence is what marks the set as complete.
	if err := writeFileAtomic(caFile, pemOf("CERTIFICATE", caDER)); err != nil {
		return "", "", "", err
	}
	if err := writeFileAtomic(certFile, pemOf("CERTIFICATE", leafDER)); err != nil {
		return "", "", "", err
	}
	if err := writeFileAtomic(keyFile, pemOf("PRIVATE KEY", keyDER)); err != nil {
		return "", "", "", err
	}
	return certFile, keyFile, caFile, os.Chmod(keyFile, 0o600)
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

// Connections.

// anonymous is the principal of a connection that has not logged in
// (KafkaPrincipal.ANONYMOUS).
const anonymous = "User:" + anonymousUser

// connAuth is what a connection knows about who is on the other end.
type connAuth struct {
	principal string
	// pending is true on a SASL listener until the login succeeds.
	pending bool
	// mech is the mechanism chosen by SaslHandshake, nil before it.
	mech saslMechanism
	// bare is true after a SaslHandshake v0: the mechanism's messages
	// then come without Kafka's framing.
	bare bool
	// versionsAnswered is true once ApiVersions has been answered
	// during the login, which Kafka allows once.
	versionsAnswered bool
	// closeAfter closes the connection once the response is written.
	closeAfter error
	// session bounds the login in time (reauth.go, KIP-368).
	session session
}

// secureConn runs the TLS handshake of a TLS listener, under a deadline,
// and returns the connection to use and its starting principal.
func (b *Broker) secureConn(ctx context.Context, nc net.Conn, l *listener) (net.Conn, connAuth, error) {
	auth := connAuth{principal: anonymous, pending: l != nil && l.sasl}
	if l == nil || !l.tls {
		return nc, auth, nil
	}
	tc := tls.Server(nc, b.sec.tls)
	ctx, cancel := context.WithTimeout(ctx, tlsHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, auth, fmt.Errorf("kafka: TLS handshake: %w", err)
	}
	// As Kafka's DefaultKafkaPrincipalBuilder: on an SSL listener the
	// principal is the certificate's subject, in RFC 2253 form, or
	// ANONYMOUS without one. On SASL_SSL the login decides.
	if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 && !l.sasl {
		auth.principal = "User:" + certs[0].Subject.String()
	}
	return tc, auth, nil
}

// advertisedAddr is the address Metadata gives for the listener the
// connection came in on: its advertised listener, else Config's
// AdvertisedAddr when there is one listener, else "".
func (c *conn) advertisedAddr() string {
	if c.listener != nil {
		return c.listener.advertised
	}
	return c.broker.cfg.AdvertisedAddr
}

// userName is the name of the connection's principal, which client
// quotas (quotas.go) match user entities against: alice for User:alice,
// ANONYMOUS before a login.
func (rc *requestContext) userName() string {
	_, name, _ := strings.Cut(rc.principal(), ":")
	return name
}

// saslMaxReceiveBytes is the largest frame accepted before the login
// ends (Kafka's sasl.server.max.receive.size, 512 KiB).
const saslMaxReceiveBytes = 512 << 10

// maxFrameBytes is the largest frame this connection may send now.
func (c *conn) maxFrameBytes() int32 {
	if c.auth.pending {
		return saslMaxReceiveBytes
	}
	return c.broker.cfg.MaxFrameBytes
}

// Errors that close a connection during a login.
var (
	errNotAuthenticated = errors.New("kafka: request before SASL authentication")
	errSASLFailed       = errors.New("kafka: SASL authentication failed")
	errSASLState        = errors.New("kafka: SASL message out of order")
)

// admit applies rule 2: before the login ends only ApiVersions and the
// SASL APIs are served, and SaslAuthenticate only after a handshake.
// Kafka's SaslServerAuthenticator closes the connection on anything else
// before the handshake, without an answer (handleKafkaRequest).
func (c *conn) admit(h *requestHeader) error {
	switch {
	case c.auth.pending && h.APIKey == apiVersionsKey && c.auth.mech == nil && c.auth.versionsAnswered:
		// SaslServerAuthenticator.handleApiVersionsRequest takes one
		// ApiVersions, in its first state, and throws on a second.
		return fmt.Errorf("%w: a second ApiVersions before SaslHandshake", errSASLState)
	case !c.auth.pending || h.APIKey == apiVersionsKey || h.APIKey == saslHandshakeKey:
		return nil
	case h.APIKey == saslAuthenticateKey && c.auth.mech != nil:
		return nil
	case h.APIKey == saslAuthenticateKey:
		return fmt.Errorf("%w: SaslAuthenticate before SaslHandshake", errSASLState)
	}
	return fmt.Errorf("%w: API key %d", errNotAuthenticated, h.APIKey)
}

// refuseInLogin applies rule 2 to a request after a SaslHandshake v1,
// where Kafka expects SaslAuthenticate alone: any other API but
// ApiVersions and SaslHandshake, whose answers are their own, is
// refused as a whole with ILLEGAL_SASL_STATE (refusals.go), as
// SaslServerAuthenticator.handleSaslToken refuses it, and the
// connection is closed after the answer; a Produce with acks=0 has none.
// refused is false for a request the login lets through to admit.
func (c *conn) refuseInLogin(h *requestHeader, api *api, req request) (answer response, refused bool) {
	if !c.auth.pending || c.auth.mech == nil || c.auth.bare {
		return nil, false
	}
	switch h.APIKey {
	case saslAuthenticateKey, apiVersionsKey, saslHandshakeKey:
		return nil, false
	}
	refuse, ok := refusals[h.APIKey]
	if !ok {
		return nil, true // an API without an entry: closed, unanswered
	}
	msg := "Unexpected Kafka request of type " + javaAPIName(api.name) + " during SASL authentication."
	return refuse(req, h.APIVersion, refusal{codeIllegalSASLState, msg}), true
}

// apiVersionsInLogin applies rule 2 to ApiVersions during a login: after
// the handshake, where Kafka expects only SaslAuthenticate, it is
// answered ILLEGAL_SASL_STATE, with no APIs, and the connection closed
// (SaslServerAuthenticator.handleSaslToken); before it, the answer is
// the usual one, and the login notes that it was given. It returns the
// refusal, or nil to answer as usual.
func (c *conn) apiVersionsInLogin(answer *apiVersionsResponse) *apiVersionsResponse {
	switch {
	case c == nil || !c.auth.pending:
		return nil
	case c.auth.mech != nil:
		c.auth.closeAfter = errSASLState
		return &apiVersionsResponse{ErrorCode: codeIllegalSASLState, APIKeys: []apiVersion{}, FinalizedFeaturesEpoch: -1}
	case answer.ErrorCode == codeNone:
		c.auth.versionsAnswered = true
	}
	return nil
}

// failLogin counts and logs a failed login, and has the connection closed
// after the answer; the delay is Kafka's
// connection.failed.authentication.delay.ms.
func (c *conn) failLogin(user string, err error) {
	n := c.broker.sec.failedLogins.Add(1)
	c.broker.log.Info("failed authentication", "remote", c.RemoteAddr(), "mechanism", c.auth.mech.name(), "user", user, "err", err, "failures", n)
	c.auth.closeAfter = errSASLFailed
}

// failedAuthDelay slows a client guessing passwords: it learns of its
// failure, and may try again, only after this long.
const failedAuthDelay = 100 * time.Millisecond

// saslBareToken handles a frame after a SaslHandshake v0: the bytes are
// the mechanism's message, and the answer is the mechanism's reply with a
// size prefix, or, on failure, a closed connection.
func (c *conn) saslBareToken(frame []byte) error {
	reply, user, err := c.step(frame)
	if err != nil {
		c.failLogin(user, err)
		time.Sleep(failedAuthDelay)
		return fmt.Errorf("%w: %v", errSASLFailed, err)
	}
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(reply)))
	if _, err := c.w.Write(size[:]); err != nil {
		return err
	}
	if _, err := c.w.Write(reply); err != nil {
		return err
	}
	return c.w.Flush()
}

// step gives one client message to the mechanism. When the mechanism is
// done, the connection takes its principal and the login ends.
func (c *conn) step(msg []byte) (reply []byte, user string, err error) {
	reply, done, err := c.auth.mech.step(msg)
	user = c.auth.mech.user()
	if err == nil && done {
		err = c.checkReauthPrincipal(user)
	}
	if err != nil {
		return nil, user, err
	}
	if done {
		c.startSession(time.Now())
		c.auth.pending = false
		c.auth.principal = "User:" + user
		c.broker.log.Debug("authenticated", "remote", c.RemoteAddr(), "mechanism", c.auth.mech.name(), "principal", c.auth.principal)
	}
	return reply, user, nil
}

// saslMechanism is the server side of one SASL exchange.
type saslMechanism interface {
	name() string
	// step takes the client's next message and returns the reply, and
	// whether the exchange is complete. An error fails the login; its
	// text goes to the client and must hold no secret.
	step(msg []byte) (reply []byte, done bool, err error)
	// user is the user name the client gave, "" before it gave one.
	user() string
}

// Mechanism names, as in sasl.enabled.mechanisms.
const (
	mechPlain       = "PLAIN"
	mechSCRAMSHA256 = "SCRAM-SHA-256"
	mechSCRAMSHA512 = "SCRAM-SHA-512"
)

// defaultSASLMechanisms is what SaslHandshake offers when
// SASLEnabledMechanisms is empty: the mechanisms that check a password.
// Kafka's own default is GSSAPI alone, which this broker does not serve.
var defaultSASLMechanisms = []string{mechPlain, mechSCRAMSHA256, mechSCRAMSHA512}

// knownSASLMechanisms are the mechanisms this broker can serve.
var knownSASLMechanisms = []string{mechPlain, mechSCRAMSHA256, mechSCRAMSHA512, mechOAuthBearer}

// enabledMechanisms checks SASLEnabledMechanisms and returns the list
// SaslHandshake offers. Kafka refuses a name it has no server for at
// start, and so does this broker, so that a typo is not a silent "off".
func enabledMechanisms(names []string) ([]string, error) {
	if len(names) == 0 {
		return defaultSASLMechanisms, nil
	}
	for _, n := range names {
		if !slices.Contains(knownSASLMechanisms, n) {
			return nil, fmt.Errorf("kafka: SASL mechanism %q is not one of %s", n, strings.Join(knownSASLMechanisms, ", "))
		}
	}
	return slices.Compact(slices.Clone(names)), nil
}

// newMechanism starts an exchange of a mechanism, or returns nil if we do
// not serve it or it is not enabled.
func (s *security) newMechanism(name string) saslMechanism {
	if !slices.Contains(s.mechanisms, name) {
		return nil
	}
	switch name {
	case mechPlain:
		return &plainServer{users: s.users}
	case mechSCRAMSHA256:
		return &scramServer{mech: &scramSHA256, users: s.users}
	case mechSCRAMSHA512:
		return &scramServer{mech: &scramSHA512, users: s.users}
	case mechOAuthBearer:
		return &oauthServer{cfg: s.cfg.OAuthBearer.withDefaults(), now: time.Now}
	}
	return nil
}

// plainServer is SASL/PLAIN (RFC 4616): one message,
// authzid NUL authcid NUL password, and no reply. The password is checked
// against the user's SCRAM credential, so that no password is stored
// anywhere, as Kafka's PlainSaslServer checks it against the JAAS file.
type plainServer struct {
	users    *credentialStore
	username string
	done     bool
}

func (p *plainServer) name() string { return mechPlain }
func (p *plainServer) user() string { return p.username }

func (p *plainServer) step(msg []byte) ([]byte, bool, error) {
	if p.done {
		return nil, false, errors.New("Authentication failed: PLAIN takes one message")
	}
	p.done = true
	parts := bytes.Split(msg, []byte{0})
	if len(parts) != 3 {
		return nil, false, fmt.Errorf("Invalid SASL/PLAIN response: expected 3 tokens, got %d", len(parts))
	}
	authzid, username, password := string(parts[0]), string(parts[1]), parts[2]
	p.username = username
	switch {
	case username == "":
		return nil, false, errors.New("Authentication failed: username not specified")
	case len(password) == 0:
		return nil, false, errors.New("Authentication failed: password not specified")
	case authzid != "" && authzid != username:
		return nil, false, errors.New("Authentication failed: Client requested an authorization id that is different from username")
	case !p.users.checkPassword(username, password):
		return nil, false, errors.New("Authentication failed: Invalid username or password")
	}
	return []byte{}, true, nil
}

// SaslHandshake: v0-1 (SaslHandshakeRequest.json, SaslHandshakeResponse.json)
//
//	v0: the mechanism's messages follow bare, size-prefixed (KIP-43)
//	v1: they follow in SaslAuthenticate requests (KIP-152)
//
// Only the versions differ, not the fields.
const saslHandshakeKey = 17

type saslHandshakeRequest struct {
	Mechanism string
}

func (m *saslHandshakeRequest) decode(r *reader, v int16) {
	m.Mechanism = r.String()
}

type saslHandshakeResponse struct {
	ErrorCode  int16
	Mechanisms []string
}

func (m *saslHandshakeResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	w.Strings(m.Mechanisms)
}

func (b *Broker) handleSaslHandshake(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*saslHandshakeRequest)
	c := rc.conn
	resp := &saslHandshakeResponse{Mechanisms: b.sec.mechanisms}
	if !c.auth.pending || c.auth.mech != nil {
		// After the login, or on a listener without SASL
		// (KafkaApis.handleSaslHandshakeRequest), the connection stays;
		// a second handshake during a login ends it, as Kafka's
		// SaslServerAuthenticator does. Neither answer lists the
		// mechanisms: only a handshake Kafka takes up, or one naming a
		// mechanism it lacks, does.
		resp.ErrorCode, resp.Mechanisms = codeIllegalSASLState, []string{}
		if c.auth.pending {
			c.auth.closeAfter = errSASLState
		}
		return resp
	}
	mech := b.sec.newMechanism(req.Mechanism)
	if mech == nil {
		resp.ErrorCode = codeUnsupportedSASLMechanism
		c.auth.closeAfter = fmt.Errorf("%w: unsupported mechanism %q", errSASLFailed, req.Mechanism)
		return resp
	}
	if c.auth.session.reauthenticating() && rc.header.APIVersion == 0 {
		// A re-authentication must use SaslAuthenticate, as Kafka's
		// SaslServerAuthenticator insists.
		resp.ErrorCode = codeIllegalSASLState
		c.auth.closeAfter = errSASLState
		return resp
	}
	c.checkReauthMechanism(req.Mechanism)
	c.auth.mech = mech
	c.auth.bare = rc.header.APIVersion == 0
	return resp
}

// SaslAuthenticate: v0-2 (SaslAuthenticateRequest.json, SaslAuthenticateResponse.json)
//
//	v1: SessionLifetimeMs in the response (KIP-368): 0 unless
//	    connections.max.reauth.ms is set or the token expires (reauth.go)
//	v2: flexible
//
// Each request carries one message of the mechanism chosen by
// SaslHandshake v1, and the response the mechanism's reply.
const saslAuthenticateKey = 36

type saslAuthenticateRequest struct {
	AuthBytes []byte
}

func (m *saslAuthenticateRequest) decode(r *reader, v int16) {
	m.AuthBytes = r.Bytes()
	r.SkipTags()
}

type saslAuthenticateResponse struct {
	ErrorCode         int16
	ErrorMessage      *string
	AuthBytes         []byte
	SessionLifetimeMs int64
}

func (m *saslAuthenticateResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	w.Bytes(nonNil(m.AuthBytes))
	if v >= 1 {
		w.Int64(m.SessionLifetimeMs)
	}
	w.Tags()
}

func (b *Broker) handleSaslAuthenticate(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*saslAuthenticateRequest)
	c := rc.conn
	resp := &saslAuthenticateResponse{AuthBytes: []byte{}}
	switch {
	case !c.auth.pending:
		// After the login, or on a listener without SASL: Kafka's
		// KafkaApis.handleSaslAuthenticateRequest answers, and the
		// connection stays.
		resp.ErrorCode = codeIllegalSASLState
		resp.ErrorMessage = ptr("SaslAuthenticate request received after successful authentication")
		return resp
	case c.auth.mech == nil || c.auth.bare:
		// admit closes the connection before a SaslAuthenticate that
		// comes ahead of the handshake; this is for calls from tests.
		resp.ErrorCode = codeIllegalSASLState
		c.auth.closeAfter = errSASLState
		return resp
	}
	reply, user, err := c.step(req.AuthBytes)
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = codeSASLAuthenticationFailed, ptr(err.Error())
		c.failLogin(user, err)
		time.Sleep(failedAuthDelay)
		return resp
	}
	resp.AuthBytes = reply
	if !c.auth.pending {
		resp.SessionLifetimeMs = c.auth.session.lifetime.Milliseconds()
	}
	return resp
}

// Kafka error codes of the security chapters (Errors.java).
const (
	codeTopicAuthorizationFailed           int16 = 29
	codeGroupAuthorizationFailed           int16 = 30
	codeClusterAuthorizationFailed         int16 = 31
	codeUnsupportedSASLMechanism           int16 = 33
	codeIllegalSASLState                   int16 = 34
	codeTransactionalIDAuthorizationFailed int16 = 53
	codeSecurityDisabled                   int16 = 54
	codeSASLAuthenticationFailed           int16 = 58
	codeResourceNotFound                   int16 = 91
	codeDuplicateResource                  int16 = 92
	codeUnacceptableCredential             int16 = 93
)

// Their names, for the error label of the metrics (metrics.go).
func init() {
	for code, name := range map[int16]string{
		codeTopicAuthorizationFailed:           "TOPIC_AUTHORIZATION_FAILED",
		codeGroupAuthorizationFailed:           "GROUP_AUTHORIZATION_FAILED",
		codeClusterAuthorizationFailed:         "CLUSTER_AUTHORIZATION_FAILED",
		codeUnsupportedSASLMechanism:           "UNSUPPORTED_SASL_MECHANISM",
		codeIllegalSASLState:                   "ILLEGAL_SASL_STATE",
		codeTransactionalIDAuthorizationFailed: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
		codeSecurityDisabled:                   "SECURITY_DISABLED",
		codeSASLAuthenticationFailed:           "SASL_AUTHENTICATION_FAILED",
		codeResourceNotFound:                   "RESOURCE_NOT_FOUND",
		codeDuplicateResource:                  "DUPLICATE_RESOURCE",
		codeUnacceptableCredential:             "UNACCEPTABLE_CREDENTIAL",
	} {
		errorNames[code] = name
	}
}
