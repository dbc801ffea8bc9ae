// Topic, group and broker configs through real admin clients: franz-go's kadm and
// raw kmsg requests, and confluent-kafka's AdminClient, setting and
// describing a spread of Kafka 4.0's configs; and a LogAppendTime topic
// seen through real producers and consumers.
package interop

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// configValues is name -> value of the configs in rc set on the topic.
func configValues(rc kadm.ResourceConfig, source kmsg.ConfigSource) map[string]string {
	got := map[string]string{}
	for _, c := range rc.Configs {
		if c.Source == source {
			got[c.Key] = c.MaybeValue()
		}
	}
	return got
}

func TestFranzTopicConfigs(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)

	set := map[string]*string{
		"cleanup.policy":                  kadm.StringPtr("compact,delete"),
		"compression.type":                kadm.StringPtr("gzip"),
		"compression.gzip.level":          kadm.StringPtr("6"),
		"delete.retention.ms":             kadm.StringPtr("1000"),
		"max.compaction.lag.ms":           kadm.StringPtr("600000"),
		"message.timestamp.type":          kadm.StringPtr("LogAppendTime"),
		"message.timestamp.before.max.ms": kadm.StringPtr("3600000"),
		"min.cleanable.dirty.ratio":       kadm.StringPtr("0.1"),
		"segment.ms":                      kadm.StringPtr("3600000"),
		"segment.jitter.ms":               kadm.StringPtr("100"),
		"preallocate":                     kadm.StringPtr("true"),
		"unclean.leader.election.enable":  kadm.StringPtr("false"),
		"index.interval.bytes":            kadm.StringPtr("8192"),
	}
	resp, err := adm.CreateTopic(ctx, 1, 1, set, "configured")
	if err != nil || resp.Err != nil {
		t.Fatalf("CreateTopic: %v %v (%s)", err, resp.Err, resp.ErrMessage)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, "configured")
	if err != nil || len(rcs) != 1 || rcs[0].Err != nil {
		t.Fatalf("DescribeTopicConfigs: %v %+v", err, rcs)
	}
	got := configValues(rcs[0], kmsg.ConfigSourceDynamicTopicConfig)
	for k, v := range set {
		if got[k] != *v {
			t.Errorf("%s described as %q, want %q", k, got[k], *v)
		}
	}
	// message.timestamp.after.max.ms is an hour since Kafka 4.0 (KIP-1030,
	// ServerLogConfigs.LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS_DEFAULT); before
	// it was Long.MAX_VALUE, as message.timestamp.before.max.ms still is.
	defaults := configValues(rcs[0], kmsg.ConfigSourceDefaultConfig)
	if defaults["segment.index.bytes"] != "10485760" || defaults["local.retention.ms"] != "-2" || defaults["message.timestamp.after.max.ms"] != "3600000" {
		t.Errorf("defaults: %v", defaults)
	}

	// Incremental changes through kadm, a refused value, a removed name.
	alter := []kadm.AlterConfig{
		{Name: "min.compaction.lag.ms", Value: kadm.StringPtr("5000")},
		{Name: "preallocate", Op: kadm.DeleteConfig},
		{Name: "cleanup.policy", Op: kadm.SubtractConfig, Value: kadm.StringPtr("compact")},
	}
	if rs, err := adm.AlterTopicConfigs(ctx, alter, "configured"); err != nil || rs[0].Err != nil {
		t.Fatalf("AlterTopicConfigs: %v %+v", err, rs)
	}
	rcs, _ = adm.DescribeTopicConfigs(ctx, "configured")
	got = configValues(rcs[0], kmsg.ConfigSourceDynamicTopicConfig)
	if got["min.compaction.lag.ms"] != "5000" || got["cleanup.policy"] != "delete" || got["preallocate"] != "" {
		t.Errorf("after AlterTopicConfigs: %v", got)
	}
	for _, bad := range []kadm.AlterConfig{
		{Name: "compression.type", Value: kadm.StringPtr("brotli")},
		{Name: "segment.ms", Value: kadm.StringPtr("0")},
		{Name: "message.format.version", Value: kadm.StringPtr("3.0-IV1")},
		{Name: "min.compaction.lag.ms", Value: kadm.StringPtr("700000")}, // above max.compaction.lag.ms
	} {
		rs, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{bad}, "configured")
		if err != nil || !errors.Is(rs[0].Err, kerr.InvalidConfig) {
			t.Errorf("%s=%s: %v %v, want INVALID_CONFIG", bad.Name, *bad.Value, err, rs[0].Err)
		}
	}

	// LogAppendTime: records produced with a 2001 timestamp come back with
	// the broker's, and as gzip, which the topic asks for.
	before := time.Now()
	old := time.UnixMilli(978307200000)
	produceSync(t, ctx, cl, &kgo.Record{Topic: "configured", Value: []byte("a"), Timestamp: old},
		&kgo.Record{Topic: "configured", Value: []byte("b"), Timestamp: old})
	for _, r := range consumeN(t, ctx, addr, "configured", 2) {
		if r.Attrs.TimestampType() != 1 || r.Timestamp.Before(before.Add(-time.Second)) || r.Timestamp.After(time.Now().Add(time.Second)) {
			t.Errorf("record %q: timestamp %v type %d, want the broker's append time (LogAppendTime)", r.Value, r.Timestamp, r.Attrs.TimestampType())
		}
		if r.Attrs.CompressionType() != 1 {
			t.Errorf("record %q: codec %d, want gzip (1)", r.Value, r.Attrs.CompressionType())
		}
	}

	// A CreateTime topic with message.timestamp.before.max.ms refuses the
	// same records with INVALID_TIMESTAMP.
	if resp, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"message.timestamp.before.max.ms": kadm.StringPtr("60000")}, "strict"); err != nil || resp.Err != nil {
		t.Fatalf("CreateTopic strict: %v %v", err, resp.Err)
	}
	strict := newClient(t, addr, kgo.RecordRetries(0), kgo.DisableIdempotentWrite())
	res := strict.ProduceSync(ctx, &kgo.Record{Topic: "strict", Value: []byte("old"), Timestamp: old})
	if err := res.FirstErr(); !errors.Is(err, kerr.InvalidTimestamp) {
		t.Errorf("old record to strict: %v, want INVALID_TIMESTAMP", err)
	}
}

// TestFranzGroupConfigs sets and describes KIP-848 group configs with raw
// requests, as kafka-configs.sh --entity-type groups sends them.
func TestFranzGroupConfigs(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := newClient(t, addr)

	alter := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeGroupConfig, "g"
	for name, value := range map[string]string{"consumer.session.timeout.ms": "50000", "consumer.heartbeat.interval.ms": "6000"} {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Value = name, kmsg.StringPtr(value)
		res.Configs = append(res.Configs, c)
	}
	alter.Resources = append(alter.Resources, res)
	aresp, err := alter.RequestWith(ctx, cl)
	if err != nil || aresp.Resources[0].ErrorCode != 0 {
		t.Fatalf("IncrementalAlterConfigs group: %v %+v", err, aresp)
	}

	describe := kmsg.NewPtrDescribeConfigsRequest()
	dres := kmsg.NewDescribeConfigsRequestResource()
	dres.ResourceType, dres.ResourceName = kmsg.ConfigResourceTypeGroupConfig, "g"
	describe.Resources = append(describe.Resources, dres)
	describe.IncludeDocumentation = true
	dresp, err := describe.RequestWith(ctx, cl)
	if err != nil || dresp.Resources[0].ErrorCode != 0 {
		t.Fatalf("DescribeConfigs group: %v %+v", err, dresp)
	}
	got := map[string]string{}
	for _, c := range dresp.Resources[0].Configs {
		if c.Value != nil {
			got[c.Name] = *c.Value + " " + c.Source.String()
		}
	}
	for name, want := range map[string]string{
		"consumer.session.timeout.ms":    "50000 GROUP_CONFIG",
		"consumer.heartbeat.interval.ms": "6000 GROUP_CONFIG",
		"share.record.lock.duration.ms":  "30000 DEFAULT_CONFIG",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}

	// A session timeout above group.consumer.max.session.timeout.ms.
	res.Configs = res.Configs[:1]
	res.Configs[0].Name, res.Configs[0].Value = "consumer.session.timeout.ms", kmsg.StringPtr("600000")
	alter.Resources = []kmsg.IncrementalAlterConfigsRequestResource{res}
	aresp, err = alter.RequestWith(ctx, cl)
	if err != nil || aresp.Resources[0].ErrorCode != kerr.InvalidConfig.Code || !strings.Contains(*aresp.Resources[0].ErrorMessage, "group.consumer.max.session.timeout.ms") {
		t.Errorf("out of bounds: %v %+v", err, aresp.Resources[0])
	}
}

// TestConfluentTopicConfigs runs py/confluent_configs.py: librdkafka's
// AdminClient creates, describes and alters topic configs, and its
// producer's delivery reports carry the broker's LogAppendTime from the
// Produce response.
func TestConfluentTopicConfigs(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	var got struct {
		Described  map[string][2]any `json:"described"`
		AfterAlter map[string][2]any `json:"after_alter"`
		BadError   string            `json:"bad_error"`
		StartMs    int64             `json:"start_ms"`
		LATType    int               `json:"log_append_time_type"`
		Reports    [][3]any          `json:"reports"`
		Consumed   [][3]any          `json:"consumed"`
	}
	runPython(t, "confluent_kafka", "confluent_configs.py", &got, addr, "confluent-configs")
	value := func(m map[string][2]any, name string) string { s, _ := m[name][0].(string); return s }
	for name, want := range map[string]string{
		"message.timestamp.type": "LogAppendTime", "compression.type": "gzip", "segment.ms": "3600000",
		"delete.retention.ms": "1000", "min.cleanable.dirty.ratio": "0.2", "preallocate": "true",
		"segment.index.bytes": "10485760",
	} {
		if v := value(got.Described, name); v != want {
			t.Errorf("described %s = %q, want %q", name, v, want)
		}
	}
	if value(got.AfterAlter, "retention.ms") != "86400000" || value(got.AfterAlter, "segment.jitter.ms") != "10" || value(got.AfterAlter, "preallocate") != "false" {
		t.Errorf("after alter_configs: %v", got.AfterAlter)
	}
	if !strings.Contains(got.BadError, "brotli") {
		t.Errorf("compression.type=brotli: error %q, want one naming brotli", got.BadError)
	}
	if len(got.Reports) != 10 || len(got.Consumed) != 10 {
		t.Fatalf("%d delivery reports, %d consumed, want 10 each: %v %v", len(got.Reports), len(got.Consumed), got.Reports, got.Consumed)
	}
	// Both say LogAppendTime, at the broker's clock, not 2001.
	for _, r := range got.Reports {
		if r[0] != "" || int(r[1].(float64)) != got.LATType || int64(r[2].(float64)) < got.StartMs-1000 {
			t.Errorf("delivery report %v: want no error, timestamp type %d, at or after %d", r, got.LATType, got.StartMs)
		}
	}
	for _, r := range got.Consumed {
		if int(r[0].(float64)) != got.LATType || int64(r[1].(float64)) < got.StartMs-1000 {
			t.Errorf("consumed %v: want timestamp type %d, at or after %d", r, got.LATType, got.StartMs)
		}
	}
}

// TestFranzBrokerConfigs sets dynamic broker configs with kadm, as
// kafka-configs.sh --entity-type brokers does: a cluster-wide
// log.retention.ms and this broker's message.max.bytes, read back with
// their sources from the default resource, the broker and a topic; a
// config that is not dynamic is refused; the legacy whole-state call
// empties the default resource.
func TestFranzBrokerConfigs(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)
	if resp, err := adm.CreateTopic(ctx, 1, 1, nil, "follows"); err != nil || resp.Err != nil {
		t.Fatalf("CreateTopic: %v %v", err, resp.Err)
	}

	alter := func(configs []kadm.AlterConfig, brokers ...int32) error {
		rs, err := adm.AlterBrokerConfigs(ctx, configs, brokers...)
		if err != nil {
			return err
		}
		return rs[0].Err
	}
	if err := alter([]kadm.AlterConfig{{Name: "log.retention.ms", Value: kadm.StringPtr("86400000")}}); err != nil {
		t.Fatalf("AlterBrokerConfigs default: %v", err)
	}
	if err := alter([]kadm.AlterConfig{{Name: "message.max.bytes", Value: kadm.StringPtr("500000")}}, 0); err != nil {
		t.Fatalf("AlterBrokerConfigs 0: %v", err)
	}
	if err := alter([]kadm.AlterConfig{{Name: "num.io.threads", Value: kadm.StringPtr("16")}}); !errors.Is(err, kerr.InvalidRequest) {
		t.Errorf("num.io.threads: %v, want INVALID_REQUEST", err)
	}

	source := func(rc kadm.ResourceConfig, key string) string {
		for _, c := range rc.Configs {
			if c.Key == key {
				s := c.MaybeValue() + " " + c.Source.String()
				for _, syn := range c.Synonyms {
					s += " [" + syn.Key + " " + syn.Source.String() + "]"
				}
				return s
			}
		}
		return "missing"
	}
	defaults, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil || len(defaults) != 1 || defaults[0].Err != nil {
		t.Fatalf("DescribeBrokerConfigs default: %v %+v", err, defaults)
	}
	if got := source(defaults[0], "log.retention.ms"); got != "86400000 DYNAMIC_DEFAULT_BROKER_CONFIG [log.retention.ms DYNAMIC_DEFAULT_BROKER_CONFIG]" || len(defaults[0].Configs) != 1 {
		t.Errorf("default resource: %s, %d configs", got, len(defaults[0].Configs))
	}
	broker, err := adm.DescribeBrokerConfigs(ctx, 0)
	if err != nil || len(broker) != 1 || broker[0].Err != nil {
		t.Fatalf("DescribeBrokerConfigs 0: %v %+v", err, broker)
	}
	if got := source(broker[0], "message.max.bytes"); got != "500000 DYNAMIC_BROKER_CONFIG [message.max.bytes DYNAMIC_BROKER_CONFIG] [message.max.bytes DEFAULT_CONFIG]" {
		t.Errorf("broker 0 message.max.bytes: %s", got)
	}
	topic, err := adm.DescribeTopicConfigs(ctx, "follows")
	if err != nil || len(topic) != 1 || topic[0].Err != nil {
		t.Fatalf("DescribeTopicConfigs: %v %+v", err, topic)
	}
	if got := source(topic[0], "retention.ms"); got != "86400000 DYNAMIC_DEFAULT_BROKER_CONFIG [log.retention.ms DYNAMIC_DEFAULT_BROKER_CONFIG] [log.retention.hours DEFAULT_CONFIG]" {
		t.Errorf("topic retention.ms: %s", got)
	}
	// A record over the dynamic message.max.bytes is refused.
	big := newClient(t, addr, kgo.RecordRetries(0), kgo.ProducerBatchMaxBytes(1<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err := big.ProduceSync(ctx, &kgo.Record{Topic: "follows", Value: make([]byte, 600000)}).FirstErr(); !errors.Is(err, kerr.MessageTooLarge) {
		t.Errorf("600 kB record: %v, want MESSAGE_TOO_LARGE", err)
	}

	if rs, err := adm.AlterBrokerConfigsState(ctx, nil); err != nil || rs[0].Err != nil {
		t.Fatalf("AlterBrokerConfigsState: %v %+v", err, rs)
	}
	if defaults, err = adm.DescribeBrokerConfigs(ctx); err != nil || len(defaults[0].Configs) != 0 {
		t.Errorf("default resource after AlterBrokerConfigsState(nil): %v %+v", err, defaults)
	}
}
