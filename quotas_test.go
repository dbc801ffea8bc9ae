// Tests of client quotas (quotas.go): what AlterClientQuotas accepts,
// what DescribeClientQuotas finds, that quotas survive a restart, which
// quota applies to a connection, the rate arithmetic, and the throttles and
// muted connections that enforce them.
package kafka

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func entity(kv ...string) []quotaEntityData {
	var out []quotaEntityData
	for i := 0; i < len(kv); i += 2 {
		d := quotaEntityData{EntityType: kv[i]}
		if kv[i+1] != "<default>" {
			d.EntityName = ptr(kv[i+1])
		}
		out = append(out, d)
	}
	return out
}

func alterQuota(t *testing.T, b *Broker, e []quotaEntityData, ops ...quotaOp) alterQuotaResult {
	t.Helper()
	resp := serve(t, b, 49, 1, &alterClientQuotasRequest{Entries: []alterQuotaEntry{{Entity: e, Ops: ops}}}).(*alterClientQuotasResponse)
	return resp.Entries[0]
}

func TestAlterClientQuotasValidation(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	for _, tc := range []struct {
		name   string
		entity []quotaEntityData
		ops    []quotaOp
		code   int16
		msg    string
	}{
		{"user and client", entity("user", "alice", "client-id", "app"), []quotaOp{{producerByteRate, 1024, false}}, codeNone, ""},
		{"default client", entity("client-id", "<default>"), []quotaOp{{requestPercentage, 12.5, false}}, codeNone, ""},
		{"ip", entity("ip", "10.0.0.1"), []quotaOp{{connectionCreationRate, 5, false}}, codeNone, ""},
		{"remove a key never set", entity("user", "bob"), []quotaOp{{consumerByteRate, 0, true}}, codeNone, ""},
		{"empty entity", nil, []quotaOp{{producerByteRate, 1, false}}, codeInvalidRequest, "Invalid empty client quota entity"},
		{"unknown entity type", entity("group", "g"), nil, codeInvalidRequest, "Unhandled client quota entity type: group"},
		{"empty name", entity("user", ""), nil, codeInvalidRequest, "Empty user not supported"},
		{"ip with user", entity("ip", "10.0.0.1", "user", "alice"), nil, codeInvalidRequest, "IP entity should"},
		{"unknown key", entity("user", "alice"), []quotaOp{{"bytes_per_fortnight", 1, false}}, codeInvalidRequest, "Invalid configuration key bytes_per_fortnight"},
		{"key of another entity", entity("user", "alice"), []quotaOp{{connectionCreationRate, 1, false}}, codeInvalidRequest, "Invalid configuration key"},
		{"zero", entity("user", "alice"), []quotaOp{{producerByteRate, 0, false}}, codeInvalidRequest, "must be greater than 0"},
		{"fraction of a byte", entity("user", "alice"), []quotaOp{{producerByteRate, 1.5, false}}, codeInvalidRequest, "fractional"},
		{"duplicate key", entity("user", "alice"), []quotaOp{{producerByteRate, 1, false}, {producerByteRate, 2, false}}, codeInvalidRequest, "Ignoring duplicate entity ClientQuotaEntity(entries={user=alice})"},
	} {
		got := alterQuota(t, b.Broker, tc.entity, tc.ops...)
		if got.ErrorCode != tc.code || !strings.Contains(deref(got.ErrorMessage), tc.msg) || (tc.code == codeNone) != (got.ErrorMessage == nil) {
			t.Errorf("%s: error %d %q, want %d containing %q", tc.name, got.ErrorCode, deref(got.ErrorMessage), tc.code, tc.msg)
		}
	}
	// A failed op changes nothing of its entity, and ValidateOnly nothing
	// at all.
	serve(t, b.Broker, 49, 1, &alterClientQuotasRequest{ValidateOnly: true, Entries: []alterQuotaEntry{{Entity: entity("user", "carol"), Ops: []quotaOp{{producerByteRate, 5, false}}}}})
	desc := serve(t, b.Broker, 48, 1, &describeClientQuotasRequest{Components: []quotaFilterComponent{{EntityType: "user", MatchType: matchExact, Match: ptr("carol")}}}).(*describeClientQuotasResponse)
	if len(desc.Entries) != 0 {
		t.Errorf("ValidateOnly stored %+v", desc.Entries)
	}
}

func TestDescribeClientQuotasFilters(t *testing.T) {
	b := startBroker(t, t.TempDir())
	set := func(e []quotaEntityData, key string, v float64) {
		if r := alterQuota(t, b.Broker, e, quotaOp{Key: key, Value: v}); r.ErrorCode != codeNone {
			t.Fatalf("alter %v: %d %s", e, r.ErrorCode, deref(r.ErrorMessage))
		}
	}
	set(entity("user", "alice"), producerByteRate, 100)
	set(entity("user", "alice", "client-id", "app"), consumerByteRate, 200)
	set(entity("user", "<default>"), producerByteRate, 300)
	set(entity("client-id", "app"), requestPercentage, 40)

	describe := func(strict bool, cs ...quotaFilterComponent) []string {
		t.Helper()
		resp := serve(t, b.Broker, 48, 1, &describeClientQuotasRequest{Components: cs, Strict: strict}).(*describeClientQuotasResponse)
		if resp.ErrorCode != codeNone {
			t.Fatalf("describe %+v: %d %s", cs, resp.ErrorCode, deref(resp.ErrorMessage))
		}
		var out []string
		for _, e := range resp.Entries {
			var parts []string
			for _, d := range e.Entity {
				name := "<default>"
				if d.EntityName != nil {
					name = *d.EntityName
				}
				parts = append(parts, d.EntityType+"="+name)
			}
			out = append(out, strings.Join(parts, ","))
		}
		return out
	}
	exact := func(typ, name string) quotaFilterComponent {
		return quotaFilterComponent{EntityType: typ, MatchType: matchExact, Match: ptr(name)}
	}
	for _, tc := range []struct {
		name   string
		strict bool
		filter []quotaFilterComponent
		want   []string
	}{
		{"user alice", false, []quotaFilterComponent{exact("user", "alice")}, []string{"user=alice", "user=alice,client-id=app"}},
		{"user alice, strict", true, []quotaFilterComponent{exact("user", "alice")}, []string{"user=alice"}},
		{"default user", false, []quotaFilterComponent{{EntityType: "user", MatchType: matchDefault}}, []string{"user=<default>"}},
		{"any user", true, []quotaFilterComponent{{EntityType: "user", MatchType: matchSpecified}}, []string{"user=<default>", "user=alice"}},
		{"client app", false, []quotaFilterComponent{exact("client-id", "app")}, []string{"client-id=app", "user=alice,client-id=app"}},
		{"everything", false, nil, []string{"client-id=app", "user=<default>", "user=alice", "user=alice,client-id=app"}},
	} {
		if diff := cmp.Diff(tc.want, describe(tc.strict, tc.filter...)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	for _, tc := range []struct {
		filter []quotaFilterComponent
		code   int16
	}{
		{[]quotaFilterComponent{{EntityType: "user", MatchType: matchExact}}, codeInvalidRequest},
		{[]quotaFilterComponent{{EntityType: "user", MatchType: matchDefault, Match: ptr("x")}}, codeInvalidRequest},
		{[]quotaFilterComponent{exact("user", "a"), exact("user", "b")}, codeInvalidRequest},
		{[]quotaFilterComponent{exact("topic", "a")}, codeUnsupportedVersion},
		{[]quotaFilterComponent{exact("ip", "1.2.3.4"), exact("user", "a")}, codeInvalidRequest},
		{[]quotaFilterComponent{{EntityType: "user", MatchType: 7}}, codeInvalidRequest},
	} {
		resp := serve(t, b.Broker, 48, 0, &describeClientQuotasRequest{Components: tc.filter}).(*describeClientQuotasResponse)
		if resp.ErrorCode != tc.code || resp.Entries != nil || resp.ErrorMessage == nil {
			t.Errorf("filter %+v: error %d, entries %v; want %d and null entries", tc.filter, resp.ErrorCode, resp.Entries, tc.code)
		}
	}

	// The quotas are in the data dir: a restart finds them.
	b.stop()
	again := startBroker(t, b.cfg.DataDir)
	resp := serve(t, again.Broker, 48, 1, &describeClientQuotasRequest{Components: []quotaFilterComponent{exact("user", "alice")}, Strict: true}).(*describeClientQuotasResponse)
	want := []describedQuotaEntry{{Entity: entity("user", "alice"), Values: []quotaValue{{producerByteRate, 100}}}}
	if diff := cmp.Diff(want, resp.Entries); diff != "" {
		t.Errorf("after a restart (-want +got):\n%s", diff)
	}
	// Removing the last key removes the entity.
	alterQuota(t, again.Broker, entity("user", "alice"), quotaOp{Key: producerByteRate, Remove: true})
	resp = serve(t, again.Broker, 48, 1, &describeClientQuotasRequest{Components: []quotaFilterComponent{exact("user", "alice")}, Strict: true}).(*describeClientQuotasResponse)
	if len(resp.Entries) != 0 {
		t.Errorf("after removal: %+v", resp.Entries)
	}
}

// TestQuotaMatchOrder checks DefaultQuotaCallback's order: each quota,
// from the most specific down, wins over the ones below it once set, and
// the rate it is counted in is shared as Kafka shares it.
func TestQuotaMatchOrder(t *testing.T) {
	q, err := openClientQuotas(t.TempDir(), 11, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		entity []quotaEntityData
		want   rateKey
	}{
		{entity("client-id", "<default>"), rateKey{producerByteRate, "", "app"}},
		{entity("client-id", "app"), rateKey{producerByteRate, "", "app"}},
		{entity("user", "<default>"), rateKey{producerByteRate, "ANONYMOUS", ""}},
		{entity("user", "<default>", "client-id", "<default>"), rateKey{producerByteRate, "ANONYMOUS", "app"}},
		{entity("user", "<default>", "client-id", "app"), rateKey{producerByteRate, "ANONYMOUS", "app"}},
		{entity("user", "ANONYMOUS"), rateKey{producerByteRate, "ANONYMOUS", ""}},
		{entity("user", "ANONYMOUS", "client-id", "<default>"), rateKey{producerByteRate, "ANONYMOUS", "app"}},
		{entity("user", "ANONYMOUS", "client-id", "app"), rateKey{producerByteRate, "ANONYMOUS", "app"}},
	}
	for i, s := range steps {
		if code, msg := q.alter(s.entity, []quotaOp{{Key: producerByteRate, Value: float64(i + 1)}}, false); code != codeNone {
			t.Fatalf("alter: %s", msg)
		}
		limit, rk, ok := q.limit(producerByteRate, anonymousUser, "app")
		if !ok || limit != float64(i+1) || rk != s.want {
			t.Errorf("after setting %v: quota %v %+v, want %d %+v", s.entity, limit, rk, i+1, s.want)
		}
		if _, _, ok := q.limit(consumerByteRate, anonymousUser, "app"); ok {
			t.Errorf("a producer quota applies to consumer bytes")
		}
	}
}

// TestRateThrottle checks the arithmetic against Kafka's: a rate is
// measured over at least samples-1 windows, and the throttle is the time
// that brings it back to the quota.
func TestRateThrottle(t *testing.T) {
	r := &rate{samples: 11, window: time.Second}
	t0 := time.Unix(1000, 0)
	// 20,000 bytes at once: 2,000 B/s over the 10 s minimum.
	got, over := r.record(20000, t0)
	if got != 2000 || over != 10*time.Second {
		t.Fatalf("rate %v over %v, want 2000 over 10s", got, over)
	}
	// A quota of 1,000 B/s: (2000-1000)/1000 * 10s.
	q, _ := openClientQuotas(t.TempDir(), 11, time.Second)
	q.alter(entity("client-id", "app"), []quotaOp{{Key: producerByteRate, Value: 1000}}, false)
	if th := q.record(producerByteRate, anonymousUser, "app", 20000, t0, true); th != 10*time.Second {
		t.Errorf("throttle %v, want 10s", th)
	}
	// Fifteen seconds later the old sample has expired: 5,000 bytes are
	// 500 B/s, under the quota.
	if th := q.record(producerByteRate, anonymousUser, "app", 5000, t0.Add(15*time.Second), true); th != 0 {
		t.Errorf("throttle %v after the window passed, want 0", th)
	}
	if th := q.record(producerByteRate, anonymousUser, "other", 1e9, t0, true); th != 0 {
		t.Errorf("a client id without a quota throttled %v", th)
	}
}

// TestIdleRatesExpire: under a default client-id quota every client id
// gets a rate of its own; one that records nothing for an hour is
// dropped, as Kafka expires an idle quota sensor, and one still in use
// is kept with its window.
func TestIdleRatesExpire(t *testing.T) {
	q, _ := openClientQuotas(t.TempDir(), 11, time.Second)
	q.alter(entity("client-id", "<default>"), []quotaOp{{Key: producerByteRate, Value: 1000}}, false)
	t0 := time.Unix(1000, 0)
	for i := range 100 {
		q.record(producerByteRate, anonymousUser, fmt.Sprint("run-", i), 10, t0, true)
	}
	busy := "busy"
	for m := 0; m <= 61; m++ {
		q.record(producerByteRate, anonymousUser, busy, 10, t0.Add(time.Duration(m)*time.Minute), true)
	}
	if n := len(q.rates); n != 101 {
		t.Fatalf("%d rates before any expired, want 101", n)
	}
	q.record(producerByteRate, anonymousUser, "newcomer", 10, t0.Add(61*time.Minute+time.Second), true)
	if n := len(q.rates); n != 2 {
		t.Errorf("%d rates after an hour, want 2 (the busy client and the newcomer)", n)
	}
	// The busy client's rate kept its samples: a burst now is measured
	// with them, so it is throttled as before.
	if th := q.record(producerByteRate, anonymousUser, busy, 20000, t0.Add(61*time.Minute+2*time.Second), true); th == 0 {
		t.Error("the busy client's rate was reset")
	}
}

// produceThrottle sends a Produce v9 and returns the partition's error and
// the throttle time.
func (c *testClient) produceThrottle(topic string, records []byte) (int16, int32) {
	c.t.Helper()
	r := c.roundTrip(0, 9, true, produceBody(topic, 0, records))
	p := readProducePartition(r, 9)
	r.SkipTags()
	r.SkipTags()
	throttle := r.Int32()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return p.ErrorCode, throttle
}

// TestProduceThrottledAndMuted: a producer over its producer_byte_rate
// still has its records stored, is told how long to wait, and cannot be
// heard from until then.
func TestProduceThrottledAndMuted(t *testing.T) {
	b := startBrokerWith(t, Config{DataDir: t.TempDir(), QuotaWindowNum: 2, QuotaWindowSize: 200 * time.Millisecond})
	c := dial(t, b.addr)
	c.createTopic("q", 1)
	if r := alterQuota(t, b.Broker, entity("client-id", "test-client"), quotaOp{Key: producerByteRate, Value: 2000}); r.ErrorCode != codeNone {
		t.Fatal(deref(r.ErrorMessage))
	}
	batch := makeBatch(testRecord{1, strings.Repeat("x", 2000)})
	code, throttle := c.produceThrottle("q", batch)
	// About 2,100 bytes over a 0.2s minimum window: 10,500 B/s, so about
	// (10500-2000)/2000 * 200ms = 850ms.
	if code != codeNone || throttle < 500 || throttle > 1200 {
		t.Fatalf("error %d, throttle %dms; want stored and about 850ms", code, throttle)
	}
	if _, hw, _ := c.fetch("q", 0, 0, 0, 0); hw != 1 {
		t.Errorf("high watermark %d: the throttled batch was not stored", hw)
	}
	// The fetch above was sent at once but answered only after the mute:
	// time a request sent now, which waits out whatever is left.
	start := time.Now()
	c.fetch("q", 0, 0, 0, 0)
	if elapsed := time.Since(start); elapsed > time.Duration(throttle)*time.Millisecond {
		t.Errorf("second request took %v, more than the %dms throttle", elapsed, throttle)
	}
}

// TestProduceMuteDelaysNextRequest measures the mute itself.
func TestProduceMuteDelaysNextRequest(t *testing.T) {
	b := startBrokerWith(t, Config{DataDir: t.TempDir(), QuotaWindowNum: 2, QuotaWindowSize: 200 * time.Millisecond})
	c := dial(t, b.addr)
	c.createTopic("q", 1)
	alterQuota(t, b.Broker, entity("client-id", "<default>"), quotaOp{Key: producerByteRate, Value: 2000})
	_, throttle := c.produceThrottle("q", makeBatch(testRecord{1, strings.Repeat("x", 2000)}))
	if throttle <= 0 {
		t.Fatal("not throttled")
	}
	start := time.Now()
	c.fetch("q", 0, 0, 0, 0)
	// Generous: the mute began when the answer was written, a moment
	// before the clock above started.
	if elapsed := time.Since(start); elapsed < time.Duration(throttle)*time.Millisecond/2 {
		t.Errorf("next request answered after %v; the connection should be muted for about %dms", elapsed, throttle)
	}
}

// TestFetchThrottledEmpty: a consumer over its consumer_byte_rate gets an
// empty answer with a throttle time, and then the records once it waits.
func TestFetchThrottledEmpty(t *testing.T) {
	b := startBrokerWith(t, Config{DataDir: t.TempDir(), QuotaWindowNum: 2, QuotaWindowSize: 200 * time.Millisecond})
	c := dial(t, b.addr)
	c.createTopic("q", 1)
	for i := range 5 {
		c.produce("q", 0, makeBatch(testRecord{int64(i), strings.Repeat("y", 500)}))
	}
	alterQuota(t, b.Broker, entity("user", "<default>"), quotaOp{Key: consumerByteRate, Value: 5000})
	throttled := false
	var got int
	for i := 0; i < 10 && !throttled; i++ {
		r := c.roundTrip(1, 12, true, fetchBody("q", 0, 0, 0, 0))
		ms := r.Int32()
		r.Int16()
		r.Int32()
		topics := r.ArrayLen()
		if ms > 0 {
			throttled = true
			if topics != 0 {
				t.Errorf("throttled fetch answered with %d topics, want none", topics)
			}
		} else {
			got++
		}
	}
	if !throttled || got == 0 {
		t.Errorf("%d fetches answered before a throttle (throttled: %v)", got, throttled)
	}
}

// TestRequestPercentageThrottle: a client allowed a sliver of a request
// thread's time is throttled, by at most one window.
func TestRequestPercentageThrottle(t *testing.T) {
	window := 200 * time.Millisecond
	b := startBrokerWith(t, Config{DataDir: t.TempDir(), QuotaWindowNum: 2, QuotaWindowSize: window})
	c := dial(t, b.addr)
	c.createTopic("q", 4)
	alterQuota(t, b.Broker, entity("client-id", "test-client"), quotaOp{Key: requestPercentage, Value: 0.001})
	for range 20 {
		r := c.roundTrip(3, 3, false, func(w *writer) { w.ArrayLen(-1) }) // Metadata v3, all topics
		ms := r.Int32()
		if ms > 0 {
			if ms > int32(window/time.Millisecond) {
				t.Errorf("throttle %dms, more than one window", ms)
			}
			return
		}
	}
	t.Error("20 requests at 0.001% of a thread were never throttled")
}

// An IP quota set on a host name was checked to resolve when it was set;
// the start does not look it up again. A resolver down or slow at the
// start, or a name since dropped from DNS, would otherwise stop the
// broker with the advice for a damaged file: restore it or move it away,
// losing every quota in it. Kafka's ClientQuotaControlManager checks
// isValidIpEntity on alter only, not when it replays a stored quota.
func TestQuotaOnHostNameLoadsWithoutResolving(t *testing.T) {
	dir := t.TempDir()
	name := "quota-host.invalid" // RFC 2606: never resolves
	file := `[{"entity":[{"type":"ip","name":"` + name + `"}],"values":{"` + connectionCreationRate + `":10}}]` + "\n"
	if err := os.WriteFile(filepath.Join(dir, clientQuotasFile), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	q, err := openClientQuotas(dir, 11, time.Second)
	if err != nil {
		t.Fatalf("openClientQuotas: %v", err)
	}
	if got := q.entries[quotaEntity{ip: quotaName{present: true, name: name}}]; got[connectionCreationRate] != 10 {
		t.Errorf("the quota on %s is %v, want %s 10", name, got, connectionCreationRate)
	}
	if code, _ := q.alter([]quotaEntityData{{EntityType: quotaIP, EntityName: &name}}, []quotaOp{{connectionCreationRate, 5, false}}, true); code != codeInvalidRequest {
		t.Errorf("alter of a name that does not resolve: code %d, want %d", code, codeInvalidRequest)
	}
}
