package kafka

// Tests of dynamic broker configs (brokerconfigs.go): each rule of the
// file's header, through the config APIs over the wire, and their effect
// on topics that set no value of their own.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// logStarts is the log start offset of partition 0 of each topic.
func logStarts(tb *testBroker, topics ...string) string {
	var s []string
	for _, name := range topics {
		s = append(s, fmt.Sprintf("%s:%d", name, tb.logs.Topic(name).Partitions[0].LogStartOffset()))
	}
	return strings.Join(s, " ")
}

// mustAlterBroker sends IncrementalAlterConfigs to broker resource name
// and fails the test unless it is accepted.
func (c *testClient) mustAlterBroker(name string, ops ...configOp) {
	c.t.Helper()
	if code, msg := c.incrementalAlterConfigs(resourceBroker, name, false, ops...); code != codeNone {
		c.t.Fatalf("IncrementalAlterConfigs broker %q %v: code %d %s", name, ops, code, deref(msg))
	}
}

// TestDynamicRetentionDefault: log.retention.ms set on the default
// resource deletes the old segments of a topic without retention.ms of
// its own at the next retention check, and not those of a topic that set
// one; this broker's own value wins over the default, and DELETE puts
// each level back to the one below.
func TestDynamicRetentionDefault(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, topic := range []struct {
		name string
		cfg  map[string]*string
	}{
		{"follows", map[string]*string{"segment.bytes": oneBigBatchPerSegment()}},
		{"own", map[string]*string{"segment.bytes": oneBigBatchPerSegment(), "retention.ms": ptr("-1")}},
	} {
		if code, _ := c.createTopicWithConfigs(topic.name, 1, topic.cfg); code != codeNone {
			t.Fatalf("create %s: code %d", topic.name, code)
		}
		// An hour old: inside Kafka's 7 days, outside a minute.
		old := time.Now().Add(-time.Hour).UnixMilli()
		for i := range 3 {
			c.mustProduce(topic.name, 0, bigBatch(old+int64(i)))
		}
	}
	enforce := func(when, want string) {
		t.Helper()
		tb.logs.EnforceRetention(time.Now())
		if got := logStarts(tb, "follows", "own"); got != want {
			t.Errorf("%s: log starts %s, want %s", when, got, want)
		}
	}
	enforce("before any dynamic config", "follows:0 own:0")

	node := fmt.Sprint(tb.cfg.NodeID)
	c.mustAlterBroker(node, configOp{"log.retention.ms", opSet, ptr("-1")})
	c.mustAlterBroker("", configOp{"log.retention.ms", opSet, ptr("60000")})
	enforce("with the default at a minute under this broker's -1", "follows:0 own:0")

	c.mustAlterBroker(node, configOp{"log.retention.ms", opDelete, nil})
	// Every segment is older than a minute: the active one goes too,
	// after a roll, as in TestRetentionDeletesActiveSegment.
	enforce("with the default at a minute", "follows:3 own:0")
	if code, _, records := c.fetch("follows", 0, 3, 0, 0); code != codeNone || len(records) != 0 {
		t.Errorf("fetch past retention: code %d, %d bytes", code, len(records))
	}

	// The web page's topic view names where the value comes from.
	if body := get(t, tb.Handler(), "/topics/follows").Body.String(); !strings.Contains(body, "cluster default, dynamic") {
		t.Errorf("the topic page does not show retention.ms as a dynamic cluster default:\n%s", body)
	}
	c.mustAlterBroker("", configOp{"log.retention.ms", opDelete, nil})
	if got := tb.logs.Topic("follows").Settings().retention().ms; got != defaultRetentionMs {
		t.Errorf("after DELETE, retention.ms in force is %d, want Kafka's %d", got, defaultRetentionMs)
	}
}

// TestDynamicProduceDefaults: message.max.bytes and min.insync.replicas
// set on the default resource act on the next produce to a topic that set
// neither, and log.segment.bytes on the next roll.
func TestDynamicProduceDefaults(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	batch := bigBatch(time.Now().UnixMilli())
	c.mustAlterBroker("", configOp{"message.max.bytes", opSet, ptr(fmt.Sprint(len(batch) - 1))})
	if code, _ := c.produce("t", 0, batch); code != codeMessageTooLarge {
		t.Errorf("produce over the dynamic message.max.bytes: code %d, want MESSAGE_TOO_LARGE", code)
	}
	c.mustAlterBroker("", configOp{"message.max.bytes", opDelete, nil}, configOp{"min.insync.replicas", opSet, ptr("2")})
	if pr := c.produceAt(9, -1, "t", 0, batch); pr.ErrorCode != codeNotEnoughReplicas {
		t.Errorf("acks=all under a dynamic min.insync.replicas of 2: code %d, want NOT_ENOUGH_REPLICAS", pr.ErrorCode)
	}
	c.mustAlterBroker("", configOp{"min.insync.replicas", opDelete, nil}, configOp{"log.segment.bytes", opSet, ptr("1048576")})
	// A megabyte of batches then fills more than one segment.
	for range 1<<20/len(batch) + 10 {
		c.mustProduce("t", 0, batch)
	}
	dir := filepath.Join(tb.cfg.DataDir, "t-0")
	if logs, _ := filepath.Glob(filepath.Join(dir, "*.log")); len(logs) < 2 {
		t.Errorf("%d segments after a megabyte under log.segment.bytes=1048576, want 2 or more", len(logs))
	}
}

// TestDescribeDynamicBrokerConfigs: DescribeConfigs reports a dynamic
// value with Kafka's sources and synonyms, highest first, for the topic,
// for this broker's resource and for the default resource, which lists
// only what was set on it, as kafka-configs.sh --describe reads them.
func TestDescribeDynamicBrokerConfigs(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), MaxMessageBytes: 2000000})
	c := dial(t, tb.addr)
	c.createTopic("plain", 1)
	if code, _ := c.createTopicWithConfigs("own", 1, map[string]*string{"max.message.bytes": ptr("3000")}); code != codeNone {
		t.Fatalf("create own: code %d", code)
	}
	node := fmt.Sprint(tb.cfg.NodeID)
	c.mustAlterBroker("", configOp{"message.max.bytes", opSet, ptr("5000")}, configOp{"log.retention.ms", opSet, ptr("60000")})
	c.mustAlterBroker(node, configOp{"message.max.bytes", opSet, ptr("4000")})

	show := func(res describeConfigsResult) string {
		if res.ErrorCode != codeNone {
			t.Fatalf("DescribeConfigs %q: code %d %s", res.ResourceName, res.ErrorCode, deref(res.ErrorMessage))
		}
		var s []string
		for _, e := range res.Configs {
			line := fmt.Sprintf("%s=%s src=%d ro=%v", e.Name, deref(e.Value), e.ConfigSource, e.ReadOnly)
			for _, syn := range e.Synonyms {
				line += fmt.Sprintf(" [%s=%s %d]", syn.Name, deref(syn.Value), syn.Source)
			}
			s = append(s, line)
		}
		return strings.Join(s, "\n")
	}
	for _, tc := range []struct {
		typ        int8
		name       string
		keys       []string
		want       string
		noSynonyms bool
	}{
		{resourceTopic, "plain", []string{"max.message.bytes", "retention.ms"}, "" +
			"max.message.bytes=4000 src=2 ro=false [message.max.bytes=4000 2] [message.max.bytes=5000 3] [message.max.bytes=2000000 4] [message.max.bytes=1048588 5]\n" +
			"retention.ms=60000 src=3 ro=false [log.retention.ms=60000 3] [log.retention.hours=168 5]", false},
		{resourceTopic, "own", []string{"max.message.bytes"}, "" +
			"max.message.bytes=3000 src=1 ro=false [max.message.bytes=3000 1] [message.max.bytes=4000 2] [message.max.bytes=5000 3] [message.max.bytes=2000000 4] [message.max.bytes=1048588 5]", false},
		{resourceBroker, node, []string{"log.retention.ms", "message.max.bytes", "num.partitions"}, "" +
			"log.retention.ms=60000 src=3 ro=false [log.retention.ms=60000 3] [log.retention.hours=168 5]\n" +
			"message.max.bytes=4000 src=2 ro=false [message.max.bytes=4000 2] [message.max.bytes=5000 3] [message.max.bytes=2000000 4] [message.max.bytes=1048588 5]\n" +
			"num.partitions=1 src=5 ro=true [num.partitions=1 5]", false},
		{resourceBroker, "", nil, "" +
			"log.retention.ms=60000 src=3 ro=false [log.retention.ms=60000 3]\n" +
			"message.max.bytes=5000 src=3 ro=false [message.max.bytes=5000 3]", false},
		{resourceBroker, "", nil, "" +
			"log.retention.ms=60000 src=3 ro=false\n" +
			"message.max.bytes=5000 src=3 ro=false", true},
	} {
		got := show(c.describeConfigs(4, tc.typ, tc.name, tc.keys, !tc.noSynonyms, false))
		if got != tc.want {
			t.Errorf("DescribeConfigs %d %q:\n%s\nwant\n%s", tc.typ, tc.name, got, tc.want)
		}
	}
}

// TestAlterBrokerConfigsRefusals: each refusal of the header's rules,
// with Kafka's code and message, and nothing changed by any of them.
func TestAlterBrokerConfigsRefusals(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.mustAlterBroker("", configOp{"log.retention.bytes", opSet, ptr("1000")})
	for _, tc := range []struct {
		what, name string
		ops        []configOp
		want       string
	}{
		{"another broker", "7", []configOp{{"log.retention.ms", opSet, ptr("1")}},
			"42 Unexpected broker id, expected 0, but received 7"},
		{"not a broker id", "x", []configOp{{"log.retention.ms", opSet, ptr("1")}},
			"42 Node id must be an integer, but it is: x"},
		{"not dynamic in Kafka", "", []configOp{{"num.partitions", opSet, ptr("3")}},
			"42 Cannot update these configs dynamically: Set(num.partitions)"},
		{"dynamic in Kafka, not here", "0", []configOp{{"num.io.threads", opSet, ptr("3")}, {"log.flush.interval.ms", opSet, ptr("1000")}},
			"42 Cannot update these configs dynamically: Set(num.io.threads, log.flush.interval.ms) " +
				"(num.io.threads: no thread pools to size; log.flush.interval.ms: set flush.ms per topic; at the broker it has no effect here)"},
		{"the cleaner's threads", "", []configOp{{"log.cleaner.threads", opSet, ptr("2")}},
			"42 Cannot update these configs dynamically: Set(log.cleaner.threads) (log.cleaner.threads: the log cleaner takes its settings at start)"},
		{"unknown", "", []configOp{{"log.retention.msec", opSet, ptr("1")}},
			"42 Cannot update these configs dynamically: Set(log.retention.msec) (log.retention.msec: not a broker config)"},
		{"bad value", "", []configOp{{"log.retention.ms", opSet, ptr("soon")}},
			"42 Invalid value soon for configuration log.retention.ms: not a number of type long"},
		{"segment below the broker's bound", "", []configOp{{"log.segment.bytes", opSet, ptr("1000")}},
			"42 Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576"},
		{"append to a long", "", []configOp{{"log.retention.ms", opAppend, ptr("1")}},
			"40 Config value append is not allowed for config key: log.retention.ms"},
		{"an unknown operation", "", []configOp{{"log.retention.ms", 9, ptr("1")}},
			"42 Unknown operations type 9"},
	} {
		code, msg := c.incrementalAlterConfigs(resourceBroker, tc.name, false, tc.ops...)
		if got := outcome(code, msg); got != tc.want {
			t.Errorf("%s: %s\nwant %s", tc.what, got, tc.want)
		}
	}
	if code, msg := c.alterConfigs(resourceBroker, "", map[string]*string{"background.threads": ptr("2")}, false); outcome(code, msg) !=
		"42 Cannot update these configs dynamically: Set(background.threads) (background.threads: no thread pools to size)" {
		t.Errorf("AlterConfigs of a config not dynamic here: %s", outcome(code, msg))
	}
	res := c.describeConfigs(4, resourceBroker, "", nil, false, false)
	if len(res.Configs) != 1 || res.Configs[0].Name != "log.retention.bytes" || deref(res.Configs[0].Value) != "1000" {
		t.Errorf("after the refusals the default resource holds %+v, want log.retention.bytes=1000 alone", res.Configs)
	}
}

// TestAlterBrokerConfigsValidateOnlyAndReplace: ValidateOnly checks and
// changes nothing; AlterConfigs replaces the resource's dynamic configs
// whole, as kafka-configs.sh --alter sends them; APPEND starts from
// Kafka's default; and what was set is there after a restart, in force.
func TestAlterBrokerConfigsValidateOnlyAndReplace(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	dynamic := func(when string, want string) {
		t.Helper()
		var got []string
		for _, e := range c.describeConfigs(4, resourceBroker, "", nil, false, false).Configs {
			got = append(got, e.Name+"="+deref(e.Value))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: default resource %v, want %s", when, got, want)
		}
	}
	if code, msg := c.incrementalAlterConfigs(resourceBroker, "", true, configOp{"log.retention.ms", opSet, ptr("1000")}); code != codeNone {
		t.Fatalf("validate only: %s", outcome(code, msg))
	}
	if code, _ := c.incrementalAlterConfigs(resourceBroker, "", true, configOp{"log.retention.ms", opSet, ptr("x")}); code != codeInvalidRequest {
		t.Errorf("validate only of a bad value: code %d", code)
	}
	dynamic("after validate only", "")
	if _, err := os.Stat(filepath.Join(dir, brokerConfigFile)); !os.IsNotExist(err) {
		t.Errorf("validate only wrote %s: %v", brokerConfigFile, err)
	}

	c.mustAlterBroker("", configOp{"log.retention.ms", opSet, ptr("1000")}, configOp{"log.cleanup.policy", opAppend, ptr("compact")})
	dynamic("after SET and APPEND", "log.cleanup.policy=delete,compact log.retention.ms=1000")
	if code, msg := c.alterConfigs(resourceBroker, "", map[string]*string{"compression.type": ptr("zstd"), "log.retention.ms": ptr("2000")}, false); code != codeNone {
		t.Fatalf("AlterConfigs: %s", outcome(code, msg))
	}
	dynamic("after AlterConfigs", "compression.type=zstd log.retention.ms=2000")

	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	dynamic("after a restart", "compression.type=zstd log.retention.ms=2000")
	if s := tb.logs.Topic("t").Settings(); s.value(compressionTypeConfig) != "zstd" || s.retention().ms != 2000 {
		t.Errorf("after a restart topic t runs on compression.type=%s retention.ms=%d, want zstd and 2000", s.value(compressionTypeConfig), s.retention().ms)
	}
	if code, msg := c.alterConfigs(resourceBroker, "", map[string]*string{}, false); code != codeNone {
		t.Fatalf("AlterConfigs of nothing: %s", outcome(code, msg))
	}
	dynamic("after AlterConfigs of nothing", "")
	if s := tb.logs.Topic("t").Settings(); s.value(compressionTypeConfig) != compressionProducer {
		t.Errorf("after the default resource is emptied, compression.type is %s", s.value(compressionTypeConfig))
	}
}

// TestBrokerConfigsFileChecked: a broker-configs.json holding a config
// the APIs would refuse stops the start, naming the file, as a damaged
// group-configs.json does.
func TestBrokerConfigsFileChecked(t *testing.T) {
	for _, content := range []string{`{"":{"num.io.threads":"8"}}`, `{"":{"log.retention.ms":"soon"}}`, `{"x":{"log.retention.ms":"1"}}`, `[`} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, brokerConfigFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Open(Config{DataDir: dir})
		if err == nil {
			b.logs.Close()
			t.Errorf("%s: the broker started", content)
		} else if !strings.Contains(err.Error(), brokerConfigFile) {
			t.Errorf("%s: %v does not name the file", content, err)
		}
	}
}

// TestAlterBrokerConfigsAuthorized: altering a broker resource takes
// ALTER_CONFIGS on the cluster and describing it DESCRIBE_CONFIGS, as
// Kafka's KafkaApis asks; a principal granted only DESCRIBE_CONFIGS reads
// the dynamic value set by one granted ALTER_CONFIGS, and cannot change it.
func TestAlterBrokerConfigsAuthorized(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(
		acl{resCluster, clusterName, patternLiteral, "User:ops", "*", aclAlterConfigs, permissionAllow},
		acl{resCluster, clusterName, patternLiteral, "User:viewer", "*", aclDescribeConfigs, permissionAllow},
	)
	set := func(principal, value string) string {
		r := ab.as(principal, 44, 1, &incrementalAlterConfigsRequest{Resources: []incrementalAlterConfigsResource{{ResourceType: resourceBroker, ResourceName: "",
			Configs: []incrementalAlterableConfig{{Name: "log.retention.ms", ConfigOperation: opSet, Value: ptr(value)}}}}}).(*alterConfigsResponse)
		return outcome(r.Responses[0].ErrorCode, r.Responses[0].ErrorMessage)
	}
	if got := set("User:viewer", "1000"); got != "31 Cluster authorization failed." {
		t.Errorf("viewer's alteration: %s", got)
	}
	if got := set("User:viewer", "soon"); got != "42 Invalid value soon for configuration log.retention.ms: not a number of type long" {
		t.Errorf("viewer's bad value, refused before the authorizer is asked as Kafka's ConfigAdminManager.preprocess does: %s", got)
	}
	if got := set("User:ops", "2000"); got != "0 <nil>" {
		t.Errorf("ops' alteration: %s", got)
	}
	d := ab.as("User:viewer", 32, 4, &describeConfigsRequest{Resources: []describeConfigsResource{{ResourceType: resourceBroker, ResourceName: ""}}}).(*describeConfigsResponse)
	if r := d.Results[0]; r.ErrorCode != codeNone || len(r.Configs) != 1 || deref(r.Configs[0].Value) != "2000" {
		t.Errorf("viewer's describe of the default resource: %+v", r)
	}
	d = ab.as("User:nobody", 32, 4, &describeConfigsRequest{Resources: []describeConfigsResource{{ResourceType: resourceBroker, ResourceName: ""}}}).(*describeConfigsResponse)
	if r := d.Results[0]; r.ErrorCode != codeClusterAuthorizationFailed {
		t.Errorf("describe without an ACL: code %d", r.ErrorCode)
	}
}

// TestKerberosBrokerConfigsKept: the dynamic GSSAPI configs, which a
// Kafka broker without a GSSAPI listener keeps and uses for nothing, are
// kept and described here too, checked by their types, and reach no
// topic. librdkafka's 0081_admin sets the first on a broker with both
// config APIs and expects success.
func TestKerberosBrokerConfigsKept(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	node := fmt.Sprint(tb.cfg.NodeID)
	const name = "sasl.kerberos.min.time.before.relogin"
	if code, msg := c.alterConfigs(resourceBroker, node, map[string]*string{name: ptr("58000")}, false); code != codeNone {
		t.Fatalf("AlterConfigs %s: %s", name, outcome(code, msg))
	}
	c.mustAlterBroker("", configOp{"sasl.kerberos.ticket.renew.jitter", opSet, ptr("0.10")})
	if code, msg := c.incrementalAlterConfigs(resourceBroker, node, false, configOp{name, opSet, ptr("soon")}); outcome(code, msg) !=
		"42 Invalid value soon for configuration "+name+": not a number of type long" {
		t.Errorf("a bad value: %s", outcome(code, msg))
	}
	res := c.describeConfigs(4, resourceBroker, node, []string{name, "sasl.kerberos.ticket.renew.jitter", "sasl.kerberos.kinit.cmd"}, true, false)
	var got []string
	for _, e := range res.Configs {
		line := fmt.Sprintf("%s=%s src=%d ro=%v", e.Name, deref(e.Value), e.ConfigSource, e.ReadOnly)
		for _, syn := range e.Synonyms {
			line += fmt.Sprintf(" [%s=%s %d]", syn.Name, deref(syn.Value), syn.Source)
		}
		got = append(got, line)
	}
	want := []string{
		"sasl.kerberos.kinit.cmd=/usr/bin/kinit src=5 ro=false [sasl.kerberos.kinit.cmd=/usr/bin/kinit 5]",
		"sasl.kerberos.min.time.before.relogin=58000 src=2 ro=false [sasl.kerberos.min.time.before.relogin=58000 2] [sasl.kerberos.min.time.before.relogin=60000 5]",
		"sasl.kerberos.ticket.renew.jitter=0.1 src=3 ro=false [sasl.kerberos.ticket.renew.jitter=0.1 3] [sasl.kerberos.ticket.renew.jitter=0.05 5]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeConfigs (-want +got):\n%s", diff)
	}
	// No topic config has these as a synonym, so no topic sees them.
	for _, e := range c.describeConfigs(4, resourceTopic, "t", nil, true, false).Configs {
		for _, syn := range e.Synonyms {
			if strings.HasPrefix(syn.Name, "sasl.") {
				t.Errorf("topic config %s has synonym %s", e.Name, syn.Name)
			}
		}
	}
}

// TestReplicationThrottlesKept: kafka-reassign-partitions.sh --execute
// --throttle sets leader.replication.throttled.rate and
// follower.replication.throttled.rate on each broker of the move (and
// replica.alter.log.dirs.io.max.bytes.per.second with
// --replica-alter-log-dirs-throttle), and --verify deletes them. A
// single-node Kafka keeps them, with nothing to throttle; the broker
// refused them ("no replicas"), so the tool's --execute --throttle failed.
func TestReplicationThrottlesKept(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	throttles := []string{"follower.replication.throttled.rate", "leader.replication.throttled.rate", "replica.alter.log.dirs.io.max.bytes.per.second"}
	for _, name := range throttles {
		if got := outcome(c.incrementalAlterConfigs(resourceBroker, "0", false, configOp{name, opSet, ptr("1000")})); got != "0 <nil>" {
			t.Errorf("SET %s: %s", name, got)
		}
	}
	if got := outcome(c.incrementalAlterConfigs(resourceBroker, "0", false, configOp{"leader.replication.throttled.rate", opSet, ptr("-1")})); got != "42 Invalid value -1 for configuration leader.replication.throttled.rate: Value must be at least 0" {
		t.Errorf("a negative rate: %s", got)
	}
	got := map[string]string{}
	for _, e := range c.describeConfigs(4, resourceBroker, "0", throttles, false, false).Configs {
		got[e.Name] = deref(e.Value)
	}
	if want := map[string]string{throttles[0]: "1000", throttles[1]: "1000", throttles[2]: "1000"}; !cmp.Equal(got, want) {
		t.Errorf("described %v, want %v", got, want)
	}
	for _, name := range throttles {
		if got := outcome(c.incrementalAlterConfigs(resourceBroker, "0", false, configOp{name, opDelete, nil})); got != "0 <nil>" {
			t.Errorf("DELETE %s: %s", name, got)
		}
	}
	if res := c.describeConfigs(4, resourceBroker, "0", throttles, false, false); len(res.Configs) != 3 || deref(res.Configs[0].Value) != "9223372036854775807" {
		t.Errorf("after DELETE: %+v, want the three at Long.MAX_VALUE", res.Configs)
	}
}

// TestSettingsMergedOncePerDefaults: with dynamic defaults set, a topic's
// Settings, which every produce reads, is merged once per change of the
// defaults and then allocates nothing; a change is seen at once.
func TestSettingsMergedOncePerDefaults(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	c.mustAlterBroker("", configOp{"log.retention.ms", opSet, ptr("60000")})
	topic := tb.logs.Topic("t")
	if got := topic.Settings()[retentionMsConfig]; got != "60000" {
		t.Fatalf("retention.ms = %q, want the dynamic default 60000", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = topic.Settings() }); n != 0 {
		t.Errorf("Settings allocates %.0f times a call with unchanged defaults, want 0", n)
	}
	c.mustAlterBroker("", configOp{"log.retention.ms", opSet, ptr("120000")})
	if got := topic.Settings()[retentionMsConfig]; got != "120000" {
		t.Errorf("after a change retention.ms = %q, want 120000", got)
	}
}
