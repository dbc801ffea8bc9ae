// Tests of the wire protocol: every API and version we serve, checked
// against bytes that franz-go's kmsg (generated from Kafka's own schemas)
// wrote into testdata/golden, plus the edge cases of framing.
package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// newResponse makes an empty response of each API, for the golden tests;
// the broker itself never needs one without a handler filling it.
var newResponse = map[int16]func() response{
	0:  func() response { return new(produceResponse) },
	1:  func() response { return new(fetchResponse) },
	2:  func() response { return new(listOffsetsResponse) },
	3:  func() response { return new(metadataResponse) },
	8:  func() response { return new(offsetCommitResponse) },
	9:  func() response { return new(offsetFetchResponse) },
	10: func() response { return new(findCoordinatorResponse) },
	11: func() response { return new(joinGroupResponse) },
	12: func() response { return new(heartbeatResponse) },
	13: func() response { return new(leaveGroupResponse) },
	14: func() response { return new(syncGroupResponse) },
	15: func() response { return new(describeGroupsResponse) },
	16: func() response { return new(listGroupsResponse) },
	17: func() response { return new(saslHandshakeResponse) },
	18: func() response { return new(apiVersionsResponse) },
	19: func() response { return new(createTopicsResponse) },
	20: func() response { return new(deleteTopicsResponse) },
	21: func() response { return new(deleteRecordsResponse) },
	22: func() response { return new(initProducerIDResponse) },
	23: func() response { return new(offsetForLeaderEpochResponse) },
	24: func() response { return new(addPartitionsToTxnResponse) },
	25: func() response { return new(addOffsetsToTxnResponse) },
	26: func() response { return new(endTxnResponse) },
	27: func() response { return new(writeTxnMarkersResponse) },
	28: func() response { return new(txnOffsetCommitResponse) },
	29: func() response { return new(describeAclsResponse) },
	30: func() response { return new(createAclsResponse) },
	31: func() response { return new(deleteAclsResponse) },
	32: func() response { return new(describeConfigsResponse) },
	33: func() response { return new(alterConfigsResponse) },
	34: func() response { return new(alterReplicaLogDirsResponse) },
	35: func() response { return new(describeLogDirsResponse) },
	36: func() response { return new(saslAuthenticateResponse) },
	37: func() response { return new(createPartitionsResponse) },
	38: func() response { return new(createDelegationTokenResponse) },
	39: func() response { return new(tokenExpiryResponse) },
	40: func() response { return new(tokenExpiryResponse) },
	41: func() response { return new(describeDelegationTokenResponse) },
	42: func() response { return new(deleteGroupsResponse) },
	43: func() response { return new(electLeadersResponse) },
	44: func() response { return new(alterConfigsResponse) },
	45: func() response { return new(alterPartitionReassignmentsResponse) },
	46: func() response { return new(listPartitionReassignmentsResponse) },
	47: func() response { return new(offsetDeleteResponse) },
	48: func() response { return new(describeClientQuotasResponse) },
	49: func() response { return new(alterClientQuotasResponse) },
	50: func() response { return new(describeUserScramCredentialsResponse) },
	51: func() response { return new(alterUserScramCredentialsResponse) },
	55: func() response { return new(describeQuorumResponse) },
	57: func() response { return new(updateFeaturesResponse) },
	60: func() response { return new(describeClusterResponse) },
	61: func() response { return new(describeProducersResponse) },
	64: func() response { return new(unregisterBrokerResponse) },
	65: func() response { return new(describeTransactionsResponse) },
	66: func() response { return new(listTransactionsResponse) },
	68: func() response { return new(consumerGroupHeartbeatResponse) },
	69: func() response { return new(consumerGroupDescribeResponse) },
	74: func() response { return new(listConfigResourcesResponse) },
	75: func() response { return new(describeTopicPartitionsResponse) },
	76: func() response { return new(shareGroupHeartbeatResponse) },
	77: func() response { return new(shareGroupDescribeResponse) },
	78: func() response { return new(shareFetchResponse) },
	79: func() response { return new(shareAcknowledgeResponse) },
	80: func() response { return new(raftVoterResponse) },
	81: func() response { return new(raftVoterResponse) },
	90: func() response { return new(describeShareGroupOffsetsResponse) },
	91: func() response { return new(alterShareGroupOffsetsResponse) },
	92: func() response { return new(deleteShareGroupOffsetsResponse) },
}

// kmsgNames maps Kafka's name of an API to kmsg's, where they differ by
// more than case.
var kmsgNames = map[string]string{"AlterPartitionReassignments": "AlterPartitionAssignments"}

// goldenFile finds the file for an API; kmsg spells a few names
// differently (InitProducerID), so the match ignores case.
func goldenFile(t *testing.T, name string, v int16) string {
	t.Helper()
	if alias, ok := kmsgNames[name]; ok {
		name = alias
	}
	want := strings.ToLower(fmt.Sprintf("%s-v%d.txt", name, v))
	entries, err := os.ReadDir("testdata/golden")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.ToLower(e.Name()) == want {
			return filepath.Join("testdata/golden", e.Name())
		}
	}
	t.Fatalf("no golden file %s: run `go run ./cmd/golden -out ../testdata/golden` in interop/", want)
	return ""
}

// TestGolden checks, for every API and version in the dispatch table, that
// the request kmsg encoded decodes to the values kmsg put in it, both from
// the bare body and from the whole frame with its header, and that the
// response holding kmsg's values encodes to kmsg's bytes. Each file has a
// filled case (every field set to a distinct value) and a zero case (schema
// defaults: nulls, empty arrays).
func TestGolden(t *testing.T) {
	for _, a := range apis {
		if newResponse[a.key] == nil {
			t.Errorf("%s: no entry in newResponse", a.name)
			continue
		}
		for v := a.minVersion; v <= a.maxVersion; v++ {
			t.Run(fmt.Sprintf("%s-v%d", a.name, v), func(t *testing.T) {
				g := readGolden(t, goldenFile(t, a.name, v))
				for _, c := range []string{"", ".zero"} {
					testGoldenRequest(t, a, v, g, c)
					testGoldenResponse(t, a, v, g, c)
				}
			})
		}
	}
}

func testGoldenRequest(t *testing.T, a api, v int16, g golden, c string) {
	t.Helper()
	want := a.newRequest()
	if err := fillFromGolden(want, g.sections["request"+c+".json"]); err != nil {
		t.Fatalf("request%s.json: %v", c, err)
	}
	// kmsg decodes an empty non-nullable array as nil, so only the
	// nullable arrays' null-versus-empty is checked here; the response
	// bytes below check it exactly.
	// The unexported fields of requests are never on the wire: the
	// authorizer's (fetchRequest's denied, metadataRequest's named) and
	// the version the share requests were read at, which bounds their
	// acknowledge types.
	opts := cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(fetchRequest{}, metadataRequest{},
		shareFetchRequest{}, shareAcknowledgeRequest{}, createDelegationTokenRequest{})}
	if a.key == 2 && v < 10 {
		// kmsg defaults TimeoutMs to 30000 where the field is absent;
		// Kafka's schema has no default, so we leave it 0.
		opts = append(opts, cmpopts.IgnoreFields(listOffsetsRequest{}, "TimeoutMs"))
	}

	got := a.newRequest()
	r := newReader(g.sections["request"+c+".hex"], v >= a.flexibleFrom)
	got.decode(r, v)
	if err := r.complete(); err != nil {
		t.Fatalf("request%s: decode: %v", c, err)
	}
	if d := cmp.Diff(want, got, opts); d != "" {
		t.Errorf("request%s decoded (-kmsg +ours):\n%s", c, d)
	}

	frame := g.sections["request.frame"+c+".hex"]
	h, _, fromFrame, err := parseRequest(frame[4:])
	if err != nil {
		t.Fatalf("request.frame%s: %v", c, err)
	}
	wantHeader := &requestHeader{APIKey: a.key, APIVersion: v, CorrelationID: 7, ClientID: ptr("golden-client")}
	if d := cmp.Diff(wantHeader, h, cmp.AllowUnexported(requestHeader{})); d != "" {
		t.Errorf("request.frame%s header (-want +got):\n%s", c, d)
	}
	if d := cmp.Diff(want, fromFrame, opts); d != "" {
		t.Errorf("request.frame%s body (-kmsg +ours):\n%s", c, d)
	}
}

func testGoldenResponse(t *testing.T, a api, v int16, g golden, c string) {
	t.Helper()
	resp := newResponse[a.key]()
	if err := fillFromGolden(resp, g.sections["response"+c+".json"]); err != nil {
		t.Fatalf("response%s.json: %v", c, err)
	}
	w := &writer{flexible: v >= a.flexibleFrom}
	resp.encode(w, v)
	if w.err != nil {
		t.Fatalf("response%s: encode: %v", c, w.err)
	}
	if want := g.sections["response"+c+".hex"]; !bytes.Equal(w.buf, want) {
		t.Errorf("response%s encoded differently from kmsg:\nkmsg: %x\nours: %x", c, want, w.buf)
	}
}

// TestReaderNeverOverallocates feeds the decoders lengths far larger than
// the bytes present: each must fail with a short-buffer or length error
// rather than allocate or panic.
func TestReaderNeverOverallocates(t *testing.T) {
	for _, tc := range []struct {
		name     string
		b        []byte
		flexible bool
		read     func(r *reader)
	}{
		{"classic array of 2^31-1", []byte{0x7f, 0xff, 0xff, 0xff}, false, func(r *reader) { _ = r.Int32s() }},
		{"compact array of 2^32", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, true, func(r *reader) { _ = r.Int32s() }},
		{"bytes of 1 GiB", []byte{0x40, 0, 0, 0, 1, 2}, false, func(r *reader) { _ = r.Bytes() }},
		{"string of 32767", []byte{0x7f, 0xff, 'a'}, false, func(r *reader) { _ = r.String() }},
		{"length below -1", []byte{0xff, 0xff, 0xff, 0xfe}, false, func(r *reader) { _ = r.Bytes() }},
		{"varint of 11 bytes", bytes.Repeat([]byte{0x80}, 11), true, func(r *reader) { _ = r.Uvarint() }},
		{"tag bigger than frame", []byte{1, 0, 0x7f}, true, func(r *reader) { r.SkipTags() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r *reader
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 100 {
				r = newReader(tc.b, tc.flexible)
				tc.read(r)
			}
			runtime.ReadMemStats(&after)
			if r.err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(r.err, errShortBuffer) && !errors.Is(r.err, errBadLength) && !errors.Is(r.err, errVarintTooLong) {
				t.Errorf("unexpected error %v", r.err)
			}
			// The error message allocates a little; an allocation sized by
			// the claimed length would be megabytes.
			if perRead := (after.TotalAlloc - before.TotalAlloc) / 100; perRead > 1024 {
				t.Errorf("%d bytes allocated per read", perRead)
			}
		})
	}
}

// FuzzParseRequest feeds arbitrary frames to the request decoder, seeded
// with every golden frame. Whatever the bytes, it must return an error or
// a request, never panic, and never read past the frame.
func FuzzParseRequest(f *testing.F) {
	addGoldenRequestSeeds(f)
	f.Fuzz(func(t *testing.T, frame []byte) {
		h, a, req, err := parseRequest(frame)
		if err == nil && (h == nil || a == nil || req == nil) {
			t.Fatalf("no error and no request for %x", frame)
		}
	})
}

// FuzzSplitBatches checks the record-batch header parser on arbitrary
// produce payloads: an error or batches that exactly tile the input.
func FuzzSplitBatches(f *testing.F) {
	f.Add(makeBatch(testRecord{1, "v"}))
	f.Add(append(makeBatch(testRecord{1, "a"}), makeBatch(testRecord{2, "b"})...))
	f.Fuzz(func(t *testing.T, records []byte) {
		hs, err := splitBatches(records)
		if err != nil {
			return
		}
		n := 0
		for _, h := range hs {
			n += h.Size()
		}
		if n != len(records) {
			t.Fatalf("batches cover %d of %d bytes", n, len(records))
		}
	})
}

// FuzzHandlers runs every request that decodes through its handler on a
// live broker and encodes the response: no input from the network may
// panic a handler or produce a response the version cannot express.
// Requests are seeded from the golden frames. CreateTopics and
// CreatePartitions are left out: their seeds ask for 100,001 partitions,
// which is legal and would fill the disk, not find bugs.
func FuzzHandlers(f *testing.F) {
	addGoldenRequestSeeds(f)
	b, err := Open(Config{DataDir: f.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), GroupInitialRebalanceDelay: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.logs.Close() })
	local, remote := net.Pipe()
	f.Cleanup(func() { local.Close(); remote.Close() })
	c := &conn{Conn: local, broker: b}

	f.Fuzz(func(t *testing.T, frame []byte) {
		h, a, req, err := parseRequest(frame)
		if err != nil || a.key == 19 || a.key == 37 {
			return
		}
		// Joins and long polls wait for other members or for data; the
		// deadline stands in for a client that goes away.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		resp := a.serve(b, ctx, &requestContext{conn: c, header: h}, req)
		checkResponseEncodes(t, a, h.APIVersion, resp)
	})
}

// addGoldenRequestSeeds seeds f with the request frames of the golden
// files (both the filled and the zero one of each), without their size.
func addGoldenRequestSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/golden/*.txt")
	for _, p := range paths {
		g := readGolden(f, p)
		for _, c := range []string{"", ".zero"} {
			if frame := g.sections["request.frame"+c+".hex"]; len(frame) > 4 {
				f.Add(frame[4:])
			}
		}
	}
}

// checkResponseEncodes fails t unless resp, if any, the answer to a
// request of a at version v, encodes at that version.
func checkResponseEncodes(t *testing.T, a *api, v int16, resp response) {
	t.Helper()
	if resp == nil {
		return
	}
	w := &writer{flexible: v >= a.flexibleFrom}
	resp.encode(w, v)
	if w.err != nil {
		t.Fatalf("%s v%d: encoding the response: %v", a.name, v, w.err)
	}
}

// TestStringsDecodedAsJava: a string's bytes that are not UTF-8 are read
// as Kafka's Java decoder reads them, a U+FFFD for each maximal subpart.
func TestStringsDecodedAsJava(t *testing.T) {
	for in, want := range map[string]string{
		"plain":            "plain",
		"caf\xc3\xa9":      "caf\u00e9",
		"u\xff":            "u\ufffd",
		"\xe2\x82a":        "\ufffda",                  // a 3-byte sequence cut short
		"\xf0\x9f\x98":     "\ufffd",                   // a 4-byte one cut short
		"\xed\xa0\x80":     "\ufffd\ufffd\ufffd",       // a surrogate
		"\xc0\xaf":         "\ufffd\ufffd",             // an overlong '/'
		"\xf4\x90\x80\x80": "\ufffd\ufffd\ufffd\ufffd", // past U+10FFFF
		"\xef\xbf\xbd":     "\ufffd",                   // U+FFFD itself
	} {
		w := &writer{}
		w.String(in)
		if got := newReader(w.buf, false).String(); got != want {
			t.Errorf("%q read as %q, want %q", in, got, want)
		}
	}
}

// TestNamesNotUTF8SurviveARestart: two group names that differ only in
// bytes that are not UTF-8 are one group, as they are to Kafka, so the
// group configs file holds it once and the strict reader of the next
// start (decodeStoredJSON) loads it. Read byte for byte, they were two
// groups saved under one name, and the start refused the file.
func TestNamesNotUTF8SurviveARestart(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	for _, name := range []string{"g\xff", "g\xfe"} {
		if code, msg := c.incrementalAlterConfigs(resourceGroup, name, false, configOp{"consumer.session.timeout.ms", opSet, ptr("50000")}); code != codeNone {
			t.Fatalf("IncrementalAlterConfigs group %q: code %d %s", name, code, deref(msg))
		}
	}
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if got := c.groupValues("g\ufffd")["consumer.session.timeout.ms"]; got != "50000 (group)" {
		t.Errorf("group g\\ufffd after the restart: consumer.session.timeout.ms %q", got)
	}
}

// TestUnencodableAnswerIsRefused: a group id of 40,000 bytes, which a
// ConsumerGroupHeartbeat may create, cannot be written in ListGroups v2,
// whose strings have an int16 length. That request is answered with its
// refusal, UNKNOWN_SERVER_ERROR and no groups, as Kafka answers a
// response that fails to serialize (KafkaApis.handle's handleError), and
// the connection goes on serving; it was closed, so that one client's
// group id cut every old client off from ListGroups.
func TestUnencodableAnswerIsRefused(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	long := strings.Repeat("g", 40000)
	if code, _, err := c.consumerHeartbeatCode(long); err != nil || code != codeNone {
		t.Fatalf("ConsumerGroupHeartbeat of a 40,000-byte group id: %d, %v", code, err)
	}
	c.send(16, 2, false, func(w *writer) {})
	r, err := c.recv(false)
	if err != nil {
		t.Fatalf("ListGroups v2: %v", err)
	}
	r.Int32() // throttle
	code, n := r.Int16(), r.ArrayLen()
	if r.err != nil || code != codeUnknownServerError || n != 0 {
		t.Errorf("ListGroups v2: code %d, %d groups, %v; want UNKNOWN_SERVER_ERROR and none", code, n, r.err)
	}
	if got := c.listGroups(nil, nil); !strings.Contains(got, long) {
		t.Errorf("ListGroups v5 on the same connection: %.100s", got)
	}
}

// TestREADMEAPITable checks that README.md's table of APIs lists exactly
// what ApiVersions advertises, in the same order and with the same
// versions.
func TestREADMEAPITable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "| API | versions |\n|---|---|\n")
	if !ok {
		t.Fatal("README.md has no API table")
	}
	var got []string
	for line := range strings.Lines(table) {
		if !strings.HasPrefix(line, "| ") {
			break
		}
		got = append(got, strings.TrimSpace(line))
	}
	var want []string
	for _, a := range apis {
		versions := fmt.Sprintf("%d-%d", a.minVersion, a.maxVersion)
		if a.minVersion == a.maxVersion {
			versions = fmt.Sprint(a.minVersion)
		}
		want = append(want, fmt.Sprintf("| %s | %s |", a.name, versions))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README.md's API table differs from the apis table (-apis +README):\n%s", diff)
	}
}
