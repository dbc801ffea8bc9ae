package kafka

import (
	"testing"
)

// Tests of the metadata, discovery and security-handshake APIs where this
// broker was found to answer differently from Apache Kafka 4.0: each
// sends the raw request and checks what the Kafka class named in the code
// answers.

// TestApiVersionsTooNewListsItself: an ApiVersions request newer than the
// broker knows is answered, in v0, with UNSUPPORTED_VERSION and the
// versions of ApiVersions alone (ApiVersionsRequest.getErrorResponse), not
// the whole table, which the client gets when it asks again.
func TestApiVersionsTooNewListsItself(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.send(apiVersionsKey, 99, true, func(w *writer) { w.String("x"); w.String("1"); w.Tags() })
	r, err := c.recv(false)
	if err != nil {
		t.Fatal(err)
	}
	code := r.Int16()
	keys := readArray(r, func(r *reader) apiVersion { return apiVersion{r.Int16(), r.Int16(), r.Int16()} })
	if err := r.complete(); err != nil {
		t.Fatal(err)
	}
	row := lookupAPI(apiVersionsKey)
	want := []apiVersion{{apiVersionsKey, row.minVersion, row.maxVersion}}
	if code != codeUnsupportedVersion || len(keys) != 1 || keys[0] != want[0] {
		t.Errorf("code %d, keys %v; want %d and %v", code, keys, codeUnsupportedVersion, want)
	}
}

// apiVersionsAt sends ApiVersions v3 or v4 naming the client's software
// and returns the error code and the number of APIs listed.
func (c *testClient) apiVersionsAt(v int16, name, version string) (int16, int) {
	c.t.Helper()
	c.send(apiVersionsKey, v, true, func(w *writer) { w.String(name); w.String(version); w.Tags() })
	r, err := c.recv(false) // ApiVersions answers with header v0
	if err != nil {
		c.t.Fatal(err)
	}
	r.flexible = true
	code := r.Int16()
	keys := readArray(r, func(r *reader) apiVersion {
		k := apiVersion{r.Int16(), r.Int16(), r.Int16()}
		r.SkipTags()
		return k
	})
	r.Int32() // throttle
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return code, len(keys)
}

// TestApiVersionsSoftwareNameChecked: from v3 a client software name or
// version outside ApiVersionsRequest's pattern is INVALID_REQUEST with no
// APIs listed (KafkaApis.handleApiVersionsRequest), and the connection
// stays open.
func TestApiVersionsSoftwareNameChecked(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	tests := []struct {
		name, version string
		valid         bool
	}{
		{"apache-kafka-java", "4.0.0", true},
		{"librdkafka", "2.8.0", true},
		{"a", "1", true},
		{"", "1.0", false},
		{"kafka-python", "", false},
		{"-franz", "1.0", false},
		{"franz-go", "1.0-", false},
		{"franz go", "1.0", false},
		{"franz_go", "1.0", false},
		{"kafkajs", "v2.2.4+build", false},
	}
	for _, v := range []int16{3, 4} {
		for _, tt := range tests {
			code, n := c.apiVersionsAt(v, tt.name, tt.version)
			if tt.valid && (code != codeNone || n != len(apis)) {
				t.Errorf("v%d %q %q: code %d, %d APIs; want 0 and %d", v, tt.name, tt.version, code, n, len(apis))
			}
			if !tt.valid && (code != codeInvalidRequest || n != 0) {
				t.Errorf("v%d %q %q: code %d, %d APIs; want INVALID_REQUEST and none", v, tt.name, tt.version, code, n)
			}
		}
	}
}
