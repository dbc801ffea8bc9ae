// Tests of broker settings by Kafka's names (settings.go): the properties
// file format, what Config.Set accepts and refuses, and how DescribeConfigs
// reports each setting's source.
package kafka

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReadProperties(t *testing.T) {
	const file = "# a comment\n" +
		"   ! another comment\n" +
		"\n" +
		"a=1\n" +
		"b : 2\n" +
		"c 3\n" +
		"  d=  spaced value  \n" +
		"e=first \\\n" +
		"    second\\\r\n" +
		"   third\n" +
		"f=ends in a backslash\\\\\n" +
		"g\\:h=colon in key\n" +
		"i=tab\\there \\u0041\\q\n" +
		"j=x=y:z\n" +
		"k\n" +
		"#not=a property\n" +
		"last=no newline"
	got, err := ReadProperties(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []Property{
		{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "spaced value  "},
		{"e", "first secondthird"}, {"f", `ends in a backslash\`}, {"g:h", "colon in key"},
		{"i", "tab\there Aq"}, {"j", "x=y:z"}, {"k", ""}, {"last", "no newline"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("properties (-want +got):\n%s", d)
	}
	if _, err := ReadProperties(strings.NewReader("a=\\u00zz\n")); err == nil {
		t.Error("a malformed \\u escape was accepted")
	}
}

func TestConfigSet(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{
		{"node.id", "3"}, {"num.partitions", "4"}, {"group.max.size", "10"}, {"group.consumer.max.size", "5"},
		{"group.consumer.migration.policy", "Upgrade"},
		{"group.min.session.timeout.ms", "100"}, {"group.initial.rebalance.delay.ms", "0"},
		{"offsets.retention.minutes", "60"}, {"listeners", "PLAINTEXT://127.0.0.1:0"},
		{"advertised.listeners", "PLAINTEXT://kafka:9092,SSL://kafka:9093"}, {"auto.create.topics.enable", "FALSE"},
		{"log.flush.interval.messages", "1"}, {"log.dirs", "/data"},
		// fixed at their default, and ignored
		{"log.retention.hours", "168"}, {"min.insync.replicas", "1"},
		{"zookeeper.connect", "zk:2181"}, {"replica.lag.time.max.ms", "30000"}, {"process.roles", "broker"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	want := Config{
		NodeID: 3, DefaultPartitions: 4, GroupMaxSize: 10, ConsumerGroupMaxSize: 5, ConsumerMigrationPolicy: migrationUpgrade,
		GroupMinSessionTimeout: 100 * time.Millisecond, GroupInitialRebalanceDelay: -1,
		OffsetsRetention: time.Hour, Listeners: "PLAINTEXT://127.0.0.1:0", AdvertisedListeners: "PLAINTEXT://kafka:9092,SSL://kafka:9093",
		DisableAutoCreateTopics: true, Fsync: "always", DataDir: "/data",
	}
	opts := cmp.AllowUnexported(Config{})
	want.given, want.ignored = c.given, c.ignored
	if d := cmp.Diff(want, c, opts); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	if len(c.ignored) != 3 {
		t.Errorf("ignored %v, want the three ignored keys", c.ignored)
	}

	for _, kv := range [][2]string{
		{"no.such.setting", "1"}, {"group.max.size", "0"}, {"group.max.size", "ten"},
		{"num.partitions", "99999999999"}, {"auto.create.topics.enable", "yes"},
		{"log.retention.hours", "1"}, {"min.insync.replicas", "2"}, {"listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093"},
		{"log.dirs", "/a,/b"}, {"log.flush.interval.messages", "100"}, {"ssl.keystore.location", "/k"},
		{"group.consumer.migration.policy", "sideways"},
	} {
		if err := c.Set(kv[0], kv[1]); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("Set(%s, %s): %v, want an error naming the setting", kv[0], kv[1], err)
		}
	}
}

// TestCoarseSynonymsSettable: the coarser settings DescribeConfigs lists
// as synonyms (log.retention.hours under log.retention.ms, ...) load from
// a server.properties at their default, as every fixed setting does, and
// are refused at any other value.
func TestCoarseSynonymsSettable(t *testing.T) {
	for name, syn := range unsetBrokerDefaults {
		var c Config
		if err := c.Set(syn.name, syn.value); err != nil {
			t.Errorf("Set(%s, %s), the synonym of %s at its default: %v", syn.name, syn.value, name, err)
		}
		if err := c.Set(syn.name, "7"); err == nil {
			t.Errorf("Set(%s, 7): accepted, want a refusal: the setting is fixed", syn.name)
		}
	}
}

// TestBrokerConfigSources: DescribeConfigs lists every setting of the
// table, STATIC_BROKER_CONFIG when given (even at its default value) and
// DEFAULT_CONFIG otherwise.
func TestBrokerConfigSources(t *testing.T) {
	cfg := Config{GroupMaxSize: 7}
	if err := cfg.Set("num.partitions", "1"); err != nil { // the default, but given
		t.Fatal(err)
	}
	b := openGroupBroker(t, t.TempDir(), cfg)
	source := map[string]int8{}
	value := map[string]string{}
	for _, e := range b.brokerConfigEntries() {
		source[e.name], value[e.name] = e.source, e.value
	}
	for _, s := range brokerSettings {
		if _, ok := source[s.name]; !ok {
			t.Errorf("setting %s is not described", s.name)
		}
	}
	for name, want := range map[string]int8{
		"group.max.size": sourceStaticBroker, "num.partitions": sourceStaticBroker,
		"group.consumer.max.size": sourceDefault, "log.retention.ms": sourceDefault,
	} {
		if source[name] != want {
			t.Errorf("%s: source %d, want %d", name, source[name], want)
		}
	}
	if value["group.max.size"] != "7" || value["group.consumer.max.size"] != "2147483647" || value["group.min.session.timeout.ms"] != "1" {
		t.Errorf("values: %v", value)
	}
}

// TestConfigSetIgnoresKafkaPythonFixtureSettings: the server.properties that
// kafka-python 2.0.2's test fixture writes for Kafka 2.5 (its
// servers/2.5.0/resources/kafka.properties, rendered for one PLAINTEXT
// broker) loads, but for the lines this broker refuses on purpose: the JKS
// keystores (TLS takes PEM files), the ZooKeeper-era SimpleAclAuthorizer
// (gone from Kafka 4 too). offsets.commit.timeout.ms and security.inter.broker.protocol
// stopped the start: both are Kafka 4.0 settings with nothing to do on one
// broker.
func TestConfigSetIgnoresKafkaPythonFixtureSettings(t *testing.T) {
	const file = "broker.id=0\n" +
		"listeners=PLAINTEXT://127.0.0.1:0\n" +
		"security.inter.broker.protocol=PLAINTEXT\n" +
		"allow.everyone.if.no.acl.found=true\n" +
		"num.network.threads=3\n" +
		"num.io.threads=8\n" +
		"socket.send.buffer.bytes=102400\n" +
		"socket.receive.buffer.bytes=102400\n" +
		"socket.request.max.bytes=104857600\n" +
		"log.dirs=/tmp/kafka-python/data\n" +
		"num.partitions=4\n" +
		"default.replication.factor=1\n" +
		"replica.lag.time.max.ms=1000\n" +
		"replica.socket.timeout.ms=1000\n" +
		"log.retention.hours=168\n" +
		"log.segment.bytes=1073741824\n" +
		"log.retention.check.interval.ms=300000\n" +
		"offsets.commit.timeout.ms=500\n" +
		"offsets.topic.num.partitions=2\n" +
		"offsets.topic.replication.factor=1\n" +
		"group.min.session.timeout.ms=1000\n" +
		"zookeeper.connect=127.0.0.1:2181/kafka-python\n" +
		"zookeeper.connection.timeout.ms=30000\n" +
		"zookeeper.session.timeout.ms=500\n"
	props, err := ReadProperties(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	for _, p := range props {
		if err := c.Set(p.Key, p.Value); err != nil {
			t.Errorf("Set(%s, %s): %v", p.Key, p.Value, err)
		}
	}
	for _, name := range []string{"offsets.commit.timeout.ms", "security.inter.broker.protocol"} {
		if !slices.ContainsFunc(c.ignored, func(s string) bool { return strings.HasPrefix(s, name+": ") }) {
			t.Errorf("%s is not among the ignored settings %v", name, c.ignored)
		}
	}
}

// TestConfigSetIgnoresInterBrokerSASLMechanism: the SASL brokers of
// kafka-python 3.1's test fixture (servers/resources/default/
// kafka.properties) set sasl.mechanism.inter.broker.protocol beside
// sasl.enabled.mechanisms, and the broker refused to start on it as an
// unknown setting. It is a Kafka 4.0 broker setting (BrokerSecurityConfigs)
// for the links between brokers, which one broker does not have.
func TestConfigSetIgnoresInterBrokerSASLMechanism(t *testing.T) {
	var c Config
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		if err := c.Set("sasl.mechanism.inter.broker.protocol", mech); err != nil {
			t.Errorf("Set(sasl.mechanism.inter.broker.protocol, %s): %v", mech, err)
		}
	}
	if !slices.ContainsFunc(c.ignored, func(s string) bool { return strings.HasPrefix(s, "sasl.mechanism.inter.broker.protocol: ") }) {
		t.Errorf("sasl.mechanism.inter.broker.protocol is not among the ignored settings %v", c.ignored)
	}
}

// TestKafka4CombinedModeFileLoads: the server.properties of a Kafka 4
// node that is both broker and controller, as Kafka 4.0 ships it
// (config/server.properties) and as kafka-python 3.1's test fixture
// renders it, names a CONTROLLER listener, declared as the controller's
// by controller.listener.names after the listeners line. The broker
// refused to start on it ("name must be PLAINTEXT, SSL, SASL_PLAINTEXT or
// SASL_SSL"). It opens no controller listener, so it now opens and advertises the
// other listeners only; a listener named neither for a protocol nor in
// controller.listener.names still stops the start, at Open, which has
// every setting.
func TestKafka4CombinedModeFileLoads(t *testing.T) {
	const file = "process.roles=broker,controller\n" +
		"node.id=0\n" +
		"controller.quorum.bootstrap.servers=127.0.0.1:9093\n" +
		"listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:9093\n" +
		"inter.broker.listener.name=PLAINTEXT\n" +
		"advertised.listeners=PLAINTEXT://kafka.example:9092,CONTROLLER://127.0.0.1:9093\n" +
		"controller.listener.names=CONTROLLER\n" +
		"listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL\n" +
		"num.partitions=4\n"
	props, err := ReadProperties(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var logged syncBuffer
	cfg := Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))}
	for _, p := range props {
		if err := cfg.Set(p.Key, p.Value); err != nil {
			t.Fatalf("Set(%s, %s): %v", p.Key, p.Value, err)
		}
	}
	cfg.DataDir = t.TempDir()
	lns, err := Listen(cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	for _, ln := range lns {
		ln.Close()
	}
	if len(lns) != 1 {
		t.Errorf("Listen opened %d sockets, want 1 (PLAINTEXT)", len(lns))
	}
	b := startBrokerWith(t, cfg)
	if got := b.ListenerNames(); !slices.Equal(got, []string{"PLAINTEXT"}) {
		t.Errorf("listeners %v, want [PLAINTEXT]", got)
	}
	if got := b.sec.listeners[0].advertised; got != "kafka.example:9092" {
		t.Errorf("PLAINTEXT advertises %q, want kafka.example:9092", got)
	}
	if want := `msg="not opening a controller listener" listener=CONTROLLER addr=127.0.0.1:9093`; !strings.Contains(logged.String(), want) {
		t.Errorf("the log does not say %s:\n%s", want, logged.String())
	}

	for _, bad := range []Config{
		{Listeners: "PLAINTEXT://127.0.0.1:0,INTERNAL://127.0.0.1:0", ControllerListenerNames: "CONTROLLER"},
		{Listeners: "PLAINTEXT://127.0.0.1:0", AdvertisedListeners: "INTERNAL://h:1"},
	} {
		bad.DataDir = t.TempDir()
		if b, err := Open(bad); err == nil || !strings.Contains(err.Error(), "INTERNAL") {
			if err == nil {
				b.groups.close()
				b.logs.Close()
			}
			t.Errorf("Open(%q, advertised %q): %v, want an error naming INTERNAL", bad.Listeners, bad.AdvertisedListeners, err)
		}
	}
}

// TestCleanerEnableSetting: log.cleaner.enable=false, which old
// server.properties files and kafka-python's test fixture set, is
// accepted and, as in Kafka's LogManager, keeps the cleaner from running
// at all. The same broker with the cleaner on cleans the same dirty
// topic within the wait.
func TestCleanerEnableSetting(t *testing.T) {
	// runs is how many cleanings a broker made within wait, and how long
	// it took to make the first.
	runs := func(enable string, wait time.Duration) (int64, time.Duration) {
		cfg := Config{DataDir: t.TempDir(), CleanerBackoff: time.Millisecond}
		if err := cfg.Set("log.cleaner.enable", enable); err != nil {
			t.Fatal(err)
		}
		tb := startBrokerWith(t, cfg)
		c := dial(t, tb.addr)
		if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact"), "segment.bytes": ptr("1000")}); code != codeNone {
			t.Fatalf("create: %d", code)
		}
		for i := range 10 {
			if code, _ := c.produce("table", 0, keyedBatch(plain, put("k", strings.Repeat("x", 600), int64(i)))); code != codeNone {
				t.Fatalf("produce %d: %d", i, code)
			}
		}
		start := time.Now()
		for {
			tb.metrics.cleaner.mu.Lock()
			n := tb.metrics.cleaner.runs
			tb.metrics.cleaner.mu.Unlock()
			if n > 0 || time.Since(start) > wait {
				return n, time.Since(start)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	n, took := runs("true", 10*time.Second)
	if n == 0 {
		t.Fatal("log.cleaner.enable=true: the cleaner never ran")
	}
	if n, _ := runs("false", max(10*took, 200*time.Millisecond)); n != 0 {
		t.Errorf("log.cleaner.enable=false: the cleaner ran %d times", n)
	}
}

// TestLogSegmentBytesAtLeastOneMiB: log.segment.bytes, the broker's
// default for topics, is at least 1 MiB, as Kafka 4.0's ServerLogConfigs
// defines it (KIP-1030); the topic config segment.bytes still goes down
// to 14 bytes, as in Kafka 4.0's LogConfig, and a Config set in Go (the
// -segment-bytes flag) may ask for smaller segments, for tests.
func TestLogSegmentBytesAtLeastOneMiB(t *testing.T) {
	var c Config
	if err := c.Set("log.segment.bytes", "1048575"); err == nil || !strings.Contains(err.Error(), "1048576") {
		t.Errorf("log.segment.bytes=1048575: %v, want an error naming the least value, 1048576", err)
	}
	if err := c.Set("log.segment.bytes", "1048576"); err != nil || c.SegmentBytes != 1<<20 {
		t.Errorf("log.segment.bytes=1048576: %v, SegmentBytes %d", err, c.SegmentBytes)
	}
	if _, err := lookupTopicConfig(segmentBytesConfig).check("14"); err != nil {
		t.Errorf("segment.bytes=14: %v, want it accepted, as Kafka 4.0 accepts it", err)
	}
}

// TestGroupSettingsMustAgree: the broker refuses to start on group
// settings that contradict each other, with the message of the require
// check Kafka fails on (GroupCoordinatorConfig's constructor;
// ShareGroupConfig.validate for the share session limit), and starts on
// settings that agree, small ones included.
func TestGroupSettingsMustAgree(t *testing.T) {
	for _, tc := range []struct {
		settings [][2]string
		want     string
	}{
		{[][2]string{{"group.consumer.max.heartbeat.interval.ms", "4000"}},
			"group.consumer.max.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms"},
		{[][2]string{{"group.consumer.min.heartbeat.interval.ms", "6000"}},
			"group.consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms"},
		{[][2]string{{"group.consumer.min.heartbeat.interval.ms", "1000"}, {"group.consumer.max.heartbeat.interval.ms", "4000"}},
			"group.consumer.heartbeat.interval.ms must be less than or equal to group.consumer.max.heartbeat.interval.ms"},
		{[][2]string{{"group.consumer.max.session.timeout.ms", "40000"}},
			"group.consumer.max.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms"},
		{[][2]string{{"group.consumer.min.session.timeout.ms", "50000"}},
			"group.consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms"},
		{[][2]string{{"group.consumer.min.session.timeout.ms", "1000"}, {"group.consumer.max.session.timeout.ms", "30000"}},
			"group.consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms"},
		{[][2]string{{"group.consumer.session.timeout.ms", "5000"}},
			"group.consumer.heartbeat.interval.ms must be less than group.consumer.session.timeout.ms"},
		{[][2]string{{"group.share.session.timeout.ms", "3000"}, {"group.share.heartbeat.interval.ms", "3000"}},
			"group.share.heartbeat.interval.ms must be less than group.share.session.timeout.ms"},
		{[][2]string{{"group.share.max.share.sessions", "100"}},
			"group.share.max.share.sessions must be greater than or equal to group.share.max.size"},
		{[][2]string{{"group.consumer.session.timeout.ms", "1000"}, {"group.consumer.heartbeat.interval.ms", "100"},
			{"group.share.session.timeout.ms", "1000"}, {"group.share.heartbeat.interval.ms", "100"},
			{"group.share.max.share.sessions", "10"}, {"group.share.max.size", "10"}}, ""},
	} {
		cfg := Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		for _, kv := range tc.settings {
			if err := cfg.Set(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		b, err := Open(cfg)
		if err == nil {
			b.groups.close()
			b.logs.Close()
		}
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: Open: %v; want %q", tc.settings, err, tc.want)
		}
	}
}

// kafkaDefaultsRefused are the Kafka defaults the broker refuses on
// purpose, with why: at these values a Kafka 4 broker does not start
// either, or the file asks for what this broker does not have.
var kafkaDefaultsRefused = map[string]string{
	"broker.id":               "-1 is unset; Kafka 4 in KRaft mode does not start without a node id either",
	"node.id":                 "-1 is unset; Kafka 4 in KRaft mode does not start without a node id either",
	"sasl.enabled.mechanisms": "GSSAPI (Kerberos) is not served, and a file that names it expects it",
}

// kafkaDefaults reads testdata/kafka/broker-defaults.properties: every
// Kafka 4.x broker config with a default, name to value. Lines of a name
// alone, the configs whose default is null, are left out.
func kafkaDefaults(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/kafka/broker-defaults.properties")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defaults := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, value, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			defaults[name] = value
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(defaults) < 250 {
		t.Fatalf("read %d Kafka defaults, want the whole list", len(defaults))
	}
	return defaults
}

// TestKafkaDefaultsLoad: a server.properties that writes out every Kafka
// 4.x broker config at its default loads, but for the few defaults
// refused on purpose (kafkaDefaultsRefused), which must stay refused.
func TestKafkaDefaultsLoad(t *testing.T) {
	var all Config
	for name, value := range kafkaDefaults(t) {
		var c Config
		err := c.Set(name, value)
		if why, ok := kafkaDefaultsRefused[name]; ok {
			if err == nil {
				t.Errorf("Set(%s, %q): accepted, want the refusal kafkaDefaultsRefused gives: %s", name, value, why)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s, %q), Kafka's default: %v", name, value, err)
		}
		if err := all.Set(name, value); err != nil {
			t.Errorf("Set(%s, %q) after the others: %v", name, value, err)
		}
	}
	// A fixed setting is refused, naming itself, at any other value.
	for name, f := range fixedSettings {
		other := f.value + "1"
		if err := new(Config).Set(name, other); err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "only") {
			t.Errorf("Set(%s, %q): %v, want a refusal saying the broker has only %q", name, other, err, f.value)
		}
	}
	all = all.withDefaults()
	if err := all.checkGroupSettings(); err != nil {
		t.Errorf("Kafka's defaults together: %v", err)
	}
}

// TestKafkaDefaultsDescribed: DescribeConfigs lists every Kafka broker
// config the broker applies or fixes, and a fixed one at Kafka's default,
// so that kafka-configs.sh --describe --all agrees with the settings
// table; the ignored ones it leaves out.
func TestKafkaDefaultsDescribed(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{})
	described := map[string]configEntry{}
	for _, e := range b.brokerConfigEntries() {
		described[e.name] = e
	}
	for name, value := range kafkaDefaults(t) {
		e, listed := described[name]
		fixed, check, _, _, isFixed := fixedSetting(name)
		switch {
		case lookupBrokerSetting(name) != nil:
			if !listed {
				t.Errorf("%s is applied but not described", name)
			}
		case isFixed && !listed:
			t.Errorf("%s is fixed but not described", name)
		case isFixed:
			if v, err := check(value); err != nil || v != fixed || e.value != fixed {
				t.Errorf("%s: described as %q, fixed at %q; Kafka's default %q is %q, %v", name, e.value, fixed, value, v, err)
			}
		case ignoredSetting(name) != "" && listed:
			t.Errorf("%s is ignored but described as %q", name, e.value)
		}
	}
}

// TestLimitSettingsApplied: fetch.max.bytes, max.request.partition.size.limit
// and offset.metadata.max.bytes, set below Kafka's defaults, bound a fetch
// answer, a DescribeTopicPartitions page and a commit's metadata.
func TestLimitSettingsApplied(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	for _, kv := range [][2]string{{"fetch.max.bytes", "1024"}, {"max.request.partition.size.limit", "1"}, {"offset.metadata.max.bytes", "10"}} {
		if err := cfg.Set(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := cfg.Set("fetch.max.bytes", "1023"); err == nil {
		t.Error("fetch.max.bytes=1023 accepted; Kafka's least is 1024")
	}
	b := startBrokerWith(t, cfg)
	c := dial(t, b.addr)
	c.createTopic("t", 2)
	for range 3 {
		c.mustProduce("t", 0, makeBatch(testRecord{1700000000000, strings.Repeat("v", 700)}))
	}

	// Each batch is about 770 bytes: the first fits in 1024, the second
	// would not, whatever the consumer's MaxBytes.
	req := &fetchRequest{ReplicaID: -1, ReplicaState: replicaState{-1, -1}, MaxBytes: 1 << 20, SessionEpoch: -1,
		Topics: []fetchTopic{{Topic: "t", Partitions: []fetchPartition{{Partition: 0, PartitionMaxBytes: 1 << 20}}}}}
	if _, size, _ := b.fetchOnce(req, 12, nil); size < 700 || size > 1024 {
		t.Errorf("fetch answer of %d bytes, want the first batch alone under fetch.max.bytes=1024", size)
	}

	page := serve(t, b.Broker, 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{"t"}}, ResponsePartitionLimit: 100}).(*describeTopicPartitionsResponse)
	if len(page.Topics) != 1 || len(page.Topics[0].Partitions) != 1 || page.NextCursor == nil {
		t.Errorf("DescribeTopicPartitions page: %+v, want one partition and a cursor", page)
	}

	for metadata, want := range map[string]int16{"0123456789": codeNone, "0123456789a": codeOffsetMetadataTooLarge} {
		commit := &offsetCommitRequest{GroupID: "g", GenerationIDOrMemberEpoch: -1, Topics: []offsetCommitTopic{{Name: "t", Partitions: []offsetCommitPartition{
			{PartitionIndex: 0, CommittedOffset: 1, CommittedMetadata: ptr(metadata)},
		}}}}
		if code := serve(t, b.Broker, 8, 8, commit).(*offsetCommitResponse).Topics[0].Partitions[0].ErrorCode; code != want {
			t.Errorf("commit with %d characters of metadata: code %d, want %d", len(metadata), code, want)
		}
	}
}
