// This file holds topic configs: the settings a topic may override
// (cleanup.policy, max.message.bytes, min.insync.replicas, retention.bytes,
// retention.ms, segment.bytes), their
// types, defaults and checks; the operations AlterConfigs and
// IncrementalAlterConfigs apply to them; the entries DescribeConfigs and
// CreateTopics report for a topic and for the broker; and topic.config,
// the file that keeps a topic's overrides; and, after them, the three
// config APIs, DescribeConfigs, AlterConfigs and IncrementalAlterConfigs,
// in the same form as handlers.go.
//
// A config has a value at one of several levels, highest first: set on the
// topic (a "dynamic topic config"), set on the broker (here, by a
// command-line flag: a "static broker config"), or Kafka's default. The
// topic name of a setting and the broker's differ (retention.ms and
// log.retention.ms); Kafka calls the lower levels the synonyms of the
// entry, and DescribeConfigs lists them on request:
//
//	retention.ms      = 3600000    DYNAMIC_TOPIC_CONFIG   set by AlterConfigs
//	log.retention.ms  = 604800000  DEFAULT_CONFIG         what it would be otherwise
//
// Design note: a topic stores only what was set on it, as Kafka's metadata
// log keeps only a topic's overrides; everything else follows the broker.
// That is what makes DELETE in IncrementalAlterConfigs mean "back to the
// default", and a topic that never set segment.bytes follow -segment-bytes
// across restarts.
//
// Design note: the overrides live in topic.config in the topic's partition
// 0 directory, a key=value file replaced atomically (writeFileAtomic).
// Partition 0 is there for exactly as long as the topic is: a topic loads
// only with its partition 0 (checkPartitionDirs), and DeleteTopic renames
// partition 0's dir away first, file and all. So the configs cannot
// outlive the topic, and a crash can never leave a topic with half of an
// update.
//
// Where we differ from Kafka: only these six topic configs exist, each
// enforced; any other name, even one Kafka knows, is INVALID_CONFIG, so a
// client never believes a setting took effect when it did not.
// min.insync.replicas is among them because setup scripts often pass it:
// with one replica, a value above 1 makes every acks=all produce fail with
// NOT_ENOUGH_REPLICAS, exactly as a single-broker Kafka would. cleanup.policy accepts
// compact, as Kafka's internal topics and Kafka Connect ask for it, but
// nothing is compacted: a topic without delete in its policy simply keeps
// everything. Broker configs can be described, not altered: they are the
// command-line flags.

package kafka

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names of the topic configs, as in Kafka's TopicConfig.
const (
	cleanupPolicyConfig     = "cleanup.policy"
	maxMessageBytesConfig   = "max.message.bytes"
	minInsyncReplicasConfig = "min.insync.replicas"
	retentionBytesConfig    = "retention.bytes"
	retentionMsConfig       = "retention.ms"
	segmentBytesConfig      = "segment.bytes"
)

// Kafka's defaults for the topic configs no broker flag sets.
const (
	defaultRetentionMs    = 7 * 24 * 60 * 60 * 1000 // log.retention.hours=168: 604800000
	defaultRetentionBytes = -1                      // log.retention.bytes: no limit
	defaultCleanupPolicy  = "delete"                // log.cleanup.policy
)

// minSegmentBytes is segment.bytes's lower bound in Kafka,
// LegacyRecord.RECORD_OVERHEAD_V0. Any segment smaller than its first
// batch holds just that batch, so small values are legal, if wasteful.
const minSegmentBytes = 14

// Types of config values, DescribeConfigs' ConfigType (KIP-620).
const (
	configTypeBoolean int8 = 1
	configTypeInt     int8 = 3
	configTypeLong    int8 = 5
	configTypeList    int8 = 7
)

// Where a config's value comes from, DescribeConfigs' ConfigSource
// (KIP-226), highest precedence first. Only the sources this broker has
// are listed.
const (
	sourceTopic        int8 = 1 // DYNAMIC_TOPIC_CONFIG: set on the topic
	sourceStaticBroker int8 = 4 // STATIC_BROKER_CONFIG: a command-line flag
	sourceDefault      int8 = 5 // DEFAULT_CONFIG: Kafka's default
)

// topicConfigDef describes one topic config.
type topicConfigDef struct {
	name   string
	broker string // the broker config that gives its default
	typ    int8
	list   bool // a LIST: the only kind APPEND and SUBTRACT apply to
	doc    string
	// check refuses a bad value and returns a good one in canonical form.
	check func(string) (string, error)
}

// topicConfigDefs lists the topic configs, sorted by name, which is the
// order DescribeConfigs answers in.
var topicConfigDefs = []topicConfigDef{
	{cleanupPolicyConfig, "log.cleanup.policy", configTypeList, true,
		"delete, compact or both. Segments expire only under delete; compact is accepted but not carried out.", checkCleanupPolicy},
	{maxMessageBytesConfig, "message.max.bytes", configTypeInt, false,
		"The largest record batch a producer may send to this topic.", checkInt(0)},
	{minInsyncReplicasConfig, "min.insync.replicas", configTypeInt, false,
		"The replicas that must have an acks=all produce; this broker has one, so more fails with NOT_ENOUGH_REPLICAS.", checkInt(1)},
	{retentionBytesConfig, "log.retention.bytes", configTypeLong, false,
		"The size a partition may reach before its oldest segments are deleted; -1 for no limit.", checkLong(math.MinInt64)},
	{retentionMsConfig, "log.retention.ms", configTypeLong, false,
		"How long a segment is kept after its newest record, in milliseconds; -1 for ever.", checkLong(-1)},
	{segmentBytesConfig, "log.segment.bytes", configTypeInt, false,
		"The size at which a partition's active segment is closed and a new one started.", checkInt(minSegmentBytes)},
}

func lookupTopicConfig(name string) *topicConfigDef {
	for i := range topicConfigDefs {
		if topicConfigDefs[i].name == name {
			return &topicConfigDefs[i]
		}
	}
	return nil
}

func checkLong(least int64) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return "", fmt.Errorf("%q is not a long", v)
		}
		if n < least {
			return "", fmt.Errorf("%d is below the minimum %d", n, least)
		}
		return strconv.FormatInt(n, 10), nil
	}
}

func checkInt(least int64) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
		if err != nil {
			return "", fmt.Errorf("%q is not an int", v)
		}
		if n < least {
			return "", fmt.Errorf("%d is below the minimum %d", n, least)
		}
		return strconv.FormatInt(n, 10), nil
	}
}

// checkCleanupPolicy accepts a non-empty comma-separated list of delete
// and compact, and writes it without spaces or repeats.
func checkCleanupPolicy(v string) (string, error) {
	var items []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item != "delete" && item != "compact" {
			return "", fmt.Errorf("%q is not delete or compact", item)
		}
		if !slices.Contains(items, item) {
			items = append(items, item)
		}
	}
	return strings.Join(items, ","), nil
}

// configError is a refused config change or creation: the Kafka error
// code, INVALID_CONFIG or INVALID_REQUEST, and why.
type configError struct {
	code int16
	msg  string
}

// Error returns why the config was refused.
func (e *configError) Error() string { return e.msg }

func invalidConfig(format string, args ...any) *configError {
	return &configError{codeInvalidConfig, fmt.Sprintf(format, args...)}
}

// topicConfig is what was set on one topic: config name to value, each
// checked and canonical. A missing name follows the broker's default. It
// is never changed once made; alterations build a new one.
type topicConfig map[string]string

// retention is the topic's retention.ms and retention.bytes, or keepAll if
// its cleanup policy does not include delete.
func (c topicConfig) retention() retention {
	policy := cmp.Or(c[cleanupPolicyConfig], defaultCleanupPolicy)
	if !slices.Contains(strings.Split(policy, ","), "delete") {
		return keepAll
	}
	r := retention{ms: defaultRetentionMs, bytes: defaultRetentionBytes}
	if v, ok := c[retentionMsConfig]; ok {
		r.ms, _ = strconv.ParseInt(v, 10, 64)
	}
	if v, ok := c[retentionBytesConfig]; ok {
		r.bytes, _ = strconv.ParseInt(v, 10, 64)
	}
	return r
}

// maxMessageBytes is the topic's max.message.bytes, or the broker's def.
func (c topicConfig) maxMessageBytes(def int32) int {
	if v, ok := c[maxMessageBytesConfig]; ok {
		n, _ := strconv.Atoi(v)
		return n
	}
	return int(def)
}

// minInsyncReplicas is the topic's min.insync.replicas, 1 by default.
func (c topicConfig) minInsyncReplicas() int {
	if v, ok := c[minInsyncReplicasConfig]; ok {
		n, _ := strconv.Atoi(v)
		return n
	}
	return 1
}

// segmentBytes is the topic's segment.bytes, or the broker's def.
func (c topicConfig) segmentBytes(def int64) int64 {
	if v, ok := c[segmentBytesConfig]; ok {
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return def
}

// newTopicConfig checks the configs of a CreateTopics or AlterConfigs
// entry: every name must be a topic config and every value good, and a
// name may not repeat. A null value is answered with nullCode: CreateTopics
// calls it an invalid config, AlterConfigs an invalid request, both in
// Kafka's words.
func newTopicConfig(names []string, values []*string, nullCode int16) (topicConfig, *configError) {
	c := topicConfig{}
	for i, name := range names {
		if _, dup := c[name]; dup {
			return nil, &configError{codeInvalidRequest, fmt.Sprintf("config %s is given twice", name)}
		}
		if values[i] == nil {
			return nil, &configError{nullCode, "null value not supported for topic config " + name}
		}
		v, err := checkTopicConfig(name, *values[i])
		if err != nil {
			return nil, err
		}
		c[name] = v
	}
	return c, nil
}

// checkTopicConfig checks one value of a topic config.
func checkTopicConfig(name, value string) (string, *configError) {
	def := lookupTopicConfig(name)
	if def == nil {
		return "", invalidConfig("unknown topic config %s (this broker has %s)", name, strings.Join(topicConfigNames(), ", "))
	}
	v, err := def.check(value)
	if err != nil {
		return "", invalidConfig("invalid value for %s: %v", name, err)
	}
	return v, nil
}

func topicConfigNames() []string {
	names := make([]string, len(topicConfigDefs))
	for i, d := range topicConfigDefs {
		names[i] = d.name
	}
	return names
}

// Operations of IncrementalAlterConfigs (KIP-339).
const (
	opSet      int8 = 0
	opDelete   int8 = 1
	opAppend   int8 = 2
	opSubtract int8 = 3
)

// configOp is one change to one config.
type configOp struct {
	name  string
	op    int8
	value *string
}

// applyConfigOps returns the topic configs after ops, in order, as
// IncrementalAlterConfigs applies them: SET replaces, DELETE returns to the
// default, APPEND and SUBTRACT add and remove list items, starting from
// the current value, be it set or the default. APPEND and SUBTRACT on a
// config that is not a list are INVALID_CONFIG, as are a resulting value
// the config does not accept and an unknown name; a repeated name and a
// null value to SET are INVALID_REQUEST, as in Kafka.
func applyConfigOps(cur topicConfig, ops []configOp, defaults func(name string) string) (topicConfig, *configError) {
	next := topicConfig{}
	for k, v := range cur {
		next[k] = v
	}
	seen := map[string]bool{}
	for _, o := range ops {
		if seen[o.name] {
			return nil, &configError{codeInvalidRequest, fmt.Sprintf("config %s is altered twice", o.name)}
		}
		seen[o.name] = true
		def := lookupTopicConfig(o.name)
		if def == nil {
			return nil, invalidConfig("unknown topic config %s", o.name)
		}
		switch o.op {
		case opSet:
			if o.value == nil {
				return nil, &configError{codeInvalidRequest, "null value not supported for " + o.name}
			}
			v, err := checkTopicConfig(o.name, *o.value)
			if err != nil {
				return nil, err
			}
			next[o.name] = v
		case opDelete:
			delete(next, o.name)
		case opAppend, opSubtract:
			if !def.list {
				return nil, invalidConfig("%s is not a list config, so it cannot be appended to or subtracted from", o.name)
			}
			cur, ok := next[o.name]
			if !ok {
				cur = defaults(o.name)
			}
			items := strings.Split(cur, ",")
			for item := range strings.SplitSeq(deref(o.value), ",") {
				item = strings.TrimSpace(item)
				if o.op == opAppend && !slices.Contains(items, item) {
					items = append(items, item)
				}
				if o.op == opSubtract {
					items = slices.DeleteFunc(items, func(s string) bool { return s == item })
				}
			}
			v, err := checkTopicConfig(o.name, strings.Join(items, ","))
			if err != nil {
				return nil, err
			}
			next[o.name] = v
		default:
			return nil, &configError{codeInvalidRequest, fmt.Sprintf("unknown config operation %d for %s", o.op, o.name)}
		}
	}
	return next, nil
}

// The topic.config file.
//
// One line per override, name=value, after a comment; values never hold a
// newline, which every check above refuses.
const topicConfigFile = "topic.config"

func (c topicConfig) encode() []byte {
	var b bytes.Buffer
	b.WriteString("# topic configs set by CreateTopics, AlterConfigs and IncrementalAlterConfigs\n")
	for _, name := range topicConfigNames() {
		if v, ok := c[name]; ok {
			fmt.Fprintf(&b, "%s=%s\n", name, v)
		}
	}
	return b.Bytes()
}

// parseTopicConfigFile reads topic.config. Each value is checked again, so
// a hand-edited file cannot give a topic a value the APIs would refuse.
func parseTopicConfigFile(b []byte) (topicConfig, error) {
	c := topicConfig{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("kafka: %s: line %q is not name=value", topicConfigFile, line)
		}
		v, err := checkTopicConfig(name, value)
		if err != nil {
			return nil, fmt.Errorf("kafka: %s: %s", topicConfigFile, err.msg)
		}
		c[name] = v
	}
	return c, nil
}

// Entries for DescribeConfigs and CreateTopics.

// configEntry is one config as DescribeConfigs reports it.
type configEntry struct {
	name     string
	value    string
	null     bool // the value is null: not set at any level
	source   int8
	readOnly bool
	typ      int8
	doc      string
	synonyms []configSynonym // highest precedence first, the entry's own level included
}

type configSynonym struct {
	name   string
	value  string
	source int8
}

// brokerDefault is the broker-level value of a topic config: the broker
// config that supplies it, its value and where that comes from.
func (b *Broker) brokerDefault(def *topicConfigDef) configSynonym {
	s := configSynonym{name: def.broker, source: sourceDefault}
	switch def.name {
	case cleanupPolicyConfig:
		s.value = defaultCleanupPolicy
	case maxMessageBytesConfig:
		s.value = strconv.Itoa(int(b.cfg.MaxMessageBytes))
		if b.cfg.MaxMessageBytes != defaultMaxMessageBytes {
			s.source = sourceStaticBroker
		}
	case minInsyncReplicasConfig:
		s.value = "1"
	case retentionBytesConfig:
		s.value = strconv.Itoa(defaultRetentionBytes)
	case retentionMsConfig:
		s.value = strconv.Itoa(defaultRetentionMs)
	case segmentBytesConfig:
		s.value = strconv.FormatInt(b.cfg.SegmentBytes, 10)
		if b.cfg.SegmentBytes != defaultSegmentBytes {
			s.source = sourceStaticBroker
		}
	}
	return s
}

// topicConfigEntries describes every config of a topic with configs c.
func (b *Broker) topicConfigEntries(c topicConfig) []configEntry {
	entries := make([]configEntry, 0, len(topicConfigDefs))
	for i := range topicConfigDefs {
		def := &topicConfigDefs[i]
		broker := b.brokerDefault(def)
		e := configEntry{name: def.name, value: broker.value, source: broker.source, typ: def.typ, doc: def.doc}
		if v, ok := c[def.name]; ok {
			e.value, e.source = v, sourceTopic
			e.synonyms = append(e.synonyms, configSynonym{def.name, v, sourceTopic})
		}
		e.synonyms = append(e.synonyms, broker)
		entries = append(entries, e)
	}
	return entries
}

// defaultRetentionCheckInterval is log.retention.check.interval.ms.
const defaultRetentionCheckInterval = 5 * time.Minute

// Resource types of the config APIs (ConfigResource.Type).
const (
	resourceTopic  int8 = 2
	resourceBroker int8 = 4
)

// DescribeConfigs: v0-4 (DescribeConfigsRequest.json, DescribeConfigsResponse.json)
//
//	v1: IncludeSynonyms; ConfigSource replaces IsDefault; Synonyms (KIP-226)
//	v2: no change (throttling after the response, KIP-219)
//	v3: IncludeDocumentation; ConfigType and Documentation (KIP-569)
//	v4: flexible
//
// Describes a topic's configs, read-write, or the broker's, read-only
// (configs.go), each with its value and where the value comes from; with
// IncludeSynonyms, also the levels below it, and with IncludeDocumentation
// a sentence on what it does. Null ConfigurationKeys asks for every
// config; a name that does not exist is left out, as in Kafka. A broker
// resource is named by this broker's node id, or "" for the defaults,
// which here are the same thing. kcat -L, confluent-kafka's and
// kafka-python's admin clients call this to show topic settings.
type describeConfigsRequest struct {
	Resources            []describeConfigsResource
	IncludeSynonyms      bool
	IncludeDocumentation bool
}

type describeConfigsResource struct {
	ResourceType      int8
	ResourceName      string
	ConfigurationKeys []string
}

func (m *describeConfigsRequest) decode(r *reader, v int16) {
	m.Resources = readArray(r, func(r *reader) (res describeConfigsResource) {
		res.ResourceType = r.Int8()
		res.ResourceName = r.String()
		res.ConfigurationKeys = r.Strings()
		r.SkipTags()
		return res
	})
	if v >= 1 {
		m.IncludeSynonyms = r.Bool()
	}
	if v >= 3 {
		m.IncludeDocumentation = r.Bool()
	}
	r.SkipTags()
}

type describeConfigsResponse struct {
	ThrottleTimeMs int32
	Results        []describeConfigsResult
}

type describeConfigsResult struct {
	ErrorCode    int16
	ErrorMessage *string
	ResourceType int8
	ResourceName string
	Configs      []describeConfigsResourceResult
}

type describeConfigsResourceResult struct {
	Name          string
	Value         *string
	ReadOnly      bool
	IsDefault     bool
	ConfigSource  int8
	IsSensitive   bool
	Synonyms      []describeConfigsSynonym
	ConfigType    int8
	Documentation *string
}

type describeConfigsSynonym struct {
	Name   string
	Value  *string
	Source int8
}

func (m *describeConfigsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Results, func(w *writer, res describeConfigsResult) {
		w.Int16(res.ErrorCode)
		w.NullableString(res.ErrorMessage)
		w.Int8(res.ResourceType)
		w.String(res.ResourceName)
		writeArrayNonNull(w, res.Configs, func(w *writer, c describeConfigsResourceResult) {
			w.String(c.Name)
			w.NullableString(c.Value)
			w.Bool(c.ReadOnly)
			if v == 0 {
				w.Bool(c.IsDefault)
			}
			if v >= 1 {
				w.Int8(c.ConfigSource)
			}
			w.Bool(c.IsSensitive)
			if v >= 1 {
				writeArrayNonNull(w, c.Synonyms, func(w *writer, s describeConfigsSynonym) {
					w.String(s.Name)
					w.NullableString(s.Value)
					w.Int8(s.Source)
					w.Tags()
				})
			}
			if v >= 3 {
				w.Int8(c.ConfigType)
				w.NullableString(c.Documentation)
			}
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeConfigs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeConfigsRequest)
	v := rc.header.APIVersion
	resp := &describeConfigsResponse{Results: make([]describeConfigsResult, 0, len(req.Resources))}
	for _, res := range req.Resources {
		out := describeConfigsResult{ResourceType: res.ResourceType, ResourceName: res.ResourceName, Configs: []describeConfigsResourceResult{}}
		var entries []configEntry
		switch res.ResourceType {
		case resourceTopic:
			t := b.logs.Topic(res.ResourceName)
			if t == nil {
				out.ErrorCode, out.ErrorMessage = codeUnknownTopicOrPartition, ptr("topic "+res.ResourceName+" does not exist")
				break
			}
			entries = b.topicConfigEntries(t.Configs)
		case resourceBroker:
			if res.ResourceName != "" && res.ResourceName != strconv.Itoa(int(b.cfg.NodeID)) {
				out.ErrorCode, out.ErrorMessage = codeInvalidRequest, ptr(fmt.Sprintf("unexpected broker id %s: this is broker %d", res.ResourceName, b.cfg.NodeID))
				break
			}
			entries = b.brokerConfigEntries()
		default:
			out.ErrorCode, out.ErrorMessage = codeInvalidRequest, ptr(fmt.Sprintf("resource type %d has no configs on this broker", res.ResourceType))
		}
		for _, e := range entries {
			if res.ConfigurationKeys == nil || slices.Contains(res.ConfigurationKeys, e.name) {
				out.Configs = append(out.Configs, describeEntry(e, req.IncludeSynonyms && v >= 1, req.IncludeDocumentation))
			}
		}
		resp.Results = append(resp.Results, out)
	}
	return resp
}

// describeEntry is a config entry as DescribeConfigs sends it.
func describeEntry(e configEntry, synonyms, doc bool) describeConfigsResourceResult {
	c := describeConfigsResourceResult{
		Name:         e.name,
		ReadOnly:     e.readOnly,
		IsDefault:    e.source == sourceDefault,
		ConfigSource: e.source,
		Synonyms:     []describeConfigsSynonym{},
		ConfigType:   e.typ,
	}
	if !e.null {
		c.Value = ptr(e.value)
	}
	if synonyms {
		for _, s := range e.synonyms {
			ds := describeConfigsSynonym{Name: s.name, Source: s.source}
			if s.value != "" {
				ds.Value = ptr(s.value)
			}
			c.Synonyms = append(c.Synonyms, ds)
		}
	}
	if doc {
		c.Documentation = ptr(e.doc)
	}
	return c
}

// AlterConfigs: v0-2 (AlterConfigsRequest.json, AlterConfigsResponse.json)
//
//	v1: no change (throttling after the response, KIP-219)
//	v2: flexible
//
// Replaces all of a resource's configs: the ones named are set, and every
// other goes back to its default. That makes it easy to undo someone
// else's change by accident, which is why IncrementalAlterConfigs
// (KIP-339) replaced it; it is here for the admin tools that still send
// it. Values are checked as at CreateTopics (INVALID_CONFIG); a null value
// is INVALID_REQUEST, as in Kafka. With ValidateOnly nothing changes.
//
// Where we differ from Kafka: broker configs are the command-line flags
// and cannot be altered (INVALID_REQUEST).
type alterConfigsRequest struct {
	Resources    []alterConfigsResource
	ValidateOnly bool
}

type alterConfigsResource struct {
	ResourceType int8
	ResourceName string
	Configs      []alterableConfig
}

type alterableConfig struct {
	Name  string
	Value *string
}

func (m *alterConfigsRequest) decode(r *reader, v int16) {
	m.Resources = readArray(r, func(r *reader) (res alterConfigsResource) {
		res.ResourceType = r.Int8()
		res.ResourceName = r.String()
		res.Configs = readArray(r, func(r *reader) (c alterableConfig) {
			c.Name = r.String()
			c.Value = r.NullableString()
			r.SkipTags()
			return c
		})
		r.SkipTags()
		return res
	})
	m.ValidateOnly = r.Bool()
	r.SkipTags()
}

// alterConfigsResponse is also IncrementalAlterConfigs' response, which has
// the same schema.
type alterConfigsResponse struct {
	ThrottleTimeMs int32
	Responses      []alterConfigsResourceResponse
}

type alterConfigsResourceResponse struct {
	ErrorCode    int16
	ErrorMessage *string
	ResourceType int8
	ResourceName string
}

func (m *alterConfigsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Responses, func(w *writer, res alterConfigsResourceResponse) {
		w.Int16(res.ErrorCode)
		w.NullableString(res.ErrorMessage)
		w.Int8(res.ResourceType)
		w.String(res.ResourceName)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleAlterConfigs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*alterConfigsRequest)
	resp := &alterConfigsResponse{Responses: make([]alterConfigsResourceResponse, 0, len(req.Resources))}
	dup := repeatedResources(len(req.Resources), func(i int) (int8, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	for i, res := range req.Resources {
		out := alterConfigsResourceResponse{ResourceType: res.ResourceType, ResourceName: res.ResourceName}
		names, values := make([]string, len(res.Configs)), make([]*string, len(res.Configs))
		for j, c := range res.Configs {
			names[j], values[j] = c.Name, c.Value
		}
		out.ErrorCode, out.ErrorMessage = b.alterConfigs(res.ResourceType, res.ResourceName, dup[i], req.ValidateOnly,
			func(topicConfig) (topicConfig, *configError) {
				return newTopicConfig(names, values, codeInvalidRequest)
			})
		resp.Responses = append(resp.Responses, out)
	}
	return resp
}

// repeatedResources marks the resources that appear more than once in one
// request; Kafka refuses every copy, since their order would decide.
func repeatedResources(n int, at func(int) (int8, string)) []bool {
	type key struct {
		typ  int8
		name string
	}
	count := make(map[key]int, n)
	for i := range n {
		typ, name := at(i)
		count[key{typ, name}]++
	}
	dup := make([]bool, n)
	for i := range n {
		typ, name := at(i)
		dup[i] = count[key{typ, name}] > 1
	}
	return dup
}

// alterConfigs changes one resource's configs for AlterConfigs and
// IncrementalAlterConfigs, change saying how, and returns the error code
// and message.
func (b *Broker) alterConfigs(typ int8, name string, repeated, validateOnly bool, change func(topicConfig) (topicConfig, *configError)) (int16, *string) {
	switch {
	case repeated:
		return codeInvalidRequest, ptr("the resource appears more than once in the request")
	case typ == resourceBroker:
		return codeInvalidRequest, ptr("broker configs are read-only: they are set by the broker's command-line flags")
	case typ != resourceTopic:
		return codeInvalidRequest, ptr(fmt.Sprintf("resource type %d has no configs on this broker", typ))
	}
	var after topicConfig
	err := b.logs.AlterTopicConfigs(name, func(before topicConfig) (topicConfig, *configError) {
		c, err := change(before)
		after = c
		return c, err
	}, validateOnly)
	var cerr *configError
	switch {
	case err == nil:
		if !validateOnly {
			b.log.Info("altered topic configs", "topic", name, "configs", after)
		}
		return codeNone, nil
	case errors.As(err, &cerr):
		return cerr.code, &cerr.msg
	case errors.Is(err, errUnknownTopic):
		return codeUnknownTopicOrPartition, ptr("topic " + name + " does not exist")
	default:
		b.log.Error("altering topic configs", "topic", name, "err", err)
		return codeUnknownServerError, ptr(err.Error())
	}
}

// IncrementalAlterConfigs: v0-1 (IncrementalAlterConfigsRequest.json, IncrementalAlterConfigsResponse.json)
//
//	v1: flexible
//
// Changes configs one at a time (KIP-339), leaving the others alone:
// SET (0) a value, DELETE (1) it back to the default, APPEND (2) or
// SUBTRACT (3) items of a list config, starting from the current value,
// set or default. cleanup.policy is the only list config here; APPEND or
// SUBTRACT on another is INVALID_CONFIG, as is an unknown name or a value
// the config does not accept. A config named twice in one resource, or an
// unknown operation, is INVALID_REQUEST. Each resource is all or nothing,
// and with ValidateOnly nothing changes. kadm's AlterTopicConfigs and
// kafka-configs.sh send this.
//
// Where we differ from Kafka: broker configs cannot be altered
// (INVALID_REQUEST), as in AlterConfigs.
type incrementalAlterConfigsRequest struct {
	Resources    []incrementalAlterConfigsResource
	ValidateOnly bool
}

type incrementalAlterConfigsResource struct {
	ResourceType int8
	ResourceName string
	Configs      []incrementalAlterableConfig
}

type incrementalAlterableConfig struct {
	Name            string
	ConfigOperation int8
	Value           *string
}

func (m *incrementalAlterConfigsRequest) decode(r *reader, v int16) {
	m.Resources = readArray(r, func(r *reader) (res incrementalAlterConfigsResource) {
		res.ResourceType = r.Int8()
		res.ResourceName = r.String()
		res.Configs = readArray(r, func(r *reader) (c incrementalAlterableConfig) {
			c.Name = r.String()
			c.ConfigOperation = r.Int8()
			c.Value = r.NullableString()
			r.SkipTags()
			return c
		})
		r.SkipTags()
		return res
	})
	m.ValidateOnly = r.Bool()
	r.SkipTags()
}

func (b *Broker) handleIncrementalAlterConfigs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*incrementalAlterConfigsRequest)
	resp := &alterConfigsResponse{Responses: make([]alterConfigsResourceResponse, 0, len(req.Resources))}
	dup := repeatedResources(len(req.Resources), func(i int) (int8, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	defaults := func(name string) string { return b.brokerDefault(lookupTopicConfig(name)).value }
	for i, res := range req.Resources {
		out := alterConfigsResourceResponse{ResourceType: res.ResourceType, ResourceName: res.ResourceName}
		ops := make([]configOp, len(res.Configs))
		for j, c := range res.Configs {
			ops[j] = configOp{name: c.Name, op: c.ConfigOperation, value: c.Value}
		}
		out.ErrorCode, out.ErrorMessage = b.alterConfigs(res.ResourceType, res.ResourceName, dup[i], req.ValidateOnly,
			func(cur topicConfig) (topicConfig, *configError) { return applyConfigOps(cur, ops, defaults) })
		resp.Responses = append(resp.Responses, out)
	}
	return resp
}
