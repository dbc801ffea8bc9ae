package kafka

import (
	"fmt"
	"testing"
)

// TestEveryAPIHasARefusal: every API of the apis table but ApiVersions,
// SaslHandshake and SaslAuthenticate has its getErrorResponse in
// refusals, and each one's answer to an empty request encodes at every
// version served.
func TestEveryAPIHasARefusal(t *testing.T) {
	for _, a := range apis {
		switch a.key {
		case apiVersionsKey, saslHandshakeKey, saslAuthenticateKey:
			if refusals[a.key] != nil {
				t.Errorf("%s has an entry in refusals, though it answers for itself", a.name)
			}
			continue
		}
		refuse := refusals[a.key]
		if refuse == nil {
			t.Errorf("%s (key %d) has no entry in refusals", a.name, a.key)
			continue
		}
		for v := a.minVersion; v <= a.maxVersion; v++ {
			req := a.newRequest()
			if p, ok := req.(*produceRequest); ok {
				p.Acks = 1
			}
			resp := refuse(req, v, refusal{codeIllegalSASLState, "no"})
			w := &writer{flexible: v >= a.flexibleFrom}
			resp.encode(w, v)
			if w.err != nil {
				t.Errorf("%s v%d: %v", a.name, v, w.err)
			}
		}
	}
}

func TestJavaAPIName(t *testing.T) {
	for name, want := range map[string]string{
		"Metadata":                     "METADATA",
		"OffsetForLeaderEpoch":         "OFFSET_FOR_LEADER_EPOCH",
		"InitProducerId":               "INIT_PRODUCER_ID",
		"DescribeUserScramCredentials": "DESCRIBE_USER_SCRAM_CREDENTIALS",
	} {
		if got := javaAPIName(name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}

// TestRequestsDuringSASLLoginRefusedAsKafka: after a SaslHandshake v1,
// Kafka's SaslServerAuthenticator.handleSaslToken answers any request but
// SaslAuthenticate with that request's getErrorResponse,
// ILLEGAL_SASL_STATE and "Unexpected Kafka request of type ... during
// SASL authentication." where the answer has a message, and then closes
// the connection; a Produce with acks=0, which has no answer, is only
// closed. Before the handshake such a request is closed unanswered
// (handleKafkaRequest), as it always was.
func TestRequestsDuringSASLLoginRefusedAsKafka(t *testing.T) {
	sb := startSecureBroker(t, Config{Listeners: "SASL_PLAINTEXT://127.0.0.1:0", Security: SecurityConfig{SASLUsers: saslUsers}})
	addr := sb.addrs[protocolSASLPlaintext]
	afterHandshake := func() *testClient {
		c := dial(t, addr)
		if code, _ := c.saslHandshake(1, mechPlain); code != codeNone {
			t.Fatalf("handshake: code %d", code)
		}
		return c
	}

	c := afterHandshake()
	r := c.roundTrip(3, 12, true, func(w *writer) {
		writeArrayNonNull(w, []metadataRequestTopic{{Name: ptr("t")}}, func(w *writer, t metadataRequestTopic) { w.UUID(t.TopicID); w.NullableString(t.Name); w.Tags() })
		w.Bool(false)
		w.Bool(false)
		w.Tags()
	})
	var m metadataResponse
	m.ThrottleTimeMs = r.Int32()
	m.Brokers = readArray(r, func(r *reader) metadataBroker {
		r.Int32()
		_ = r.String()
		r.Int32()
		r.NullableString()
		r.SkipTags()
		return metadataBroker{}
	})
	m.ClusterID, m.ControllerID = r.NullableString(), r.Int32()
	m.Topics = readArray(r, func(r *reader) metadataTopic { return readMetadataTopic(r) })
	if r.err != nil || len(m.Brokers) != 0 || m.ClusterID != nil || m.ControllerID != -1 || len(m.Topics) != 1 ||
		m.Topics[0].ErrorCode != codeIllegalSASLState || deref(m.Topics[0].Name) != "t" || len(m.Topics[0].Partitions) != 0 {
		t.Errorf("Metadata during the login: %+v, %v", m, r.err)
	}
	c.expectClosed()

	c = afterHandshake()
	r = c.roundTrip(60, 0, true, func(w *writer) { w.Bool(false); w.Tags() })
	r.Int32()
	code, msg := r.Int16(), r.NullableString()
	if want := "Unexpected Kafka request of type DESCRIBE_CLUSTER during SASL authentication."; code != codeIllegalSASLState || deref(msg) != want {
		t.Errorf("DescribeCluster during the login: %d %q, want ILLEGAL_SASL_STATE %q", code, deref(msg), want)
	}
	c.expectClosed()

	c = afterHandshake()
	got := c.findCoordinatorAt(4, 0, "g")
	if want := fmt.Sprintf("[g %d Request is not valid given the current SASL state. -1]", codeIllegalSASLState); fmt.Sprint(got) != want {
		t.Errorf("FindCoordinator during the login: %v, want %s", got, want)
	}
	c.expectClosed()

	c = afterHandshake()
	c.send(0, 9, true, produceBodyAs(nil, 0, "t", 0, makeBatch(testRecord{1, "v"})))
	c.expectClosed()

	c = dial(t, addr)
	c.send(3, 12, true, func(w *writer) { w.ArrayLen(-1); w.Bool(false); w.Bool(false); w.Tags() })
	c.expectClosed()
}
