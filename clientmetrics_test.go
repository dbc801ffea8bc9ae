package kafka

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestClientMetricsSubscriptions is kafka-client-metrics.sh against the
// broker: --alter sets a subscription, --describe and --list find it, also
// after a restart, bad values are refused in ClientMetricsConfigs' words,
// and --delete (a DELETE of every config) removes it. The broker used to
// refuse every alteration with "this broker keeps no client metrics
// subscriptions", where Kafka 4.0 keeps them.
func TestClientMetricsSubscriptions(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	set := func(name, value string) configOp { return configOp{name, opSet, ptr(value)} }
	if got := outcome(c.incrementalAlterConfigs(resourceClientMetrics, "cm1", false,
		set("metrics", "org.apache.kafka.producer.,org.apache.kafka.consumer.coordinator"), set("interval.ms", "10000"), set("match", "client_id=abc"))); got != "0 <nil>" {
		t.Fatalf("--alter: %s", got)
	}
	for _, tc := range []struct {
		ops  []configOp
		want string
	}{
		{[]configOp{set("interval.ms", "5")}, "42 Invalid value 5 for interval.ms, interval must be between 100 and 3600000 (1 hour)"},
		{[]configOp{set("interval.ms", "abc")}, "40 Invalid value abc for configuration interval.ms: Not a number of type INT"},
		{[]configOp{set("match", "foo=bar")}, "40 Illegal client matching pattern: foo=bar"},
		{[]configOp{set("match", "client_id=")}, "40 Illegal client matching pattern: client_id="},
		{[]configOp{set("colour", "red")}, "42 Unknown client metrics configuration: colour"},
		{[]configOp{{"interval.ms", opAppend, ptr("1")}}, "40 Can't APPEND to key interval.ms because its type is not LIST."},
	} {
		if got := outcome(c.incrementalAlterConfigs(resourceClientMetrics, "cm1", false, tc.ops...)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.ops, got, tc.want)
		}
	}
	if got := outcome(c.incrementalAlterConfigs(resourceClientMetrics, "cm1", false, configOp{"metrics", opAppend, ptr("org.apache.kafka.producer.,x.")})); got != "0 <nil>" {
		t.Errorf("APPEND: %s", got)
	}
	described := func(c *testClient, name string) map[string]string {
		t.Helper()
		res := c.describeConfigs(4, resourceClientMetrics, name, nil, false, false)
		got := map[string]string{}
		for _, e := range res.Configs {
			if e.ConfigSource != sourceClientMetrics || e.IsDefault || e.ReadOnly {
				t.Errorf("%s: source %d default %v read-only %v, want 7, false, false", e.Name, e.ConfigSource, e.IsDefault, e.ReadOnly)
			}
			got[e.Name] = deref(e.Value)
		}
		return got
	}
	want := map[string]string{"metrics": "org.apache.kafka.producer.,org.apache.kafka.consumer.coordinator,x.", "interval.ms": "10000", "match": "client_id=abc"}
	listed := func() []configResource {
		return serve(t, tb.Broker, 74, 1, &listConfigResourcesRequest{ResourceTypes: []int8{resourceClientMetrics}}).(*listConfigResourcesResponse).ConfigResources
	}
	tb.stop()
	tb = startBroker(t, tb.cfg.DataDir)
	c = dial(t, tb.addr)
	if diff := cmp.Diff(want, described(c, "cm1")); diff != "" {
		t.Errorf("--describe after a restart (-want +got):\n%s", diff)
	}
	if got := listed(); !cmp.Equal(got, []configResource{{"cm1", resourceClientMetrics}}) {
		t.Errorf("--list: %v", got)
	}
	if got := outcome(c.incrementalAlterConfigs(resourceClientMetrics, "cm1", false,
		configOp{"metrics", opDelete, nil}, configOp{"interval.ms", opDelete, nil}, configOp{"match", opDelete, nil})); got != "0 <nil>" {
		t.Fatalf("--delete: %s", got)
	}
	if got := listed(); len(got) != 0 {
		t.Errorf("--list after --delete: %v", got)
	}
	if got := described(c, "cm1"); len(got) != 0 {
		t.Errorf("--describe after --delete: %v", got)
	}
}
