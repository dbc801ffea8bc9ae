// Tests of group configs (groupconfigs.go): DescribeConfigs,
// IncrementalAlterConfigs and AlterConfigs on GROUP resources over the
// wire, across a restart, and the consumer coordinator obeying them.

package kafka

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// groupValues describes a group's configs: name -> value and source.
func (c *testClient) groupValues(group string) map[string]string {
	c.t.Helper()
	res := c.describeConfigs(4, resourceGroup, group, nil, false, false)
	if res.ErrorCode != codeNone {
		c.t.Fatalf("DescribeConfigs group %q: code %d", group, res.ErrorCode)
	}
	got := map[string]string{}
	for _, e := range res.Configs {
		got[e.Name] = deref(e.Value)
		if e.ConfigSource == sourceGroup {
			got[e.Name] += " (group)"
		}
	}
	return got
}

func TestGroupConfigs(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)

	// A group that never existed is described with the broker's values, as
	// Kafka's ConfigHelper does: the entry is its own only synonym.
	res := c.describeConfigs(4, resourceGroup, "g", []string{"consumer.session.timeout.ms"}, true, true)
	want := describeConfigsResult{ResourceType: resourceGroup, ResourceName: "g", Configs: []describeConfigsResourceResult{
		{Name: "consumer.session.timeout.ms", Value: ptr("45000"), ConfigSource: sourceDefault, ConfigType: configTypeInt,
			Synonyms:      []describeConfigsSynonym{{Name: "consumer.session.timeout.ms", Value: ptr("45000"), Source: sourceDefault}},
			Documentation: ptr(lookupConfig(groupConfigDefs, "consumer.session.timeout.ms").doc)},
	}}
	if d := cmp.Diff(want, res); d != "" {
		t.Errorf("describe (-want +got):\n%s", d)
	}
	defaults := map[string]string{
		"consumer.heartbeat.interval.ms": "5000", "consumer.session.timeout.ms": "45000",
		"share.auto.offset.reset": "latest", "share.heartbeat.interval.ms": "5000",
		"share.isolation.level":         "read_uncommitted",
		"share.record.lock.duration.ms": "30000", "share.session.timeout.ms": "45000",
	}
	if d := cmp.Diff(defaults, c.groupValues("g")); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}

	set := func(name, value string) configOp { return configOp{name, opSet, ptr(value)} }
	if code, msg := c.incrementalAlterConfigs(resourceGroup, "g", false, set("consumer.session.timeout.ms", "50000"), set("consumer.heartbeat.interval.ms", "6000")); code != codeNone {
		t.Fatalf("IncrementalAlterConfigs: %d %s", code, deref(msg))
	}
	for _, tc := range []struct {
		name string
		ops  []configOp
		code int16
		msg  string
	}{
		{"above the max", []configOp{set("consumer.session.timeout.ms", "60001")}, codeInvalidConfig, "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms"},
		{"below the min", []configOp{set("consumer.heartbeat.interval.ms", "4999")}, codeInvalidConfig, "consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms"},
		{"lock too short", []configOp{set("share.record.lock.duration.ms", "999")}, codeInvalidConfig, "Value must be at least 1000"},
		{"not a number", []configOp{set("consumer.session.timeout.ms", "soon")}, codeInvalidConfig, "Invalid value soon"},
		{"unknown", []configOp{set("session.timeout.ms", "50000")}, codeInvalidConfig, "Unknown group config name: session.timeout.ms"},
		{"append", []configOp{{"share.auto.offset.reset", opAppend, ptr("earliest")}}, codeInvalidConfig, "because its type is not LIST"},
		{"bad reset", []configOp{set("share.auto.offset.reset", "none")}, codeInvalidConfig, "must be either 'earliest', 'latest' or of the format 'by_duration"},
	} {
		code, msg := c.incrementalAlterConfigs(resourceGroup, "g", false, tc.ops...)
		if code != tc.code || !strings.Contains(deref(msg), tc.msg) {
			t.Errorf("%s: code %d %q, want %d containing %q", tc.name, code, deref(msg), tc.code, tc.msg)
		}
	}
	if code, _ := c.incrementalAlterConfigs(resourceGroup, "", false, set("consumer.session.timeout.ms", "50000")); code != codeInvalidRequest {
		t.Errorf("empty group name: code %d, want INVALID_REQUEST", code)
	}
	if res := c.describeConfigs(4, resourceGroup, "", nil, false, false); res.ErrorCode != codeInvalidRequest {
		t.Errorf("describe empty group name: code %d, want INVALID_REQUEST", res.ErrorCode)
	}
	// The session timeout must stay above the heartbeat interval.
	if code, msg := c.incrementalAlterConfigs(resourceGroup, "g", false, set("consumer.heartbeat.interval.ms", "15000"), set("consumer.session.timeout.ms", "45000")); code != codeNone {
		t.Errorf("15s/45s: %d %s", code, deref(msg))
	}
	if code, msg := c.incrementalAlterConfigs(resourceGroup, "h", false, set("share.heartbeat.interval.ms", "15000"), set("share.session.timeout.ms", "15000")); code != codeInvalidConfig {
		t.Errorf("share session = heartbeat: code %d %s, want INVALID_CONFIG", code, deref(msg))
	}
	if code, _ := c.incrementalAlterConfigs(resourceGroup, "g", true, set("consumer.heartbeat.interval.ms", "7000")); code != codeNone {
		t.Errorf("validate only: code %d", code)
	}
	wantG := map[string]string{
		"consumer.heartbeat.interval.ms": "15000 (group)", "consumer.session.timeout.ms": "45000 (group)",
		"share.auto.offset.reset": "latest", "share.heartbeat.interval.ms": "5000",
		"share.isolation.level":         "read_uncommitted",
		"share.record.lock.duration.ms": "30000", "share.session.timeout.ms": "45000",
	}
	if d := cmp.Diff(wantG, c.groupValues("g")); d != "" {
		t.Errorf("after the changes (-want +got):\n%s", d)
	}

	// Durable: the same after a restart. Then AlterConfigs replaces the
	// whole set, and DELETE goes back to the default.
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if d := cmp.Diff(wantG, c.groupValues("g")); d != "" {
		t.Errorf("after a restart (-want +got):\n%s", d)
	}
	if code, msg := c.alterConfigs(resourceGroup, "g", map[string]*string{"share.auto.offset.reset": ptr("earliest")}, false); code != codeNone {
		t.Fatalf("AlterConfigs: %d %s", code, deref(msg))
	}
	wantA := maps2(defaults, map[string]string{"share.auto.offset.reset": "earliest (group)"})
	if d := cmp.Diff(wantA, c.groupValues("g")); d != "" {
		t.Errorf("after AlterConfigs (-want +got):\n%s", d)
	}
	if code, _ := c.incrementalAlterConfigs(resourceGroup, "g", false, configOp{"share.auto.offset.reset", opDelete, nil}); code != codeNone {
		t.Errorf("DELETE: code %d", code)
	}
	if d := cmp.Diff(defaults, c.groupValues("g")); d != "" {
		t.Errorf("after DELETE (-want +got):\n%s", d)
	}
}

// maps2 is a with b's entries laid over it.
func maps2(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestConsumerGroupUsesGroupConfigs checks that the KIP-848 coordinator
// takes a group's session timeout and heartbeat interval over the
// broker's: members are told the group's interval, and a silent member
// expires after the group's session timeout, not the broker's minute.
func TestConsumerGroupUsesGroupConfigs(t *testing.T) {
	b := consumerBroker(t, Config{
		ConsumerSessionTimeout: time.Minute, ConsumerMinSessionTimeout: time.Millisecond,
		ConsumerMinHeartbeatInterval: time.Millisecond,
	}, "t", 2)
	code, msg := b.alterGroupConfigs("g", false, func(cur map[string]string) (map[string]string, *configError) {
		return applyOps(groupConfigDefs, "group", cur, []configOp{
			{consumerSessionTimeoutConfig, opSet, ptr("80")}, {consumerHeartbeatIntervalConfig, opSet, ptr("20")},
		}, b.groupDefault)
	})
	if code != codeNone {
		t.Fatalf("alter: %d %s", code, deref(msg))
	}
	a, m := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "b", "t")
	if hb := a.heartbeat().HeartbeatIntervalMs; hb != 20 {
		t.Errorf("HeartbeatIntervalMs %d, want the group's 20", hb)
	}
	m.heartbeat()
	if hb := newConsumerTester(t, b, "other", "c", "t").heartbeat().HeartbeatIntervalMs; hb != 5000 {
		t.Errorf("another group: HeartbeatIntervalMs %d, want the broker's 5000", hb)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(describeConsumerGroup(t, b, "g").Members) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("b was not expired after the group's session timeout")
		}
		a.heartbeat()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestShareRecordLockDurationBounds: group.share.min.record.lock.duration.ms
// and group.share.max.record.lock.duration.ms bound the lock duration a
// share group may set, in Kafka's ranges, as ShareGroupConfig does. A test
// cluster set up as librdkafka's is (minimum 1000) lets a group hold its
// records for three seconds; the default minimum, 15 s, refuses that.
func TestShareRecordLockDurationBounds(t *testing.T) {
	set := func(name, value string) configOp { return configOp{name, opSet, ptr(value)} }
	c := dial(t, startBroker(t, t.TempDir()).addr)
	code, msg := c.incrementalAlterConfigs(resourceGroup, "g", false, set("share.record.lock.duration.ms", "3000"))
	if want := "share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms"; code != codeInvalidConfig || !strings.Contains(deref(msg), want) {
		t.Errorf("3000 ms under the default bounds: code %d %q, want INVALID_CONFIG %q", code, deref(msg), want)
	}

	cfg := Config{DataDir: t.TempDir()}
	for _, kv := range [][2]string{{"group.share.min.record.lock.duration.ms", "1000"}, {"group.share.max.record.lock.duration.ms", "120000"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	c = dial(t, startBrokerWith(t, cfg).addr)
	for _, v := range []string{"3000", "120000"} {
		if code, msg := c.incrementalAlterConfigs(resourceGroup, "g", false, set("share.record.lock.duration.ms", v)); code != codeNone {
			t.Errorf("%s ms with the bounds 1000..120000: code %d %q", v, code, deref(msg))
		}
	}
	if code, _ := c.incrementalAlterConfigs(resourceGroup, "g", false, set("share.record.lock.duration.ms", "120001")); code != codeInvalidConfig {
		t.Errorf("above the max: code %d, want INVALID_CONFIG", code)
	}

	// Kafka's ranges, and the broker's own lock duration inside its bounds.
	for _, kvs := range [][][2]string{
		{{"group.share.min.record.lock.duration.ms", "999"}},
		{{"group.share.min.record.lock.duration.ms", "30001"}},
		{{"group.share.max.record.lock.duration.ms", "29999"}},
		{{"group.share.max.record.lock.duration.ms", "3600001"}},
	} {
		var c Config
		if err := c.Set(kvs[0][0], kvs[0][1]); err == nil {
			t.Errorf("Set(%s, %s) accepted, want it out of range", kvs[0][0], kvs[0][1])
		}
	}
	for _, tc := range []struct {
		kvs  [][2]string
		want string
	}{
		{[][2]string{{"group.share.min.record.lock.duration.ms", "20000"}, {"group.share.record.lock.duration.ms", "10000"}},
			"group.share.record.lock.duration.ms must be greater than or equal to group.share.min.record.lock.duration.ms"},
		{[][2]string{{"group.share.max.record.lock.duration.ms", "40000"}, {"group.share.record.lock.duration.ms", "50000"}},
			"group.share.max.record.lock.duration.ms must be greater than or equal to group.share.record.lock.duration.ms"},
	} {
		var cfg Config
		for _, kv := range tc.kvs {
			if err := cfg.Set(kv[0], kv[1]); err != nil {
				t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
			}
		}
		// What Open checks before it opens anything.
		full := cfg.withDefaults()
		if err := full.checkGroupSettings(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("settings %v: %v, want %q", tc.kvs, err, tc.want)
		}
	}
}
