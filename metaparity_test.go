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
