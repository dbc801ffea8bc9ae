// Tests of topic configs: the checks and operations of topicconfigs.go on
// their own, then CreateTopics, DescribeConfigs, AlterConfigs and
// IncrementalAlterConfigs over the wire, across a restart.

package kafka

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// createTopicWithConfigs creates a one-replica topic with CreateTopics v7
// (createTopicsRaw, in adminparity_test.go, writes it) and returns the
// error code and the configs the response lists.
func (c *testClient) createTopicWithConfigs(name string, partitions int32, configs map[string]*string) (int16, []creatableTopicConfigs) {
	c.t.Helper()
	topic := creatableTopic{Name: name, NumPartitions: partitions, ReplicationFactor: 1}
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		topic.Configs = append(topic.Configs, creatableTopicConfig{Name: k, Value: configs[k]})
	}
	res := c.createTopicsRaw([]creatableTopic{topic}, false)
	if len(res) != 1 {
		c.t.Fatalf("CreateTopics %s: %d results", name, len(res))
	}
	return res[0].ErrorCode, res[0].Configs
}

// describeConfigs asks DescribeConfigs at version v about one resource.
func (c *testClient) describeConfigs(v int16, typ int8, name string, keys []string, synonyms, docs bool) describeConfigsResult {
	c.t.Helper()
	r := c.roundTrip(32, v, v >= 4, func(w *writer) {
		w.ArrayLen(1)
		w.Int8(typ)
		w.String(name)
		if keys == nil {
			w.ArrayLen(-1)
		} else {
			w.Strings(keys)
		}
		w.Tags()
		if v >= 1 {
			w.Bool(synonyms)
		}
		if v >= 3 {
			w.Bool(docs)
		}
		w.Tags()
	})
	r.Int32() // throttle
	results := readArray(r, func(r *reader) (res describeConfigsResult) {
		res.ErrorCode, res.ErrorMessage, res.ResourceType, res.ResourceName = r.Int16(), r.NullableString(), r.Int8(), r.String()
		res.Configs = readArray(r, func(r *reader) (e describeConfigsResourceResult) {
			e.Name, e.Value, e.ReadOnly = r.String(), r.NullableString(), r.Bool()
			if v == 0 {
				e.IsDefault = r.Bool()
			} else {
				e.ConfigSource = r.Int8()
			}
			e.IsSensitive = r.Bool()
			if v >= 1 {
				e.Synonyms = readArray(r, func(r *reader) (s describeConfigsSynonym) {
					s.Name, s.Value, s.Source = r.String(), r.NullableString(), r.Int8()
					r.SkipTags()
					return s
				})
			}
			if v >= 3 {
				e.ConfigType, e.Documentation = r.Int8(), r.NullableString()
			}
			r.SkipTags()
			return e
		})
		r.SkipTags()
		return res
	})
	r.SkipTags()
	if err := r.complete(); err != nil || len(results) != 1 {
		c.t.Fatalf("DescribeConfigs v%d: %d results, %v", v, len(results), err)
	}
	return results[0]
}

// topicValues describes a topic's configs and returns name -> value for
// the ones set on the topic, and the error code.
func (c *testClient) topicValues(topic string) (map[string]string, int16) {
	c.t.Helper()
	res := c.describeConfigs(4, resourceTopic, topic, nil, false, false)
	set := map[string]string{}
	for _, e := range res.Configs {
		if e.ConfigSource == sourceTopic {
			set[e.Name] = deref(e.Value)
		}
	}
	return set, res.ErrorCode
}

// alterConfigs sends AlterConfigs v2 for one resource.
func (c *testClient) alterConfigs(typ int8, name string, configs map[string]*string, validateOnly bool) (int16, *string) {
	c.t.Helper()
	r := c.roundTrip(33, 2, true, func(w *writer) {
		w.ArrayLen(1)
		w.Int8(typ)
		w.String(name)
		keys := slices.Sorted(maps.Keys(configs))
		w.ArrayLen(len(keys))
		for _, k := range keys {
			w.String(k)
			w.NullableString(configs[k])
			w.Tags()
		}
		w.Tags()
		w.Bool(validateOnly)
		w.Tags()
	})
	return readAlterConfigsResponse(c.t, r)
}

// incrementalAlterConfigs sends IncrementalAlterConfigs v1 for one
// resource.
func (c *testClient) incrementalAlterConfigs(typ int8, name string, validateOnly bool, ops ...configOp) (int16, *string) {
	c.t.Helper()
	r := c.roundTrip(44, 1, true, func(w *writer) {
		w.ArrayLen(1)
		w.Int8(typ)
		w.String(name)
		w.ArrayLen(len(ops))
		for _, o := range ops {
			w.String(o.name)
			w.Int8(o.op)
			w.NullableString(o.value)
			w.Tags()
		}
		w.Tags()
		w.Bool(validateOnly)
		w.Tags()
	})
	return readAlterConfigsResponse(c.t, r)
}

func readAlterConfigsResponse(t *testing.T, r *reader) (int16, *string) {
	t.Helper()
	r.Int32() // throttle
	r.ArrayLen()
	code, msg := r.Int16(), r.NullableString()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return code, msg
}

// TestDescribeConfigsRepeatedResource: a resource named twice in one
// DescribeConfigs is refused, every copy, INVALID_REQUEST "Each resource
// must appear at most once.", as Kafka refuses it in AlterConfigs and
// IncrementalAlterConfigs; the others are described. Kafka describes
// every copy, so that 100,000 copies of a topic in a 1 MB request made a
// 546 MB answer and took 2.7 GB to build; no client repeats a resource.
func TestDescribeConfigsRepeatedResource(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	b.logs.CreateTopic("u", 1)
	req := &describeConfigsRequest{IncludeDocumentation: true, Resources: []describeConfigsResource{
		{ResourceType: resourceTopic, ResourceName: "t"},
		{ResourceType: resourceTopic, ResourceName: "u"},
		{ResourceType: resourceTopic, ResourceName: "t", ConfigurationKeys: []string{"retention.ms"}},
	}}
	resp := serve(t, b.Broker, 32, 4, req).(*describeConfigsResponse)
	if len(resp.Results) != 3 {
		t.Fatalf("%d results, want 3", len(resp.Results))
	}
	for _, i := range []int{0, 2} {
		if r := resp.Results[i]; r.ErrorCode != codeInvalidRequest || deref(r.ErrorMessage) != "Each resource must appear at most once." || len(r.Configs) != 0 || r.ResourceName != "t" {
			t.Errorf("result %d: %d %q, %d configs", i, r.ErrorCode, deref(r.ErrorMessage), len(r.Configs))
		}
	}
	if r := resp.Results[1]; r.ErrorCode != codeNone || r.ResourceName != "u" || len(r.Configs) == 0 {
		t.Errorf("u: %d %q, %d configs", r.ErrorCode, deref(r.ErrorMessage), len(r.Configs))
	}
	req.Resources = slices.Repeat(req.Resources[:1], 10000)
	w := &writer{flexible: true}
	serve(t, b.Broker, 32, 4, req).encode(w, 4)
	if len(w.buf) > 100*len(req.Resources) {
		t.Errorf("%d copies of one topic answered in %d bytes", len(req.Resources), len(w.buf))
	}
}

func TestCheckTopicConfig(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
		ok                bool
	}{
		{"retention.ms", "3600000", "3600000", true},
		{"retention.ms", " 42 ", "42", true},
		{"retention.ms", "-1", "-1", true},
		{"retention.ms", "-2", "", false},
		{"retention.ms", "1h", "", false},
		{"retention.bytes", "-1", "-1", true},
		{"retention.bytes", "1073741824", "1073741824", true},
		{"retention.bytes", "9223372036854775808", "", false},
		{"segment.bytes", "14", "14", true},
		{"segment.bytes", "13", "", false},
		{"segment.bytes", "2147483648", "", false},
		{"cleanup.policy", "delete", "delete", true},
		{"cleanup.policy", "compact, delete,compact", "compact,delete", true},
		{"cleanup.policy", "", "", true}, // Kafka's ValidList passes an empty list
		{"cleanup.policy", " ", "", true},
		{"cleanup.policy", "delete,,compact", "", false},
		{"cleanup.policy", "remove", "", false},
		{"min.insync.replicas", "2", "2", true},
		{"min.insync.replicas", "0", "", false},
		{"max.message.bytes", "1000", "1000", true},
		{"max.message.bytes", "-1", "", false},
		{"segment.ms", "1000", "1000", true},
		{"segment.ms", "0", "", false},
		{"segment.jitter.ms", "0", "0", true},
		{"delete.retention.ms", "-1", "", false},
		{"min.cleanable.dirty.ratio", "0.25", "0.25", true},
		{"min.cleanable.dirty.ratio", "1.5", "", false},
		{"message.timestamp.type", "LogAppendTime", "LogAppendTime", true},
		{"message.timestamp.type", "logappendtime", "", false}, // ValidString is case-sensitive
		{"compression.type", "gzip", "gzip", true},
		{"compression.type", "producer", "producer", true},
		{"compression.type", "uncompressed", "uncompressed", true},
		{"compression.type", "snappy", "snappy", true}, // codecs.go
		{"compression.type", "lz4", "lz4", true},
		{"compression.type", "zstd", "zstd", true},
		{"compression.type", "brotli", "", false},
		{"compression.gzip.level", "-1", "-1", true},
		{"compression.gzip.level", "9", "9", true},
		{"compression.gzip.level", "0", "", false},
		{"compression.lz4.level", "18", "", false},
		{"compression.zstd.level", "-131072", "-131072", true},
		{"preallocate", "TRUE", "true", true},
		{"preallocate", "yes", "", false},
		{"remote.storage.enable", "false", "false", true},
		{"remote.storage.enable", "true", "", false}, // no tiered storage here
		{"leader.replication.throttled.replicas", "0:1, 1:1", "0:1,1:1", true},
		{"leader.replication.throttled.replicas", "*", "*", true},
		{"leader.replication.throttled.replicas", "0-1", "", false},
		{"local.retention.ms", "-2", "-2", true},
		{"local.retention.ms", "-3", "", false},
		{"max.compaction.lag.ms", "0", "", false},
		{"message.timestamp.before.max.ms", "3600000", "3600000", true},
		{"message.timestamp.after.max.ms", "-1", "", false},
		{"flush.messages", "0", "", false},
		{"message.format.version", "3.0", "", false},               // removed in Kafka 4.0
		{"message.timestamp.difference.max.ms", "1000", "", false}, // removed in Kafka 4.0
		{"message.downconversion.enable", "true", "", false},       // removed in Kafka 4.0
		{"segment.msec", "1000", "", false},
	} {
		got, err := checkTopicConfig(tc.name, tc.value)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("checkTopicConfig(%s, %q) = %q, %v; want %q, ok %v", tc.name, tc.value, got, err, tc.want, tc.ok)
		}
		if err != nil && err.code != codeInvalidConfig {
			t.Errorf("checkTopicConfig(%s, %q): code %d, want INVALID_CONFIG", tc.name, tc.value, err.code)
		}
	}
}

func TestApplyConfigOps(t *testing.T) {
	defaults := func(name string) string {
		return map[string]string{"cleanup.policy": "delete", "retention.ms": "604800000"}[name]
	}
	cur := topicConfig{"retention.ms": "1000", "segment.bytes": "2000"}
	for _, tc := range []struct {
		name string
		ops  []configOp
		want topicConfig
		code int16
	}{
		{"set and delete", []configOp{{"retention.bytes", opSet, ptr("5")}, {"retention.ms", opDelete, nil}},
			topicConfig{"retention.bytes": "5", "segment.bytes": "2000"}, codeNone},
		{"append to the default", []configOp{{"cleanup.policy", opAppend, ptr("compact")}},
			topicConfig{"retention.ms": "1000", "segment.bytes": "2000", "cleanup.policy": "delete,compact"}, codeNone},
		{"append what is there", []configOp{{"cleanup.policy", opAppend, ptr("delete")}},
			topicConfig{"retention.ms": "1000", "segment.bytes": "2000", "cleanup.policy": "delete"}, codeNone},
		{"subtract everything", []configOp{{"cleanup.policy", opSubtract, ptr("delete")}},
			topicConfig{"retention.ms": "1000", "segment.bytes": "2000", "cleanup.policy": ""}, codeNone},
		{"append to a long", []configOp{{"retention.ms", opAppend, ptr("5")}}, nil, codeInvalidConfig},
		{"subtract from an int", []configOp{{"segment.bytes", opSubtract, ptr("5")}}, nil, codeInvalidConfig},
		{"unknown name", []configOp{{"flush.msec", opSet, ptr("5")}}, nil, codeInvalidConfig},
		{"compaction lags crossed", []configOp{{"min.compaction.lag.ms", opSet, ptr("10")}, {"max.compaction.lag.ms", opSet, ptr("5")}}, nil, codeInvalidConfig},
		{"bad value", []configOp{{"retention.ms", opSet, ptr("soon")}}, nil, codeInvalidConfig},
		{"set null", []configOp{{"retention.ms", opSet, nil}}, nil, codeInvalidRequest},
		{"twice", []configOp{{"retention.ms", opSet, ptr("5")}, {"retention.ms", opDelete, nil}}, nil, codeInvalidRequest},
		{"unknown operation", []configOp{{"retention.ms", 9, ptr("5")}}, nil, codeInvalidRequest},
	} {
		got, err := applyConfigOps(cur, tc.ops, defaults)
		code := codeNone
		if err != nil {
			code = err.code
		}
		if code != tc.code || !maps.Equal(got, tc.want) {
			t.Errorf("%s: got %v, code %d (%v); want %v, code %d", tc.name, got, code, err, tc.want, tc.code)
		}
	}
	if cur["retention.ms"] != "1000" || len(cur) != 2 {
		t.Errorf("applyConfigOps changed its input: %v", cur)
	}
}

// TestEmptyCleanupPolicy checks that a topic whose cleanup.policy is the
// empty list, as a SUBTRACT of its every item leaves it, is neither
// compacted nor trimmed by retention, as Kafka's LogConfig reads it: its
// delete and compact flags are whether the list contains them.
func TestEmptyCleanupPolicy(t *testing.T) {
	c := topicConfig{"cleanup.policy": "", "retention.ms": "1"}
	if c.compacted() || c.deletes() || c.retention() != keepAll {
		t.Errorf("empty cleanup.policy: compacted %v, deletes %v, retention %v; want false, false, keepAll",
			c.compacted(), c.deletes(), c.retention())
	}
}

func TestTopicConfigFile(t *testing.T) {
	for _, c := range []topicConfig{
		{"retention.ms": "1000", "cleanup.policy": "compact,delete"},
		{"cleanup.policy": ""},
	} {
		got, err := parseTopicConfigFile(c.encode())
		if err != nil || !maps.Equal(got, c) {
			t.Errorf("round trip: %v, %v; want %v", got, err, c)
		}
	}
	for _, bad := range []string{"retention.ms\n", "retention.ms=forever\n", "flush.msec=1\n"} {
		if _, err := parseTopicConfigFile([]byte(bad)); err == nil {
			t.Errorf("parseTopicConfigFile(%q) accepted it", bad)
		}
	}
}

// TestTopicConfigCommentAfterHeader flips one bit of topic.config where
// the line still parsed: 'c' to '#' makes "cleanup.policy=compact" a
// comment, which was skipped, and the topic went on the delete policy,
// its retention deleting what compaction keeps, with no word of it. A
// comment after encode's header is a line that does not check: an error,
// which the open logs and which pauses retention.
func TestTopicConfigCommentAfterHeader(t *testing.T) {
	good := topicConfig{"cleanup.policy": "compact", "retention.ms": "1000"}.encode()
	damaged := bytes.Replace(good, []byte("\ncleanup"), []byte("\n#leanup"), 1)
	if bytes.Equal(damaged, good) {
		t.Fatalf("no cleanup.policy line in\n%s", good)
	}
	got, err := parseTopicConfigFile(damaged)
	if err == nil {
		t.Errorf("parseTopicConfigFile(%q) = %v, no error", damaged, got)
	}
	if want := (topicConfig{"retention.ms": "1000"}); !maps.Equal(got, want) {
		t.Errorf("kept %v, want %v", got, want)
	}
}

// TestCreateTopicConfigs checks that CreateTopics keeps good configs,
// reports every config in its response, and creates nothing when one is
// bad.
func TestCreateTopicConfigs(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	code, cfgs := c.createTopicWithConfigs("kept", 1, map[string]*string{
		"retention.ms":   ptr("3600000"),
		"cleanup.policy": ptr("compact,delete"),
	})
	if code != codeNone {
		t.Fatalf("CreateTopics: code %d", code)
	}
	// Every config of Kafka 4.0's LogConfig, with Kafka's defaults.
	want := []creatableTopicConfigs{
		{Name: "cleanup.policy", Value: ptr("compact,delete"), ConfigSource: sourceTopic},
		{Name: "compression.gzip.level", Value: ptr("-1"), ConfigSource: sourceDefault},
		{Name: "compression.lz4.level", Value: ptr("9"), ConfigSource: sourceDefault},
		{Name: "compression.type", Value: ptr("producer"), ConfigSource: sourceDefault},
		{Name: "compression.zstd.level", Value: ptr("3"), ConfigSource: sourceDefault},
		{Name: "delete.retention.ms", Value: ptr("86400000"), ConfigSource: sourceDefault},
		{Name: "file.delete.delay.ms", Value: ptr("60000"), ConfigSource: sourceDefault},
		{Name: "flush.messages", Value: ptr("9223372036854775807"), ConfigSource: sourceDefault},
		{Name: "flush.ms", Value: ptr("9223372036854775807"), ConfigSource: sourceDefault},
		{Name: "follower.replication.throttled.replicas", Value: ptr(""), ConfigSource: sourceDefault},
		{Name: "index.interval.bytes", Value: ptr("4096"), ConfigSource: sourceDefault},
		{Name: "leader.replication.throttled.replicas", Value: ptr(""), ConfigSource: sourceDefault},
		{Name: "local.retention.bytes", Value: ptr("-2"), ConfigSource: sourceDefault},
		{Name: "local.retention.ms", Value: ptr("-2"), ConfigSource: sourceDefault},
		{Name: "max.compaction.lag.ms", Value: ptr("9223372036854775807"), ConfigSource: sourceDefault},
		{Name: "max.message.bytes", Value: ptr("1048588"), ConfigSource: sourceDefault},
		{Name: "message.timestamp.after.max.ms", Value: ptr("3600000"), ConfigSource: sourceDefault},
		{Name: "message.timestamp.before.max.ms", Value: ptr("9223372036854775807"), ConfigSource: sourceDefault},
		{Name: "message.timestamp.type", Value: ptr("CreateTime"), ConfigSource: sourceDefault},
		{Name: "min.cleanable.dirty.ratio", Value: ptr("0.5"), ConfigSource: sourceDefault},
		{Name: "min.compaction.lag.ms", Value: ptr("0"), ConfigSource: sourceDefault},
		{Name: "min.insync.replicas", Value: ptr("1"), ConfigSource: sourceDefault},
		{Name: "preallocate", Value: ptr("false"), ConfigSource: sourceDefault},
		{Name: "remote.log.copy.disable", Value: ptr("false"), ConfigSource: sourceDefault},
		{Name: "remote.log.delete.on.disable", Value: ptr("false"), ConfigSource: sourceDefault},
		{Name: "remote.storage.enable", Value: ptr("false"), ConfigSource: sourceDefault},
		{Name: "retention.bytes", Value: ptr("-1"), ConfigSource: sourceDefault},
		{Name: "retention.ms", Value: ptr("3600000"), ConfigSource: sourceTopic},
		{Name: "segment.bytes", Value: ptr("1073741824"), ConfigSource: sourceDefault},
		{Name: "segment.index.bytes", Value: ptr("10485760"), ConfigSource: sourceDefault},
		{Name: "segment.jitter.ms", Value: ptr("0"), ConfigSource: sourceDefault},
		{Name: "segment.ms", Value: ptr("604800000"), ConfigSource: sourceDefault},
		{Name: "unclean.leader.election.enable", Value: ptr("false"), ConfigSource: sourceDefault},
	}
	if d := cmp.Diff(want, cfgs); d != "" {
		t.Errorf("CreateTopics configs (-want +got):\n%s", d)
	}
	if got, _ := c.topicValues("kept"); !maps.Equal(got, map[string]string{"retention.ms": "3600000", "cleanup.policy": "compact,delete"}) {
		t.Errorf("described %v", got)
	}

	for name, cfg := range map[string]map[string]*string{
		"unknown-name":   {"segment.msec": ptr("1000")},
		"removed-name":   {"message.format.version": ptr("3.0")},
		"lags-crossed":   {"min.compaction.lag.ms": ptr("10"), "max.compaction.lag.ms": ptr("5")},
		"bad-long":       {"retention.ms": ptr("a week")},
		"below-minimum":  {"segment.bytes": ptr("10")},
		"null-value":     {"retention.bytes": nil},
		"blank-item":     {"cleanup.policy": ptr("delete,,compact")},
		"one-bad-of-two": {"retention.ms": ptr("1"), "retention.bytes": ptr("x")},
	} {
		if code, _ := c.createTopicWithConfigs(name, 1, cfg); code != codeInvalidConfig {
			t.Errorf("%s: code %d, want INVALID_CONFIG", name, code)
		}
		if tb.logs.Topic(name) != nil {
			t.Errorf("%s: created despite the bad config", name)
		}
	}
}

// TestDescribeConfigs checks the entries, sources and synonyms of a
// topic's and the broker's configs, at v0, v1 and v4.
func TestDescribeConfigs(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), SegmentBytes: 1 << 20})
	c := dial(t, tb.addr)
	c.createTopicWithConfigs("d", 1, map[string]*string{"retention.ms": ptr("1000")})

	res := c.describeConfigs(4, resourceTopic, "d", []string{"retention.ms", "segment.bytes", "no.such.config"}, true, true)
	want := describeConfigsResult{ResourceType: resourceTopic, ResourceName: "d", Configs: []describeConfigsResourceResult{
		{Name: "retention.ms", Value: ptr("1000"), ConfigSource: sourceTopic, ConfigType: configTypeLong,
			Synonyms: []describeConfigsSynonym{
				// No log.retention.ms: it has no default, and Kafka
				// lists only broker synonyms that have a value.
				{Name: "retention.ms", Value: ptr("1000"), Source: sourceTopic},
			},
			Documentation: ptr(lookupTopicConfig("retention.ms").doc)},
		{Name: "segment.bytes", Value: ptr("1048576"), ConfigSource: sourceStaticBroker, ConfigType: configTypeInt,
			Synonyms: []describeConfigsSynonym{{Name: "log.segment.bytes", Value: ptr("1048576"), Source: sourceStaticBroker},
				{Name: "log.segment.bytes", Value: ptr("1073741824"), Source: sourceDefault}},
			Documentation: ptr(lookupTopicConfig("segment.bytes").doc)},
	}}
	if d := cmp.Diff(want, res); d != "" {
		t.Errorf("v4 with synonyms and documentation (-want +got):\n%s", d)
	}

	// v1 without synonyms: empty lists. v0: IsDefault instead of a source.
	res = c.describeConfigs(1, resourceTopic, "d", []string{"retention.bytes"}, false, false)
	if len(res.Configs) != 1 || res.Configs[0].ConfigSource != sourceDefault || len(res.Configs[0].Synonyms) != 0 {
		t.Errorf("v1: %+v", res.Configs)
	}
	res = c.describeConfigs(0, resourceTopic, "d", nil, false, false)
	isDefault := map[string]bool{}
	for _, e := range res.Configs {
		isDefault[e.Name] = e.IsDefault
	}
	wantDefault := map[string]bool{}
	for _, d := range topicConfigDefs {
		wantDefault[d.name] = d.name != "retention.ms" && d.name != "segment.bytes"
	}
	if d := cmp.Diff(wantDefault, isDefault); d != "" {
		t.Errorf("v0 IsDefault (-want +got):\n%s", d)
	}

	if res := c.describeConfigs(4, resourceTopic, "missing", nil, false, false); res.ErrorCode != codeUnknownTopicOrPartition {
		t.Errorf("unknown topic: code %d", res.ErrorCode)
	}
	for _, name := range []string{"0"} {
		res := c.describeConfigs(4, resourceBroker, name, []string{"log.segment.bytes", "log.retention.ms"}, false, false)
		if res.ErrorCode != codeNone || len(res.Configs) != 2 {
			t.Fatalf("broker %q: code %d, %d configs", name, res.ErrorCode, len(res.Configs))
		}
		for _, e := range res.Configs {
			if e.ReadOnly {
				t.Errorf("broker config %s is read-only, but it is dynamic (brokerconfigs.go)", e.Name)
			}
		}
		if e := res.Configs[1]; e.Name != "log.segment.bytes" || deref(e.Value) != "1048576" || e.ConfigSource != sourceStaticBroker {
			t.Errorf("broker log.segment.bytes: %+v", e)
		}
	}
	if res := c.describeConfigs(4, resourceBroker, "7", nil, false, false); res.ErrorCode != codeInvalidRequest {
		t.Errorf("another broker's id: code %d", res.ErrorCode)
	}
	if res := c.describeConfigs(4, 8, "kafka", nil, false, false); res.ErrorCode != codeInvalidRequest {
		t.Errorf("broker logger resource: code %d", res.ErrorCode)
	}
}

// TestAlterConfigs runs both alter APIs against a topic and checks the
// results by describing it, after a restart too, and that segment.bytes
// takes effect at once.
func TestAlterConfigs(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	c.createTopicWithConfigs("a", 1, map[string]*string{"retention.ms": ptr("1000")})
	expect := func(when string, want map[string]string) {
		t.Helper()
		if got, code := c.topicValues("a"); code != codeNone || !maps.Equal(got, want) {
			t.Errorf("%s: configs %v (code %d), want %v", when, got, code, want)
		}
	}

	if code, msg := c.incrementalAlterConfigs(resourceTopic, "a", false,
		configOp{"retention.bytes", opSet, ptr("1000000")},
		configOp{"cleanup.policy", opAppend, ptr("compact")},
	); code != codeNone {
		t.Fatalf("IncrementalAlterConfigs: code %d %s", code, deref(msg))
	}
	expect("after SET and APPEND", map[string]string{"retention.ms": "1000", "retention.bytes": "1000000", "cleanup.policy": "delete,compact"})

	for _, tc := range []struct {
		name string
		ops  []configOp
		code int16
	}{
		{"append to a long", []configOp{{"retention.ms", opAppend, ptr("1")}}, codeInvalidConfig},
		{"subtract from a long", []configOp{{"retention.bytes", opSubtract, ptr("1")}}, codeInvalidConfig},
		{"bad value", []configOp{{"segment.bytes", opSet, ptr("-5")}}, codeInvalidConfig},
		{"unknown config", []configOp{{"flush.messagez", opSet, ptr("1")}}, codeInvalidConfig},
		{"a good and a bad one", []configOp{{"retention.ms", opDelete, nil}, {"segment.bytes", opSet, ptr("x")}}, codeInvalidConfig},
		{"the same config twice", []configOp{{"retention.ms", opDelete, nil}, {"retention.ms", opSet, ptr("5")}}, codeInvalidRequest},
	} {
		if code, _ := c.incrementalAlterConfigs(resourceTopic, "a", false, tc.ops...); code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.code)
		}
	}
	if code, _ := c.incrementalAlterConfigs(resourceTopic, "a", true, configOp{"retention.ms", opDelete, nil}); code != codeNone {
		t.Errorf("validate only: code %d", code)
	}
	expect("after refused and validate-only changes", map[string]string{"retention.ms": "1000", "retention.bytes": "1000000", "cleanup.policy": "delete,compact"})

	if code, _ := c.incrementalAlterConfigs(resourceTopic, "nope", false, configOp{"retention.ms", opDelete, nil}); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown topic: code %d", code)
	}
	if code, _ := c.incrementalAlterConfigs(resourceBroker, "0", false, configOp{"num.partitions", opSet, ptr("1")}); code != codeInvalidRequest {
		t.Errorf("broker resource, a config that is not dynamic: code %d", code)
	}

	// AlterConfigs replaces everything: what is not named goes back to
	// the default.
	if code, msg := c.alterConfigs(resourceTopic, "a", map[string]*string{"segment.bytes": oneBigBatchPerSegment()}, false); code != codeNone {
		t.Fatalf("AlterConfigs: code %d %s", code, deref(msg))
	}
	expect("after AlterConfigs", map[string]string{"segment.bytes": *oneBigBatchPerSegment()})
	if code, _ := c.alterConfigs(resourceTopic, "a", map[string]*string{"retention.ms": nil}, false); code != codeInvalidRequest {
		t.Errorf("AlterConfigs with a null: code %d, want INVALID_REQUEST", code)
	}
	if code, _ := c.alterConfigs(resourceTopic, "a", map[string]*string{"retention.ms": ptr("x")}, false); code != codeInvalidConfig {
		t.Errorf("AlterConfigs with a bad value: code %d, want INVALID_CONFIG", code)
	}
	if code, _ := c.alterConfigs(resourceTopic, "a", map[string]*string{}, true); code != codeNone {
		t.Errorf("AlterConfigs validate only: code %d", code)
	}
	expect("after refused AlterConfigs", map[string]string{"segment.bytes": *oneBigBatchPerSegment()})

	// The new segment.bytes applies to the next append: one batch a segment.
	for i := range 3 {
		c.produce("a", 0, bigBatch(int64(i)))
	}
	if got := segmentFiles(t, dir+"/a-0", logSuffix); len(got) != 3 {
		t.Errorf("segments after altering segment.bytes: %v, want 3", got)
	}

	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	expect("after a restart", map[string]string{"segment.bytes": *oneBigBatchPerSegment()})
	c.produce("a", 0, bigBatch(4))
	if got := segmentFiles(t, dir+"/a-0", logSuffix); len(got) != 4 {
		t.Errorf("segments after a restart and an append: %v, want 4", got)
	}
}

// TestOffsetsTopicIsCompacted checks that __consumer_offsets is never
// expired by retention: it is created with cleanup.policy=compact, and a
// data dir whose offsets topic predates topic configs gets the policy at
// its next open.
func TestOffsetsTopicIsCompacted(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	if got, _ := c.topicValues(offsetsTopic); got[cleanupPolicyConfig] != "compact" {
		t.Errorf("new %s: configs %v, want cleanup.policy=compact", offsetsTopic, got)
	}
	tb.stop()

	if err := os.Remove(filepath.Join(dir, offsetsTopic+"-0", topicConfigFile)); err != nil {
		t.Fatal(err)
	}
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if got, _ := c.topicValues(offsetsTopic); got[cleanupPolicyConfig] != "compact" {
		t.Errorf("old %s: configs %v, want cleanup.policy=compact", offsetsTopic, got)
	}
	if r := tb.logs.Topic(offsetsTopic).Configs.retention(); r != keepAll {
		t.Errorf("retention of %s = %+v, want keepAll", offsetsTopic, r)
	}
}

// TestEnforcedTopicConfigs checks the two configs that act on Produce:
// max.message.bytes refuses a larger batch with MESSAGE_TOO_LARGE, and
// min.insync.replicas above 1 refuses acks=all, the one replica not being
// enough, while acks=1 still goes through.
func TestEnforcedTopicConfigs(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("small", 1, map[string]*string{"max.message.bytes": ptr("200")}); code != codeNone {
		t.Fatalf("create small: code %d", code)
	}
	if code, _ := c.produce("small", 0, makeBatch(testRecord{1, strings.Repeat("x", 300)})); code != codeMessageTooLarge {
		t.Errorf("300-byte record to max.message.bytes=200: code %d, want MESSAGE_TOO_LARGE", code)
	}
	if code, _ := c.produce("small", 0, makeBatch(testRecord{1, "fits"})); code != codeNone {
		t.Errorf("small record: code %d", code)
	}

	if code, _ := c.createTopicWithConfigs("isr", 1, map[string]*string{"min.insync.replicas": ptr("2")}); code != codeNone {
		t.Fatalf("create isr: code %d", code)
	}
	if code, _ := c.produce("isr", 0, makeBatch(testRecord{1, "v"})); code != codeNotEnoughReplicas {
		t.Errorf("acks=all with min.insync.replicas=2: code %d, want NOT_ENOUGH_REPLICAS", code)
	}
	if _, hw, _ := c.fetch("isr", 0, 0, 0, 0); hw != 0 {
		t.Errorf("high watermark %d after a refused produce, want 0", hw)
	}
}

// TestPartitionLimit checks that a topic of more than maxPartitionsPerTopic
// partitions is refused, at creation and when it grows, before anything is
// made on disk.
func TestPartitionLimit(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("huge", maxPartitionsPerTopic+1, nil); code != codeInvalidPartitions {
		t.Errorf("create with %d partitions: code %d, want INVALID_PARTITIONS", maxPartitionsPerTopic+1, code)
	}
	if tb.logs.Topic("huge") != nil {
		t.Error("the topic was created")
	}
	c.createTopic("grows", 1)
	code, _ := tb.createPartitions(createPartitionsTopic{Name: "grows", Count: maxPartitionsPerTopic + 1}, false)
	if code != codeInvalidPartitions || len(tb.logs.Topic("grows").Partitions) != 1 {
		t.Errorf("grow past the limit: code %d, %d partitions", code, len(tb.logs.Topic("grows").Partitions))
	}
}

// TestTopicNameCollision checks Kafka's rule that two topic names may not
// differ only in '.' versus '_', at CreateTopics and at auto-creation.
func TestTopicNameCollision(t *testing.T) {
	tb, c := startWithTopic(t, "orders.eu", 1)
	if code, _ := c.createTopicWithConfigs("orders_eu", 1, nil); code != codeInvalidTopicException {
		t.Errorf("CreateTopics orders_eu next to orders.eu: code %d, want INVALID_TOPIC_EXCEPTION", code)
	}
	// Kafka's broker answers auto-creation before its controller refuses
	// the name, so the answer is UNKNOWN_TOPIC_OR_PARTITION, now and on
	// every later ask (handlers.go, metadataTopic).
	topic := tb.metadataTopic(metadataRequestTopic{Name: ptr("orders_eu")}, true)
	if topic.ErrorCode != codeUnknownTopicOrPartition || tb.logs.Topic("orders_eu") != nil {
		t.Errorf("auto-creating orders_eu: code %d; want UNKNOWN_TOPIC_OR_PARTITION and no topic", topic.ErrorCode)
	}
	c.createTopic("orders-eu", 1) // '-' is not part of the rule
}

// TestDescribeTopicConfigSynonyms checks the broker synonyms DescribeConfigs
// lists as Kafka's ConfigHelper does: the broker config when it has a
// value (log.flush.interval.messages=1 under -fsync always, a static
// broker config), none when its primary name has no default
// (log.roll.ms), and none for the configs without a server default.
func TestDescribeTopicConfigSynonyms(t *testing.T) {
	_, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), Fsync: "always"}, "s", 1)
	res := c.describeConfigs(4, resourceTopic, "s", []string{"flush.messages", "segment.ms", "remote.storage.enable", "delete.retention.ms", "min.cleanable.dirty.ratio"}, true, false)
	want := []describeConfigsResourceResult{
		{Name: "delete.retention.ms", Value: ptr("86400000"), ConfigSource: sourceDefault, ConfigType: configTypeLong,
			Synonyms: []describeConfigsSynonym{{Name: "log.cleaner.delete.retention.ms", Value: ptr("86400000"), Source: sourceDefault}}},
		{Name: "flush.messages", Value: ptr("1"), ConfigSource: sourceStaticBroker, ConfigType: configTypeLong,
			Synonyms: []describeConfigsSynonym{{Name: "log.flush.interval.messages", Value: ptr("1"), Source: sourceStaticBroker}}},
		{Name: "min.cleanable.dirty.ratio", Value: ptr("0.5"), ConfigSource: sourceDefault, ConfigType: configTypeDouble,
			Synonyms: []describeConfigsSynonym{{Name: "log.cleaner.min.cleanable.ratio", Value: ptr("0.5"), Source: sourceDefault}}},
		{Name: "remote.storage.enable", Value: ptr("false"), ConfigSource: sourceDefault, ConfigType: configTypeBoolean, Synonyms: []describeConfigsSynonym{}},
		{Name: "segment.ms", Value: ptr("604800000"), ConfigSource: sourceDefault, ConfigType: configTypeLong, Synonyms: []describeConfigsSynonym{}},
	}
	if d := cmp.Diff(want, res.Configs); d != "" {
		t.Errorf("synonyms (-want +got):\n%s", d)
	}
}

// TestTopicConfigReaders checks the readers the log and the cleaner use:
// a set value, else Kafka's default, and segment.ms bounded by
// max.compaction.lag.ms on a compacted topic only (LogConfig.maxSegmentMs).
func TestTopicConfigReaders(t *testing.T) {
	var none topicConfig
	if none.long(deleteRetentionMsConfig) != 86400000 || none.float(minCleanableDirtyRatioConfig) != 0.5 ||
		none.long(minCompactionLagMsConfig) != 0 || none.long(maxCompactionLagMsConfig) != math.MaxInt64 ||
		none.long(segmentJitterMsConfig) != 0 || none.maxSegmentMs() != 604800000 || none.compacted() || none.logAppendTime() {
		t.Errorf("defaults read wrong")
	}
	c := topicConfig{deleteRetentionMsConfig: "5", minCleanableDirtyRatioConfig: "0.25", maxCompactionLagMsConfig: "1000", segmentMsConfig: "2000"}
	if c.long(deleteRetentionMsConfig) != 5 || c.float(minCleanableDirtyRatioConfig) != 0.25 || c.maxSegmentMs() != 2000 {
		t.Errorf("set values read wrong")
	}
	c[cleanupPolicyConfig] = "compact,delete"
	if !c.compacted() || c.maxSegmentMs() != 1000 {
		t.Errorf("compacted: maxSegmentMs %d, want max.compaction.lag.ms 1000", c.maxSegmentMs())
	}
	opts := c.logOptions(logOptions{SegmentBytes: 1 << 20})
	if opts.SegmentBytes != 1<<20 || opts.SegmentMs != 1000 || opts.SegmentJitterMs != 0 {
		t.Errorf("logOptions %+v", opts)
	}
}

// TestLegacyAlterConfigsRefusesBrokerLoggers: the legacy AlterConfigs
// knows no broker loggers, and ConfigAdminManager.preprocess refuses one
// as it refuses any type it does not know, "Unknown resource type 8";
// IncrementalAlterConfigs knows them.
func TestLegacyAlterConfigsRefusesBrokerLoggers(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, msg := c.alterConfigs(resourceBrokerLogger, "0", map[string]*string{"root": ptr("DEBUG")}, false); code != codeInvalidRequest || deref(msg) != "Unknown resource type 8" {
		t.Errorf("AlterConfigs of the broker logger: %d %q, want INVALID_REQUEST \"Unknown resource type 8\"", code, deref(msg))
	}
}

// TestStaticDefaultIsStaticBrokerConfig: a topic config's broker synonym
// given in server.properties at Kafka's default is still
// STATIC_BROKER_CONFIG, on the topic and on the broker, as ConfigHelper
// reads the originals; confluent-kafka-python's test reads is_default.
func TestStaticDefaultIsStaticBrokerConfig(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	if err := cfg.Set("min.insync.replicas", "1"); err != nil {
		t.Fatal(err)
	}
	tb := startBrokerWith(t, cfg)
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	show := func(res describeConfigsResult) string {
		var s []string
		for _, e := range res.Configs {
			line := fmt.Sprintf("%s=%s src=%d", e.Name, deref(e.Value), e.ConfigSource)
			for _, syn := range e.Synonyms {
				line += fmt.Sprintf(" [%s=%s %d]", syn.Name, deref(syn.Value), syn.Source)
			}
			s = append(s, line)
		}
		return strings.Join(s, "\n")
	}
	if got, want := show(c.describeConfigs(4, resourceTopic, "t", []string{"min.insync.replicas"}, true, false)),
		"min.insync.replicas=1 src=4 [min.insync.replicas=1 4] [min.insync.replicas=1 5]"; got != want {
		t.Errorf("topic:\n%s\nwant\n%s", got, want)
	}
	if got, want := show(c.describeConfigs(4, resourceBroker, fmt.Sprint(tb.cfg.NodeID), []string{"min.insync.replicas"}, true, false)),
		"min.insync.replicas=1 src=4 [min.insync.replicas=1 4] [min.insync.replicas=1 5]"; got != want {
		t.Errorf("broker:\n%s\nwant\n%s", got, want)
	}
}
