// This file holds client metrics subscriptions (KIP-714): named sets of
// configs on a CLIENT_METRICS resource (type 16) that say which metrics
// matching clients should push, and how often. It is in Part IV,
// operations, beside the group configs (groupconfigs.go), whose store it
// shares, and assumes the config APIs of topicconfigs.go.
//
// kafka-client-metrics.sh is how an operator keeps them:
//
//	kafka-client-metrics.sh --alter --name cm1 --metrics org.apache.kafka.producer. \
//	    --interval 10000 --match client_id=app
//	kafka-client-metrics.sh --describe --name cm1      metrics=org.apache.kafka.producer.
//	                                                   interval.ms=10000
//	                                                   match=client_id=app
//	kafka-client-metrics.sh --list                     cm1
//	kafka-client-metrics.sh --delete --name cm1
//
// which is IncrementalAlterConfigs (SET, or DELETE of the three), then
// DescribeConfigs and ListConfigResources (ListClientMetricsResources
// before KIP-1142). Kafka 4.0 keeps a subscription in its metadata log
// whether or not a metrics reporter collects client telemetry, and so
// does this broker, in client-metrics.json; a subscription with no
// configs left is gone. The configs are those of Kafka's
// ClientMetricsConfigs, checked as its validate checks them, in its
// words and with its codes:
//
//	metrics      a list of metric name prefixes, "*" for all (default empty)
//	interval.ms  how often to push, 100 to 3600000 (default 300000)
//	match        a list of name=regex, the names client_instance_id,
//	             client_id, client_software_name, client_software_version,
//	             client_source_address, client_source_port (default empty)
//
// Design note: what a subscription asks is never sent to a client,
// since this broker does not serve GetTelemetrySubscriptions or
// PushTelemetry, which Kafka too leaves out of ApiVersions without a
// metrics reporter that collects them (kafka.go). Keeping the
// subscriptions all the same means an operator's scripts, and a cluster
// moved to Kafka with its configs, find them as they left them.

package kafka

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The client metrics configs (ClientMetricsConfigs), and the file the
// subscriptions are kept in.
const (
	clientMetricsMetricsConfig  = "metrics"
	clientMetricsIntervalConfig = "interval.ms"
	clientMetricsMatchConfig    = "match"
	clientMetricsFile           = "client-metrics.json"
	// sourceClientMetrics is DescribeConfigs' CLIENT_METRICS_CONFIG.
	sourceClientMetrics int8 = 7
)

// clientMatchNames are what a match pattern may test.
var clientMatchNames = []string{"client_instance_id", "client_id", "client_software_name", "client_software_version", "client_source_address", "client_source_port"}

// openClientMetrics reads client-metrics.json, as openGroupConfigs reads
// the group configs: a file that does not parse, or holds a subscription
// the APIs would refuse, stops the start.
func openClientMetrics(dataDir string) (*configStore, error) {
	return openConfigStore(filepath.Join(dataDir, clientMetricsFile), "client metrics subscriptions", func(id, name, value string) *configError {
		if err := validateClientMetrics(id, map[string]string{name: value}); err != nil {
			return &configError{err.code, fmt.Sprintf("subscription %q: %s", id, err.msg)}
		}
		return nil
	})
}

// validateClientMetrics is ClientMetricsConfigs.validate of subscription
// name with configs c, after an alteration: an unknown name, then each
// value, INVALID_REQUEST or INVALID_CONFIG as Kafka's exceptions map.
func validateClientMetrics(name string, c map[string]string) *configError {
	if name == "" {
		return &configError{codeInvalidRequest, "Subscription name can't be empty"}
	}
	for _, k := range slices.Sorted(maps.Keys(c)) {
		if k != clientMetricsMetricsConfig && k != clientMetricsIntervalConfig && k != clientMetricsMatchConfig {
			return &configError{codeInvalidRequest, "Unknown client metrics configuration: " + k}
		}
	}
	if v, ok := c[clientMetricsIntervalConfig]; ok {
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			// ConfigDef.parseType's ConfigException, INVALID_CONFIG.
			return invalidConfig("Invalid value %s for configuration %s: Not a number of type INT", v, clientMetricsIntervalConfig)
		}
		if ms < 100 || ms > 3600000 {
			return &configError{codeInvalidRequest, fmt.Sprintf("Invalid value %d for %s, interval must be between 100 and 3600000 (1 hour)", ms, clientMetricsIntervalConfig)}
		}
	}
	for _, p := range configList(c[clientMetricsMatchConfig]) {
		if !validClientMatch(p) {
			return invalidConfig("Illegal client matching pattern: %s", p)
		}
	}
	return nil
}

// validClientMatch is ClientMetricsConfigs.parseMatchingPatterns for one
// pattern: name=regex, split at "=" as Java's String.split does, which
// drops trailing empty parts, so "client_id=" has one part and is
// refused. The regex is Go's, which refuses some of Java's syntax
// (lookarounds, backreferences) that Kafka would take.
func validClientMatch(p string) bool {
	parts := strings.Split(p, "=")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 || !slices.Contains(clientMatchNames, strings.TrimSpace(parts[0])) {
		return false
	}
	_, err := regexp.Compile(strings.TrimSpace(parts[1]))
	return err == nil
}

// applyClientMetricsOps applies IncrementalAlterConfigs operations to a
// subscription's configs, as ConfigurationControlManager does before it
// validates the result: SET and DELETE for any name (validation refuses
// unknown ones after), APPEND and SUBTRACT for the two LIST configs only.
func applyClientMetricsOps(cur map[string]string, ops []configOp) (map[string]string, *configError) {
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]string{}
	}
	for _, o := range ops {
		switch o.op {
		case opSet:
			next[o.name] = deref(o.value)
		case opDelete:
			delete(next, o.name)
		case opAppend, opSubtract:
			if o.name != clientMetricsMetricsConfig && o.name != clientMetricsMatchConfig {
				return nil, invalidConfig("Can't %s to key %s because its type is not LIST.", opNames[o.op], o.name)
			}
			items := configList(next[o.name])
			for _, v := range configList(deref(o.value)) {
				has := slices.Contains(items, v)
				if o.op == opAppend && !has {
					items = append(items, v)
				} else if o.op == opSubtract && has {
					items = slices.DeleteFunc(items, func(s string) bool { return s == v })
				}
			}
			next[o.name] = strings.Join(items, ",")
		default:
			return nil, &configError{codeInvalidRequest, fmt.Sprintf("Unknown operation type %d", o.op)}
		}
	}
	return next, nil
}

// newClientMetricsConfig is an AlterConfigs (legacy) entry's configs,
// which replace all the subscription had.
func newClientMetricsConfig(names []string, values []*string) map[string]string {
	c := make(map[string]string, len(names))
	for i, n := range names {
		c[n] = deref(values[i])
	}
	return c
}

// alterClientMetrics is alterConfigs for a CLIENT_METRICS resource: change
// makes the new configs from the old, which are then validated whole. A
// config error is the client's; any other is the broker's disk,
// UNKNOWN_SERVER_ERROR, and the subscription stays as it was.
func (b *Broker) alterClientMetrics(name string, validateOnly bool, change func(map[string]string) (map[string]string, *configError)) (int16, *string) {
	return b.alterAnswered(b.clientMetrics, name, name, validateOnly, func(cur map[string]string) (map[string]string, *configError) {
		next, err := change(cur)
		if err == nil {
			err = validateClientMetrics(name, next)
		}
		return next, err
	})
}

// clientMetricsEntries describes a subscription's configs as Kafka's
// ConfigHelper does: only those set, each CLIENT_METRICS_CONFIG, with no
// type, documentation or synonyms; a subscription that does not exist
// has none.
func (b *Broker) clientMetricsEntries(name string) []configEntry {
	c := b.clientMetrics.get(name)
	entries := make([]configEntry, 0, len(c))
	for _, k := range slices.Sorted(maps.Keys(c)) {
		entries = append(entries, configEntry{name: k, value: c[k], source: sourceClientMetrics, synonyms: []configSynonym{}})
	}
	return entries
}
