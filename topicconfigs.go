// This file holds topic configs: every setting Kafka 4.0 lets a topic
// override, one row each in topicConfigDefs with its type, default,
// validator and broker synonym; the operations AlterConfigs and
// IncrementalAlterConfigs apply to them; the entries DescribeConfigs and
// CreateTopics report for a topic and for the broker; and topic.config,
// the file that keeps a topic's overrides; and, after them, the three
// config APIs, DescribeConfigs, AlterConfigs and IncrementalAlterConfigs,
// in the same form as handlers.go, and ListConfigResources, which lists
// what has configs. The group configs of KIP-848 use the same machinery
// (groupconfigs.go). The file is named topicconfigs.go, beside
// groupconfigs.go, so that it is not taken for Config (kafka.go), the
// broker's own settings, which settings.go sets by their Kafka names.
//
// Place in the book: Part IV, its first chapter. It assumes topics.go,
// whose partition 0 directory holds topic.config, and handlers.go, whose
// form the config APIs follow.
//
// A config has a value at one of several levels, highest first: set on the
// topic (a "dynamic topic config"), set on the broker while it runs (a
// "dynamic broker config", on this broker or cluster-wide:
// brokerconfigs.go), set on the broker at start (a flag or a line of
// server.properties: a "static broker config"), or Kafka's default. The
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
// only with its partition 0 (splitRun), and DeleteTopic renames
// partition 0's dir away first, file and all. So the configs cannot
// outlive the topic, and a crash can never leave a topic with half of an
// update.
//
// Which configs act: retention.ms, retention.bytes, cleanup.policy
// (whether delete is in it), segment.bytes, segment.ms and
// segment.jitter.ms, max.message.bytes and min.insync.replicas (with one
// replica, a value above 1 makes every acks=all produce fail with
// NOT_ENOUGH_REPLICAS, exactly as a single-broker Kafka would); and, on
// the produce path (validator.go), message.timestamp.type,
// message.timestamp.before.max.ms, message.timestamp.after.max.ms,
// compression.type and compression.gzip.level. delete.retention.ms,
// min.compaction.lag.ms, max.compaction.lag.ms and
// min.cleanable.dirty.ratio are for the cleaner. The rest tune what this
// broker does not have (replication, tiered storage, a flusher per topic,
// preallocated index files); they are checked, kept and reported, and
// their documentation says they have no effect. A name Kafka 4.0 does not
// know is INVALID_CONFIG, so a typo is never taken for a setting.
//
// Where we differ from Kafka: compression.zstd.level is kept but has no
// effect, since the broker's zstd encoder (zstd.go) has one level. Of the
// broker configs, only the dynamic ones of brokerconfigs.go can be
// altered; the rest are the settings the broker was started with.

package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names of the topic configs this file's code reads, as in Kafka's
// TopicConfig. The table below has every one. They are consts so that a
// typo in a name the code reads fails to compile, rather than read a
// config that never exists and so always has its default.
const (
	cleanupPolicyConfig          = "cleanup.policy"
	compressionTypeConfig        = "compression.type"
	compressionGzipLevelConfig   = "compression.gzip.level"
	deleteRetentionMsConfig      = "delete.retention.ms"
	maxCompactionLagMsConfig     = "max.compaction.lag.ms"
	maxMessageBytesConfig        = "max.message.bytes"
	minCleanableDirtyRatioConfig = "min.cleanable.dirty.ratio"
	minCompactionLagMsConfig     = "min.compaction.lag.ms"
	minInsyncReplicasConfig      = "min.insync.replicas"
	retentionBytesConfig         = "retention.bytes"
	retentionMsConfig            = "retention.ms"
	segmentBytesConfig           = "segment.bytes"
	segmentJitterMsConfig        = "segment.jitter.ms"
	segmentMsConfig              = "segment.ms"
	timestampAfterMaxMsConfig    = "message.timestamp.after.max.ms"
	timestampBeforeMaxMsConfig   = "message.timestamp.before.max.ms"
	timestampTypeConfig          = "message.timestamp.type"
	remoteStorageEnableConfig    = "remote.storage.enable"
	flushMessagesConfig          = "flush.messages"
	flushMsConfig                = "flush.ms"
)

// Values of topic configs, and Kafka's defaults for those that the code
// needs by name.
const (
	timestampTypeLogAppendTime = "LogAppendTime"
	timestampTypeCreateTime    = "CreateTime"
	compressionProducer        = "producer"
	compressionUncompressed    = "uncompressed"
	compressionGzip            = "gzip"
	compressionSnappy          = "snappy"
	compressionLZ4             = "lz4"
	compressionZstd            = "zstd"
	defaultCleanupPolicy       = "delete"                // log.cleanup.policy
	defaultRetentionMs         = 7 * 24 * 60 * 60 * 1000 // log.retention.hours=168: 604800000
	defaultRetentionBytes      = -1                      // log.retention.bytes: no limit
	defaultSegmentMs           = 7 * 24 * 60 * 60 * 1000 // log.roll.hours=168
	defaultDeleteRetentionMs   = 24 * 60 * 60 * 1000     // log.cleaner.delete.retention.ms
	longMax                    = "9223372036854775807"   // Long.MAX_VALUE, Kafka's "no limit"
	// minSegmentBytes is the topic config segment.bytes's lower bound in
	// Kafka 4.0's LogConfig, LegacyRecord.RECORD_OVERHEAD_V0. A batch
	// larger than segment.bytes is refused (RECORD_LIST_TOO_LARGE), so
	// small values are legal but take only small batches. Kafka 4.1
	// raised it to 1 MiB and added internal.segment.bytes for its tests
	// (KAFKA-19080); 4.0 did so only for the broker's log.segment.bytes.
	minSegmentBytes = 14
	// minLogSegmentBytes is log.segment.bytes's lower bound in Kafka 4.0's
	// ServerLogConfigs (KIP-1030).
	minLogSegmentBytes = 1 << 20
)

// configRemovedInKafka4Suffix ends the refusal of a topic config that
// Kafka 4.0 removed, so that an old script's author knows why.
const configRemovedInKafka4Suffix = " (removed in Apache Kafka 4.0)"

// Types of config values, DescribeConfigs' ConfigType (KIP-620). Admin
// clients hand it on (the Java client's ConfigEntry.type), so that a tool
// can parse a value without knowing the config. The types of topic and
// group configs are listed, and CLASS for the one fixed broker setting
// that names a class (principal.builder.class); SHORT and PASSWORD (4 and
// 9) are for broker and client configs that have no entry here.
const (
	configTypeBoolean int8 = 1
	configTypeString  int8 = 2
	configTypeInt     int8 = 3
	configTypeLong    int8 = 5
	configTypeDouble  int8 = 6
	configTypeList    int8 = 7
	configTypeClass   int8 = 8
)

// Where a config's value comes from, DescribeConfigs' ConfigSource
// (KIP-226), highest precedence first. Only the sources this broker has
// are listed: the dynamic broker sources (2 and 3) are with the dynamic
// broker configs (brokerconfigs.go), and CLIENT_METRICS_CONFIG (7) is
// sourceClientMetrics, in clientmetrics.go.
const (
	sourceTopic        int8 = 1 // DYNAMIC_TOPIC_CONFIG: set on the topic
	sourceStaticBroker int8 = 4 // STATIC_BROKER_CONFIG: a command-line flag
	sourceDefault      int8 = 5 // DEFAULT_CONFIG: Kafka's default
	sourceBrokerLogger int8 = 6 // DYNAMIC_BROKER_LOGGER_CONFIG: a logger's level
	sourceGroup        int8 = 8 // GROUP_CONFIG: set on the group (KIP-848)
)

// configDef describes one config of a topic or a group: one row of
// Kafka's ConfigDef.
type configDef struct {
	name string
	// broker is the broker config whose value is the default, as in
	// Kafka's ServerTopicConfigSynonyms; "" for the configs Kafka gives no
	// server default (LogConfig.CONFIGS_WITH_NO_SERVER_DEFAULTS), which
	// DescribeConfigs reports without synonyms.
	broker string
	typ    int8
	def    string // Kafka's default, unless a broker setting overrides it
	// check refuses a bad value, in ConfigDef's words, and returns a good
	// one in canonical form. Keeping the canonical form means that " 100"
	// and "100" are the same setting in topic.config and in every answer.
	check func(string) (string, error)
	// doc is DescribeConfigs' Documentation: one sentence, and for a
	// config without effect here, the noEffect sentence after it, so that
	// a user reading the description learns that before relying on it.
	doc string
}

// noEffect ends the documentation of a config that is accepted, kept and
// reported, but changes nothing here: it tunes what this broker does not
// have (replication, tiered storage, the page-cache flusher, index files
// of fixed size, the cleaner's scheduling).
const noEffect = " Accepted and reported; it has no effect on this broker."

// topicConfigDefs lists every topic config of Kafka 4.0, sorted by name,
// which is the order DescribeConfigs answers in: the names, types,
// defaults and validators of LogConfig's CONFIG at
// https://github.com/apache/kafka/blob/4.0.0/storage/src/main/java/org/apache/kafka/storage/internals/log/LogConfig.java,
// the broker synonyms of ServerTopicConfigSynonyms, and the compression
// levels of CompressionType. message.format.version,
// message.timestamp.difference.max.ms and message.downconversion.enable
// were removed in 4.0 (KIP-724, KIP-937) and are refused as unknown, as
// Kafka 4.0 refuses them.
var topicConfigDefs = []configDef{
	{cleanupPolicyConfig, "log.cleanup.policy", configTypeList, defaultCleanupPolicy, checkCleanupPolicy,
		"delete, compact or both. Segments expire only under delete; under compact the log cleaner keeps the latest record of each key."},
	{compressionGzipLevelConfig, "compression.gzip.level", configTypeInt, "-1", checkGzipLevel,
		"The gzip level used when compression.type is gzip: 1 to 9, or -1 for the default."},
	{"compression.lz4.level", "compression.lz4.level", configTypeInt, "9", checkIntIn(1, 17),
		"The lz4 level used when compression.type is lz4." + noEffect},
	{compressionTypeConfig, "compression.type", configTypeString, compressionProducer, checkCompressionType,
		"How batches are stored: producer keeps them as sent; uncompressed, gzip, snappy, lz4 and zstd rewrite a batch whose codec differs."},
	{"compression.zstd.level", "compression.zstd.level", configTypeInt, "3", checkIntIn(-131072, 22),
		"The zstd level used when compression.type is zstd." + noEffect + " The broker's zstd encoder has one level."},
	{deleteRetentionMsConfig, "log.cleaner.delete.retention.ms", configTypeLong, strconv.Itoa(defaultDeleteRetentionMs), checkLongAtLeast(0),
		"How long the cleaner keeps tombstones of a compacted topic, in milliseconds."},
	{"file.delete.delay.ms", "log.segment.delete.delay.ms", configTypeLong, "60000", checkLongAtLeast(0),
		"How long Kafka waits before deleting a segment file." + noEffect},
	{flushMessagesConfig, "log.flush.interval.messages", configTypeLong, longMax, checkLongAtLeast(1),
		"Messages between forced fsyncs of the log; the broker's -fsync decides here." + noEffect},
	{flushMsConfig, "log.flush.interval.ms", configTypeLong, longMax, checkLongAtLeast(0),
		"Milliseconds between forced fsyncs of the log; the broker's -fsync decides here." + noEffect},
	{"follower.replication.throttled.replicas", "", configTypeList, "", checkThrottledReplicas("follower.replication.throttled.replicas"),
		"Replicas throttled while following, as partition:broker pairs or *." + noEffect},
	{"index.interval.bytes", "log.index.interval.bytes", configTypeInt, "4096", checkIntIn(0, math.MaxInt32),
		"Bytes of batches between offset-index entries." + noEffect},
	{"leader.replication.throttled.replicas", "", configTypeList, "", checkThrottledReplicas("leader.replication.throttled.replicas"),
		"Replicas throttled while leading, as partition:broker pairs or *." + noEffect},
	{"local.retention.bytes", "log.local.retention.bytes", configTypeLong, "-2", checkLongAtLeast(-2),
		"Bytes kept locally under tiered storage; -2 follows retention.bytes." + noEffect},
	{"local.retention.ms", "log.local.retention.ms", configTypeLong, "-2", checkLongAtLeast(-2),
		"Milliseconds kept locally under tiered storage; -2 follows retention.ms." + noEffect},
	{maxCompactionLagMsConfig, "log.cleaner.max.compaction.lag.ms", configTypeLong, longMax, checkLongAtLeast(1),
		"The longest a record may stay ineligible for compaction; on a compacted topic it also bounds segment.ms."},
	{maxMessageBytesConfig, "message.max.bytes", configTypeInt, strconv.Itoa(defaultMaxMessageBytes), checkIntIn(0, math.MaxInt32),
		"The largest record batch a producer may send to this topic."},
	// An hour since Kafka 4.0 (KIP-1030, KAFKA-16368): a producer whose
	// clock is wrong, or that sends nanoseconds, is refused instead of
	// writing records that retention and segment rolls then misjudge.
	{timestampAfterMaxMsConfig, "log.message.timestamp.after.max.ms", configTypeLong, "3600000", checkLongAtLeast(0),
		"How far ahead of the broker's clock a CreateTime record may be, in milliseconds; later ones are INVALID_TIMESTAMP."},
	{timestampBeforeMaxMsConfig, "log.message.timestamp.before.max.ms", configTypeLong, longMax, checkLongAtLeast(0),
		"How far behind the broker's clock a CreateTime record may be, in milliseconds; earlier ones are INVALID_TIMESTAMP."},
	{timestampTypeConfig, "log.message.timestamp.type", configTypeString, timestampTypeCreateTime, checkOneOf(timestampTypeCreateTime, timestampTypeLogAppendTime),
		"CreateTime keeps the producer's timestamps; LogAppendTime stamps each batch with the broker's clock."},
	{minCleanableDirtyRatioConfig, "log.cleaner.min.cleanable.ratio", configTypeDouble, "0.5", checkRatio,
		"The share of a compacted log that must be uncleaned before the cleaner runs."},
	{minCompactionLagMsConfig, "log.cleaner.min.compaction.lag.ms", configTypeLong, "0", checkLongAtLeast(0),
		"The least time a record stays uncompacted, in milliseconds."},
	{minInsyncReplicasConfig, "min.insync.replicas", configTypeInt, "1", checkIntIn(1, math.MaxInt32),
		"The replicas that must have an acks=all produce; this broker has one, so more fails with NOT_ENOUGH_REPLICAS."},
	{"preallocate", "log.preallocate", configTypeBoolean, "false", checkBool,
		"Whether segment files are created at full size." + noEffect},
	{"remote.log.copy.disable", "", configTypeBoolean, "false", checkBool,
		"Whether copying to tiered storage stops." + noEffect},
	{"remote.log.delete.on.disable", "", configTypeBoolean, "false", checkBool,
		"Whether tiered data is deleted when tiered storage is turned off." + noEffect},
	{remoteStorageEnableConfig, "", configTypeBoolean, "false", checkRemoteStorage,
		"Tiered storage; this broker has none, so only false is accepted, as in a Kafka without it."},
	{retentionBytesConfig, "log.retention.bytes", configTypeLong, strconv.Itoa(defaultRetentionBytes), checkLongAtLeast(math.MinInt64),
		"The size a partition may reach before its oldest segments are deleted; -1 for no limit."},
	{retentionMsConfig, "log.retention.ms", configTypeLong, strconv.Itoa(defaultRetentionMs), checkLongAtLeast(-1),
		"How long a segment is kept after its newest record, in milliseconds; -1 for ever."},
	{segmentBytesConfig, "log.segment.bytes", configTypeInt, strconv.Itoa(defaultSegmentBytes), checkIntIn(minSegmentBytes, math.MaxInt32),
		"The size at which a partition's active segment is closed and a new one started."},
	{"segment.index.bytes", "log.index.size.max.bytes", configTypeInt, "10485760", checkIntIn(4, math.MaxInt32),
		"The size of a segment's index files." + noEffect},
	{segmentJitterMsConfig, "log.roll.jitter.ms", configTypeLong, "0", checkLongAtLeast(0),
		"The most that is taken at random off segment.ms for each segment, so that partitions do not all roll at once."},
	{segmentMsConfig, "log.roll.ms", configTypeLong, strconv.Itoa(defaultSegmentMs), checkLongAtLeast(1),
		"How long, by record timestamps, a segment stays active before a new one is started."},
	{"unclean.leader.election.enable", "unclean.leader.election.enable", configTypeBoolean, "false", checkBool,
		"Whether an out-of-sync replica may become leader." + noEffect},
}

// removedTopicConfigs are the topic configs Kafka 4.0 dropped. They are
// refused like any unknown name, with a hint.
var removedTopicConfigs = []string{"message.downconversion.enable", "message.format.version", "message.timestamp.difference.max.ms"}

// lookupConfig finds the row of a config in defs, or nil for a name the
// table does not have. A scan is enough: the tables have a few dozen
// rows and are read per config changed or described, never per record.
func lookupConfig(defs []configDef, name string) *configDef {
	for i := range defs {
		if defs[i].name == name {
			return &defs[i]
		}
	}
	return nil
}

// lookupTopicConfig is lookupConfig for topic configs. Callers that pass a
// name of the consts above may use the row without a nil check.
func lookupTopicConfig(name string) *configDef { return lookupConfig(topicConfigDefs, name) }

// Validators, one per kind of ConfigDef validator Kafka uses. Numbers are
// trimmed, as ConfigDef.parseType trims, and written back canonical.
// Their messages follow Kafka's, because admin tools show them to the user
// as they come: a user who searches for one finds Kafka's documentation.

// checkLongAtLeast is a LONG config with ConfigDef.Range.atLeast.
func checkLongAtLeast(least int64) func(string) (string, error) {
	return checkNumber(64, least, math.MaxInt64)
}

// checkIntIn is an INT config with ConfigDef.Range.between, or atLeast
// when most is math.MaxInt32.
func checkIntIn(least, most int64) func(string) (string, error) {
	return checkNumber(32, least, most)
}

// checkNumber parses a number of the given bits and checks its range. A
// value too large for an INT is "not a number of type int" rather than out
// of range: it is refused by the parse, before the range is looked at.
func checkNumber(bits int, least, most int64) func(string) (string, error) {
	kind := map[int]string{32: "int", 64: "long"}[bits]
	return func(v string) (string, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, bits)
		switch {
		case err != nil:
			return "", fmt.Errorf("not a number of type %s", kind)
		case n < least && most == math.MaxInt64, n < least && most == math.MaxInt32:
			return "", fmt.Errorf("Value must be at least %d", least)
		case n < least || n > most:
			return "", fmt.Errorf("Value must be in [%d,...,%d]", least, most)
		}
		return strconv.FormatInt(n, 10), nil
	}
}

// checkGzipLevel is CompressionType.GZIP's levelValidator: Deflater's
// levels 1 to 9, or -1 for zlib's default.
func checkGzipLevel(v string) (string, error) {
	s, err := checkIntIn(-1, 9)(v)
	if err != nil || s == "0" {
		return "", errors.New("Value must be between 1 and 9 or equal to -1")
	}
	return s, nil
}

// checkBool is a BOOLEAN config: true or false in any case, as Kafka's
// parser takes them, written back in lower case.
func checkBool(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return "true", nil
	case "false":
		return "false", nil
	}
	return "", errors.New("Expected value to be either true or false")
}

// checkRatio is min.cleanable.dirty.ratio's DOUBLE in [0, 1]. NaN would
// pass both bounds, so it is refused by name.
func checkRatio(v string) (string, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return "", errors.New("not a number of type double")
	}
	if f < 0 || f > 1 || math.IsNaN(f) {
		return "", errors.New("Value must be in [0,...,1]")
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}

// checkOneOf is ConfigDef.ValidString.in: case-sensitive, as in Kafka.
func checkOneOf(names ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		v = strings.TrimSpace(v)
		if !slices.Contains(names, v) {
			return "", fmt.Errorf("String must be one of: %s", strings.Join(names, ", "))
		}
		return v, nil
	}
}

// checkCompressionType accepts Kafka's BrokerCompressionType names, every
// one of which codecs.go and zstd.go can write.
var checkCompressionType = checkOneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")

// checkRemoteStorage is LogConfig's check that tiered storage is enabled
// on the broker before a topic may use it; it never is here.
func checkRemoteStorage(v string) (string, error) {
	v, err := checkBool(v)
	if err == nil && v == "true" {
		return "", errors.New("Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.")
	}
	return v, err
}

// checkThrottledReplicas is Kafka's ThrottledReplicaListValidator for the
// config name: every item of the list digits:digits or empty, or the items
// together just "*". Its refusal names the parsed list, as Java prints it,
// and the config. What is kept leaves out the empty items.
func checkThrottledReplicas(name string) func(string) (string, error) {
	return func(v string) (string, error) {
		items := configList(v)
		if strings.Join(items, "") == "*" {
			return "*", nil
		}
		if !slices.ContainsFunc(items, func(item string) bool { return !isReplicaPair(item) }) {
			return strings.Join(slices.DeleteFunc(items, func(item string) bool { return item == "" }), ","), nil
		}
		return "", &valueError{"[" + strings.Join(items, ", ") + "]", name +
			" must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."}
	}
}

// isReplicaPair is the item pattern ([0-9]+:[0-9]+)? of Kafka's
// ThrottledReplicaListValidator: empty, or two runs of ASCII digits
// around a colon, with no sign and no bound on their size.
func isReplicaPair(item string) bool {
	digits := func(s string) bool {
		return s != "" && strings.Trim(s, "0123456789") == ""
	}
	p, r, ok := strings.Cut(item, ":")
	return item == "" || ok && digits(p) && digits(r)
}

// configList is a LIST config's value as ConfigDef parses it: comma
// separated, each item trimmed, and "" the empty list.
func configList(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	items := strings.Split(v, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// valueError refuses a config value in words that name some other value
// than the one given, as Kafka's ConfigException does for a list:
// ConfigDef.ValidList passes each item on to ValidString, so the
// exception names the item refused. checkConfig words it with value.
type valueError struct{ value, msg string }

// Error is the refusal's words, without the value, which checkConfig adds.
func (e *valueError) Error() string { return e.msg }

// checkCleanupPolicy accepts a comma-separated list of delete and compact,
// and writes it without spaces or repeats. The empty list is accepted, as
// Kafka's ConfigDef.ValidList checks only the items there are: a topic
// with neither policy keeps every record (LogConfig's delete and compact
// flags are both false), and a SUBTRACT of every item leaves it so.
func checkCleanupPolicy(v string) (string, error) {
	var items []string
	for _, item := range configList(v) {
		if item != "delete" && item != "compact" {
			return "", &valueError{item, "String must be one of: compact, delete"}
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

// invalidConfig is the usual refusal: INVALID_CONFIG, which admin clients
// raise as InvalidConfigurationException with the message, not retried.
func invalidConfig(format string, args ...any) *configError {
	return &configError{codeInvalidConfig, fmt.Sprintf(format, args...)}
}

// topicConfig is what was set on one topic: config name to value, each
// checked and canonical. A missing name follows the broker's default. It
// is never changed once made; alterations build a new one.
type topicConfig map[string]string

// value is the topic's value of a config, set or Kafka's default. Only
// max.message.bytes and segment.bytes have broker flags; their readers
// below take the broker's value.
func (c topicConfig) value(name string) string {
	if v, ok := c[name]; ok {
		return v
	}
	return lookupTopicConfig(name).def
}

// long is a LONG or INT config's value; the checks made it parse.
func (c topicConfig) long(name string) int64 {
	n, _ := strconv.ParseInt(c.value(name), 10, 64)
	return n
}

// float is a DOUBLE config's value (min.cleanable.dirty.ratio).
func (c topicConfig) float(name string) float64 {
	f, _ := strconv.ParseFloat(c.value(name), 64)
	return f
}

// compacted reports whether the topic's cleanup.policy includes compact.
func (c topicConfig) compacted() bool {
	return slices.Contains(strings.Split(c.value(cleanupPolicyConfig), ","), "compact")
}

// deletes reports whether the topic's cleanup policy includes delete,
// under which old records may go: by retention, or by DeleteRecords.
func (c topicConfig) deletes() bool {
	return slices.Contains(strings.Split(c.value(cleanupPolicyConfig), ","), "delete")
}

// retention is the topic's retention.ms and retention.bytes, or keepAll if
// its cleanup policy does not include delete.
func (c topicConfig) retention() retention {
	if !c.deletes() {
		return keepAll
	}
	return retention{ms: c.long(retentionMsConfig), bytes: c.long(retentionBytesConfig)}
}

// maxMessageBytes is the topic's max.message.bytes, or the broker's def.
func (c topicConfig) maxMessageBytes(def int32) int {
	if _, ok := c[maxMessageBytesConfig]; ok {
		return int(c.long(maxMessageBytesConfig))
	}
	return int(def)
}

// minInsyncReplicas is the topic's min.insync.replicas, 1 by default.
func (c topicConfig) minInsyncReplicas() int { return int(c.long(minInsyncReplicasConfig)) }

// segmentBytes is the topic's segment.bytes, or the broker's def.
func (c topicConfig) segmentBytes(def int64) int64 {
	if _, ok := c[segmentBytesConfig]; ok {
		return c.long(segmentBytesConfig)
	}
	return def
}

// maxSegmentMs is how long a segment stays active by time: segment.ms,
// or max.compaction.lag.ms if that is shorter and the topic is compacted,
// as LogConfig.maxSegmentMs has it, so that the cleaner can reach records
// in time.
func (c topicConfig) maxSegmentMs() int64 {
	ms := c.long(segmentMsConfig)
	if c.compacted() {
		ms = min(ms, c.long(maxCompactionLagMsConfig))
	}
	return ms
}

// logOptions is base with the topic's segment settings applied.
func (c topicConfig) logOptions(base logOptions) logOptions {
	base.SegmentBytes = c.segmentBytes(base.SegmentBytes)
	base.SegmentMs = c.maxSegmentMs()
	base.SegmentJitterMs = c.long(segmentJitterMsConfig)
	return base
}

// logAppendTime reports whether the broker stamps the topic's batches.
func (c topicConfig) logAppendTime() bool {
	return c.value(timestampTypeConfig) == timestampTypeLogAppendTime
}

// validate makes the checks that span configs, LogConfig.validateValues'.
func (c topicConfig) validate() *configError {
	if lo, hi := c.long(minCompactionLagMsConfig), c.long(maxCompactionLagMsConfig); lo > hi {
		return invalidConfig("conflict topic config setting %s (%d) > %s (%d)", minCompactionLagMsConfig, lo, maxCompactionLagMsConfig, hi)
	}
	return nil
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
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkTopicConfig checks one value of a topic config.
func checkTopicConfig(name, value string) (string, *configError) {
	return checkConfig(topicConfigDefs, "topic", name, value)
}

// checkConfig checks one value of a config of defs, in Kafka's words
// (ConfigException, LogConfig.validateNames, GroupConfig.validateNames).
func checkConfig(defs []configDef, kind, name, value string) (string, *configError) {
	def := lookupConfig(defs, name)
	if def == nil {
		hint := ""
		if kind == "topic" && slices.Contains(removedTopicConfigs, name) {
			hint = configRemovedInKafka4Suffix
		}
		return "", invalidConfig("Unknown %s config name: %s%s", kind, name, hint)
	}
	v, err := def.check(value)
	if err != nil {
		if ve, ok := errors.AsType[*valueError](err); ok {
			value = ve.value
		}
		return "", invalidConfig("Invalid value %s for configuration %s: %v", value, name, err)
	}
	return v, nil
}

// configNames lists the names of defs in table order, which is sorted by
// name; topic.config is written in that order, so that the same configs
// always make the same file.
func configNames(defs []configDef) []string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.name
	}
	return names
}

// Operations of IncrementalAlterConfigs (KIP-339). APPEND and SUBTRACT
// exist so that two tools can add to a list config, such as
// cleanup.policy, without one undoing the other's change, which a SET of
// the whole list would.
const (
	opSet      int8 = 0
	opDelete   int8 = 1
	opAppend   int8 = 2
	opSubtract int8 = 3
)

// opNames are the operations as Kafka's AlterConfigOp.OpType names them.
var opNames = map[int8]string{opSet: "SET", opDelete: "DELETE", opAppend: "APPEND", opSubtract: "SUBTRACT"}

// configOp is one change to one config. value is null for DELETE, which
// needs none; a null value to SET is refused, as Kafka refuses it.
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
// the config does not accept and a SET of an unknown name, whose DELETE
// changes nothing; a repeated name and a null value to SET are
// INVALID_REQUEST, as in Kafka.
func applyConfigOps(cur topicConfig, ops []configOp, defaults func(name string) string) (topicConfig, *configError) {
	next, err := applyOps(topicConfigDefs, "topic", cur, ops, defaults)
	if err != nil {
		return nil, err
	}
	if err := topicConfig(next).validate(); err != nil {
		return nil, err
	}
	return next, nil
}

// applyOps is applyConfigOps for the configs of defs, of a topic or a
// group, without the checks that span configs.
func applyOps(defs []configDef, kind string, cur map[string]string, ops []configOp, defaults func(name string) string) (map[string]string, *configError) {
	next := maps.Clone(cur)
	if next == nil {
		next = map[string]string{}
	}
	// A config named twice would leave the result to the order of the
	// operations; Kafka refuses the resource instead, and so do we.
	seen := map[string]bool{}
	for _, o := range ops {
		if seen[o.name] {
			return nil, &configError{codeInvalidRequest, fmt.Sprintf("config %s is altered twice", o.name)}
		}
		seen[o.name] = true
		// An unknown name is what Kafka's ConfigurationControlManager
		// makes of it: a DELETE finds nothing set and changes nothing,
		// so it passes; APPEND and SUBTRACT find no list; a SET is
		// refused by checkConfig, in the words CreateTopics and
		// AlterConfigs use.
		def := lookupConfig(defs, o.name)
		switch {
		case def == nil && o.op == opDelete:
			continue
		case def == nil && (o.op == opAppend || o.op == opSubtract):
			return nil, invalidConfig("Can't %s to key %s because its type is not LIST.", opNames[o.op], o.name)
		case def == nil:
			_, err := checkConfig(defs, kind, o.name, "")
			return nil, err
		}
		switch o.op {
		case opSet:
			if o.value == nil {
				return nil, &configError{codeInvalidRequest, "null value not supported for " + o.name}
			}
			v, err := checkConfig(defs, kind, o.name, *o.value)
			if err != nil {
				return nil, err
			}
			next[o.name] = v
		case opDelete:
			// Deleting an override that was never set is no error: the
			// config already has its default, which is what was asked.
			delete(next, o.name)
		case opAppend, opSubtract:
			if def.typ != configTypeList {
				// ConfigurationControlManager's words.
				return nil, invalidConfig("Can't %s to key %s because its type is not LIST.", opNames[o.op], o.name)
			}
			cur, ok := next[o.name]
			if !ok {
				cur = defaults(o.name)
			}
			// The list is the current value, set or inherited, so that
			// APPEND compact to the default delete gives delete,compact.
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
			// The result is checked as a SET of it would be; a SUBTRACT
			// of every item leaves an empty list, which Kafka keeps.
			v, err := checkConfig(defs, kind, o.name, strings.Join(items, ","))
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

// encode is topic.config's content: a heading comment for whoever opens
// the file, then the overrides sorted by name. Only what was set is
// written, so a topic follows later changes to the broker's defaults.
func (c topicConfig) encode() []byte {
	var b bytes.Buffer
	b.WriteString("# topic configs set by CreateTopics, AlterConfigs and IncrementalAlterConfigs\n")
	for _, name := range configNames(topicConfigDefs) {
		if v, ok := c[name]; ok {
			fmt.Fprintf(&b, "%s=%s\n", name, v)
		}
	}
	return b.Bytes()
}

// parseTopicConfigFile reads topic.config. Each value is checked again, so
// a hand-edited file cannot give a topic a value the APIs would refuse.
//
// encode ends every file with a newline after its header line, and the
// file is replaced whole (writeFileAtomic), so one that is empty or ends
// mid-line was cut short outside the broker: what is left of it may
// still parse, as a shorter value or with names missing, and is not
// trusted. In a whole file, a line that does not parse or check is left
// out with an error and the others are kept: a value an older version
// stored and a stricter check of this one refuses must not take the
// topic's other configs (a compact policy, say) with it. encode writes
// one comment, the first line; a comment after it is a line that does
// not check, since one bit flipped turns "cleanup.policy=compact" into
// "#leanup.policy=compact", which read as a comment would put the topic
// on the delete policy with no word of it.
func parseTopicConfigFile(b []byte) (topicConfig, error) {
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("kafka: %s is cut short (%d bytes, no final newline)", topicConfigFile, len(b))
	}
	c := topicConfig{}
	var errs []error
	first := true
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		header := first && strings.HasPrefix(line, "#")
		first = false
		if line == "" || header {
			continue
		}
		if strings.HasPrefix(line, "#") {
			errs = append(errs, fmt.Errorf("kafka: %s: line %q is a comment after the first line", topicConfigFile, line))
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			errs = append(errs, fmt.Errorf("kafka: %s: line %q is not name=value", topicConfigFile, line))
			continue
		}
		v, err := checkTopicConfig(name, value)
		if err != nil {
			errs = append(errs, fmt.Errorf("kafka: %s: %s", topicConfigFile, err.msg))
			continue
		}
		c[name] = v
	}
	return c, errors.Join(errs...)
}

// Entries for DescribeConfigs and CreateTopics.

// configEntry is one config as DescribeConfigs reports it, before the
// version decides which fields go on the wire (describeEntry). Topic,
// broker and group entries are all made into this one form, so that one
// encoder serves the three resource types.
type configEntry struct {
	name  string
	value string
	null  bool // the value is null: not set at any level
	// source is where value comes from, one of the source consts.
	source int8
	// readOnly is true for broker entries that cannot be altered here:
	// all but the dynamic ones (brokerconfigs.go).
	readOnly bool
	typ      int8
	doc      string
	synonyms []configSynonym // highest precedence first, the entry's own level included
}

// configSynonym is one level of a config's value: the config's name at
// that level (retention.ms on the topic, log.retention.ms on the broker),
// its value there and the level's source.
type configSynonym struct {
	name   string
	value  string
	source int8
}

// brokerDefault is the static broker-level value of a topic config, the
// one below the dynamic levels (brokerconfigs.go): the broker config that
// supplies it, its value and where that comes from, and
// whether Kafka lists it as a synonym. Kafka lists a broker synonym only
// when that broker config has a value: log.retention.ms, log.roll.ms,
// log.roll.jitter.ms and log.flush.interval.ms have none by default (the
// hours forms and the scheduler interval stand in for them), so their
// topic configs are reported with no synonym at all, as by
// ConfigHelper.configSynonyms.
func (b *Broker) brokerDefault(def *configDef) (s configSynonym, listed bool) {
	s = configSynonym{name: def.broker, value: def.def, source: sourceDefault}
	switch def.name {
	case maxMessageBytesConfig:
		s.value = strconv.Itoa(int(b.cfg.MaxMessageBytes))
		if b.cfg.MaxMessageBytes != defaultMaxMessageBytes {
			s.source = sourceStaticBroker
		}
	case segmentBytesConfig:
		s.value = strconv.FormatInt(b.cfg.SegmentBytes, 10)
		if b.cfg.SegmentBytes != defaultSegmentBytes {
			s.source = sourceStaticBroker
		}
	case flushMessagesConfig:
		if b.fsync.always {
			s.value, s.source = "1", sourceStaticBroker
		}
	case flushMsConfig:
		if b.fsync.interval > 0 {
			s.value, s.source = strconv.FormatInt(b.fsync.interval.Milliseconds(), 10), sourceStaticBroker
			return s, true
		}
		return s, false
	case retentionMsConfig, segmentMsConfig, segmentJitterMsConfig:
		return s, false
	}
	// A line of server.properties is STATIC_BROKER_CONFIG even when it
	// says what the default says (ConfigHelper reads the originals).
	if slices.Contains(b.cfg.given, def.broker) {
		s.source = sourceStaticBroker
	}
	return s, def.broker != ""
}

// topicConfigEntries describes every config of a topic with configs c:
// the topic's value where it set one, and the broker-level values below
// it as its synonyms, highest first (brokerconfigs.go): this broker's
// dynamic value, the cluster-wide one, then the static value or Kafka's
// default. Every config is listed, set or not, as Kafka lists them, so
// that a tool shows a topic's effective settings, not only its overrides.
func (b *Broker) topicConfigEntries(c topicConfig) []configEntry {
	entries := make([]configEntry, 0, len(topicConfigDefs))
	for i := range topicConfigDefs {
		def := &topicConfigDefs[i]
		e := configEntry{name: def.name, typ: def.typ, doc: def.doc}
		if v, ok := c[def.name]; ok {
			e.synonyms = append(e.synonyms, configSynonym{def.name, v, sourceTopic})
		}
		var dyn []configSynonym
		if lookupBrokerConfig(def.broker) != nil {
			dyn = b.dynamicSynonyms(def.broker)
		}
		e.synonyms = append(e.synonyms, dyn...)
		broker, listed := b.brokerDefault(def)
		if coarser, ok := unsetBrokerDefaults[def.broker]; ok && len(dyn) > 0 {
			// Kafka's synonyms start at the config's own name
			// (ConfigHelper.configSynonyms drops those before it), so
			// the coarser default shows only under a value of its own.
			broker, listed = coarser, true
		}
		if listed {
			e.synonyms = append(e.synonyms, broker)
		}
		if listed && broker.source == sourceStaticBroker && lookupBrokerConfig(def.broker) != nil {
			// Kafka's default below the static value, as
			// ConfigHelper.configSynonyms lists every level with a value.
			e.synonyms = append(e.synonyms, configSynonym{def.broker, def.def, sourceDefault})
		}
		e.value, e.source = broker.value, broker.source
		if len(e.synonyms) > 0 {
			e.value, e.source = e.synonyms[0].value, e.synonyms[0].source
		}
		entries = append(entries, e)
	}
	return entries
}

// defaultRetentionCheckInterval is log.retention.check.interval.ms. It is
// a broker setting, not a topic config: how often retention.ms and
// retention.bytes are enforced, so deletion lags retention by up to this
// much.
const defaultRetentionCheckInterval = 5 * time.Minute

// Resource types of the config APIs (ConfigResource.Type). The numbers
// are Kafka's and are sent as they are; groups (32) are below, with the
// types only ListConfigResources knows.
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
// Describes a topic's configs, read-write, or the broker's, read-only but
// for the dynamic ones (settings.go, brokerconfigs.go), each with its
// value and where the value comes from; with
// IncludeSynonyms, also the levels below it, and with IncludeDocumentation
// a sentence on what it does. Null or empty ConfigurationKeys asks for
// every config; a name that does not exist is left out, as in Kafka. A
// broker resource is named by this broker's node id; "" names the
// cluster-wide dynamic defaults, and lists only those set. A group
// resource (type 32, KIP-848) is
// described whether or not the group exists, as in Kafka: its configs
// (groupconfigs.go) with the broker's values where it set none. A broker
// logger resource (type 8, KIP-412) lists the root logger's level; a
// client metrics subscription (type 16, KIP-714) has no configs here,
// since this broker keeps no subscriptions. kcat -L,
// confluent-kafka's and kafka-python's admin clients call this to show
// topic settings.
type describeConfigsRequest struct {
	Resources []describeConfigsResource
	// IncludeSynonyms asks for the levels below each value, which
	// kafka-configs.sh shows to say where a value comes from.
	IncludeSynonyms bool
	// IncludeDocumentation asks for each config's sentence; the Java
	// admin client leaves it out unless asked, to keep the answer small.
	IncludeDocumentation bool
}

type describeConfigsResource struct {
	ResourceType int8
	ResourceName string
	// ConfigurationKeys is null for every config, or the names wanted.
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

// describeConfigsResourceResult is one config of a resource. IsDefault
// is v0's one-bit view of ConfigSource, which v1 replaced. IsSensitive is
// always false: no topic or group config is a secret, and the broker
// entries this broker reports hold none either (settings.go), so no
// value is hidden.
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

// handleDescribeConfigs answers each resource on its own: an unknown topic
// or a wrong broker id fails that resource, not the request, as in Kafka,
// so that a tool describing several topics shows the ones that exist.
// Null or empty ConfigurationKeys asks for every config, as Kafka's
// ConfigHelper.describeConfigs reads both. A resource of a type Kafka
// does not know fails the whole request instead (see
// describeConfigsRefusal).
func (b *Broker) handleDescribeConfigs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeConfigsRequest)
	v := rc.header.APIVersion
	if slices.ContainsFunc(req.Resources, unknownConfigResource) {
		return describeConfigsRefusal(req)
	}
	// A resource named twice is refused, every copy, in the words Kafka
	// refuses it with in AlterConfigs. Kafka describes every copy, which
	// made a 1 MB request of one topic named 100,000 times cost 546 MB
	// of answer and gigabytes to build; no client names one twice.
	dup := repeatedResources(len(req.Resources), func(i int) (int8, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	resp := &describeConfigsResponse{Results: make([]describeConfigsResult, 0, len(req.Resources))}
	for i, res := range req.Resources {
		out := describeConfigsResult{ResourceType: res.ResourceType, ResourceName: res.ResourceName, Configs: []describeConfigsResourceResult{}}
		if dup[i] {
			out.ErrorCode, out.ErrorMessage = codeInvalidRequest, ptr(repeatedResourceMessage)
			resp.Results = append(resp.Results, out)
			continue
		}
		var entries []configEntry
		entries, out.ErrorCode, out.ErrorMessage = b.describedEntries(res.ResourceType, res.ResourceName)
		for _, e := range entries {
			if len(res.ConfigurationKeys) == 0 || slices.Contains(res.ConfigurationKeys, e.name) {
				out.Configs = append(out.Configs, describeEntry(e, req.IncludeSynonyms && v >= 1, req.IncludeDocumentation))
			}
		}
		resp.Results = append(resp.Results, out)
	}
	return resp
}

// unknownConfigResource reports whether a DescribeConfigs resource is of
// a type that ConfigResource.Type does not name (UNKNOWN, 0, included).
func unknownConfigResource(res describeConfigsResource) bool {
	switch res.ResourceType {
	case resourceTopic, resourceBroker, resourceBrokerLogger, resourceClientMetrics, resourceGroup:
		return false
	}
	return true
}

// describeConfigsRefusal is the answer to a DescribeConfigs naming a
// resource of an unknown type. Kafka's ConfigHelper.handleDescribeConfigsRequest
// throws InvalidRequestException for it while sorting the resources for
// the authorizer, before any is described, and the request's error
// response (DescribeConfigsRequest.getErrorResponse) answers every
// resource INVALID_REQUEST with the code's default message.
func describeConfigsRefusal(req *describeConfigsRequest) *describeConfigsResponse {
	resp := &describeConfigsResponse{Results: make([]describeConfigsResult, len(req.Resources))}
	for i, res := range req.Resources {
		resp.Results[i] = describeConfigsResult{ErrorCode: codeInvalidRequest, ErrorMessage: ptr(defaultErrorMessage(codeInvalidRequest)),
			ResourceType: res.ResourceType, ResourceName: res.ResourceName, Configs: []describeConfigsResourceResult{}}
	}
	return resp
}

// describedEntries is every config of one DescribeConfigs resource, or
// the error that refuses it, in the codes and words of Kafka's
// ConfigHelper.describeConfigs. A broker resource named "" is the
// cluster-wide dynamic defaults, and has an entry for each one set
// (brokerconfigs.go); a broker resource named by this broker's id has
// its settings (settings.go), the dynamic values laid over them.
func (b *Broker) describedEntries(typ int8, name string) ([]configEntry, int16, *string) {
	switch typ {
	case resourceTopic:
		if err := validateTopicName(name); err != nil {
			return nil, codeInvalidTopicException, ptr(err.Error())
		}
		t := b.logs.Topic(name)
		if t == nil {
			// Kafka sends the code alone; clients fall back to its
			// standard message.
			return nil, codeUnknownTopicOrPartition, nil
		}
		return b.topicConfigEntries(t.Configs), codeNone, nil
	case resourceBroker:
		if name == "" {
			return b.defaultBrokerEntries(), codeNone, nil
		}
		if id, err := strconv.ParseInt(name, 10, 32); err != nil {
			return nil, codeInvalidRequest, ptr("Broker id must be an integer, but it is: " + name)
		} else if int32(id) != b.cfg.NodeID {
			return nil, codeInvalidRequest, ptr(fmt.Sprintf("Unexpected broker id, expected %d or empty string, but received %s", b.cfg.NodeID, name))
		}
		return b.brokerConfigEntries(), codeNone, nil
	case resourceGroup:
		if name == "" {
			return nil, codeInvalidRequest, ptr("Group name must not be empty")
		}
		return b.groupConfigEntries(b.groupConfigs.get(name)), codeNone, nil
	case resourceBrokerLogger:
		if name == "" {
			return nil, codeInvalidRequest, ptr("Broker id must not be empty")
		}
		if id, err := strconv.ParseInt(name, 10, 32); err != nil {
			return nil, codeInvalidRequest, ptr("Broker id must be an integer, but it is: " + name)
		} else if int32(id) != b.cfg.NodeID {
			return nil, codeInvalidRequest, ptr(fmt.Sprintf("Unexpected broker id, expected %d but received %s", b.cfg.NodeID, name))
		}
		return b.brokerLoggerEntries(), codeNone, nil
	case resourceClientMetrics:
		// A subscription is described whether or not it exists, with
		// the configs set on it (clientmetrics.go).
		if name == "" {
			return nil, codeInvalidRequest, ptr("Client metrics subscription name must not be empty")
		}
		return b.clientMetricsEntries(name), codeNone, nil
	}
	// Not reached from handleDescribeConfigs, which refuses the whole
	// request first (describeConfigsRefusal).
	return nil, codeInvalidRequest, ptr(fmt.Sprintf("resource type %d has no configs on this broker", typ))
}

// brokerLoggerEntries is what Kafka's Log4jController.loggers lists for a
// BROKER_LOGGER resource: here one logger, root, at the lowest level the
// broker's log handler writes (slog's Debug, Info, Warn and Error are
// log4j's DEBUG, INFO, WARN and ERROR), so that kafka-configs.sh
// --entity-type broker-loggers shows what is logged. The level is the
// one the logger was given (Config.Logger, or -log-level), which cannot
// be changed while the broker runs, so the entry is read-only, where
// Kafka's are not: IncrementalAlterConfigs refuses a broker logger.
func (b *Broker) brokerLoggerEntries() []configEntry {
	level := "OFF"
	for _, l := range []struct {
		level slog.Level
		name  string
	}{{slog.LevelDebug, "DEBUG"}, {slog.LevelInfo, "INFO"}, {slog.LevelWarn, "WARN"}, {slog.LevelError, "ERROR"}} {
		if b.log.Enabled(context.Background(), l.level) {
			level = l.name
			break
		}
	}
	return []configEntry{{name: "root", value: level, source: sourceBrokerLogger, readOnly: true}}
}

// describeEntry is a config entry as DescribeConfigs sends it. Synonyms
// is an empty array, never null, when not asked for, since v1's schema
// has it non-nullable; a synonym without a value (a broker setting with
// no default) is sent as null rather than as an empty string, which would
// read as a value.
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
	if doc && e.doc != "" {
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
// Group resources are altered the same way, as Kafka 4.0's
// ConfigAdminManager lets them be, and so are the dynamic configs of a
// broker resource (brokerconfigs.go), which is how kafka-configs.sh
// --entity-type brokers --alter sends them: all of them at once.
type alterConfigsRequest struct {
	Resources []alterConfigsResource
	// ValidateOnly runs every check and answers as a real change would,
	// without changing anything, so that a tool can test a change before
	// it makes it.
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

// namesAndValues is res's configs as the checks take them, which the
// handler and the authorizer (authorize.go) both run.
func (res alterConfigsResource) namesAndValues() ([]string, []*string) {
	names, values := make([]string, len(res.Configs)), make([]*string, len(res.Configs))
	for i, c := range res.Configs {
		names[i], values[i] = c.Name, c.Value
	}
	return names, values
}

// alterConfigsResponse is also IncrementalAlterConfigs' response, which has
// the same schema.
type alterConfigsResponse struct {
	ThrottleTimeMs int32
	Responses      []alterConfigsResourceResponse
}

// alterConfigsResourceResponse is one resource's answer: each resource is
// altered or refused whole, so there is no per-config result.
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

// handleAlterConfigs replaces each resource's configs with the ones named,
// checked as at CreateTopics. A null value is INVALID_REQUEST here, where
// CreateTopics says INVALID_CONFIG, as the two APIs differ in Kafka.
func (b *Broker) handleAlterConfigs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*alterConfigsRequest)
	resp := &alterConfigsResponse{Responses: make([]alterConfigsResourceResponse, 0, len(req.Resources))}
	dup := repeatedResources(len(req.Resources), func(i int) (int8, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	for i, res := range req.Resources {
		out := alterConfigsResourceResponse{ResourceType: res.ResourceType, ResourceName: res.ResourceName}
		names, values := res.namesAndValues()
		if cerr := checkAlteration(names, func(j int) bool { return values[j] == nil }); cerr != nil && !dup[i] {
			out.ErrorCode, out.ErrorMessage = cerr.code, &cerr.msg
		} else if res.ResourceType == resourceBrokerLogger && !dup[i] {
			// The legacy API knows no broker loggers: preprocess refuses
			// the type as one it does not know.
			out.ErrorCode, out.ErrorMessage = codeInvalidRequest, ptr(fmt.Sprintf("Unknown resource type %d", res.ResourceType))
		} else if res.ResourceType == resourceGroup && !dup[i] {
			out.ErrorCode, out.ErrorMessage = b.alterGroupConfigs(res.ResourceName, req.ValidateOnly,
				func(map[string]string) (map[string]string, *configError) { return newGroupConfig(names, values) })
		} else if res.ResourceType == resourceClientMetrics && !dup[i] {
			out.ErrorCode, out.ErrorMessage = b.alterClientMetrics(res.ResourceName, req.ValidateOnly,
				func(map[string]string) (map[string]string, *configError) {
					return newClientMetricsConfig(names, values), nil
				})
		} else if res.ResourceType == resourceBroker && !dup[i] {
			out.ErrorCode, out.ErrorMessage = b.alterBrokerConfigs(res.ResourceName, req.ValidateOnly, setBrokerConfigs(names, values))
		} else {
			out.ErrorCode, out.ErrorMessage = b.alterConfigs(res.ResourceType, res.ResourceName, dup[i], req.ValidateOnly,
				func(topicConfig) (topicConfig, *configError) {
					return newTopicConfig(names, values, codeInvalidRequest)
				})
		}
		resp.Responses = append(resp.Responses, out)
	}
	return resp
}

// checkAlteration makes the checks of Kafka's ConfigAdminManager.preprocess
// that come before a resource's type is looked at, in its words: a config
// named twice, then every config given a null value it needs (any but
// DELETE's), all named in one message, odd spacing and all. The codes are
// INVALID_REQUEST: the request is malformed, whatever the configs.
func checkAlteration(names []string, null func(i int) bool) *configError {
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		return &configError{codeInvalidRequest, "Error due to duplicate config keys"}
	}
	var nulls []string
	for i, name := range names {
		if null(i) {
			nulls = append(nulls, name)
		}
	}
	if len(nulls) > 0 {
		return &configError{codeInvalidRequest, "Null value not supported for : " + strings.Join(nulls, ", ")}
	}
	return nil
}

// repeatedResourceMessage is the refusal of a repeated resource, in
// Kafka's words for AlterConfigs.
const repeatedResourceMessage = "Each resource must appear at most once."

// repeatedResources marks the resources that appear more than once in one
// request; Kafka refuses every copy, since their order would decide.
// DescribeConfigs refuses them too (handleDescribeConfigs).
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

// brokerNameRefusal is why name cannot be the BROKER resource an
// alteration names, "" if it can: the empty name (the cluster-wide
// default) or this broker's id, as ConfigAdminManager.preprocess checks
// with validateResourceNameIsCurrentNodeId, in its words. Java's
// Integer.parseInt takes a sign and leading zeros, and so does this.
func (b *Broker) brokerNameRefusal(name string) string {
	if name == "" {
		return ""
	}
	id, err := strconv.ParseInt(name, 10, 32)
	switch {
	case err != nil:
		return "Node id must be an integer, but it is: " + name
	case int32(id) != b.cfg.NodeID:
		return fmt.Sprintf("Unexpected broker id, expected %d, but received %s", b.cfg.NodeID, name)
	}
	return ""
}

// alterConfigs changes one resource's configs for AlterConfigs and
// IncrementalAlterConfigs, change saying how, and returns the error code
// and message. change runs under the data dir's lock on the topic's
// current configs (logDir.AlterTopicConfigs), so two alterations at once
// apply one after the other and neither is lost.
func (b *Broker) alterConfigs(typ int8, name string, repeated, validateOnly bool, change func(topicConfig) (topicConfig, *configError)) (int16, *string) {
	switch {
	case repeated:
		return codeInvalidRequest, ptr(repeatedResourceMessage)
	case typ == resourceBrokerLogger:
		return codeInvalidRequest, ptr("the broker logger's level is read-only: it is the level the broker's log was given at start")
	case typ != resourceTopic:
		// ConfigAdminManager.preprocess's words.
		return codeInvalidRequest, ptr(fmt.Sprintf("Unknown resource type %d", typ))
	case name == "":
		// ControllerConfigurationValidator.validateTopicName's words.
		return codeInvalidRequest, ptr("Default topic resources are not allowed.")
	}
	if err := validateTopicName(name); err != nil {
		return codeInvalidTopicException, ptr(err.Error())
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
		// A change of configs is logged with the result, as an operator
		// wants to find it when a topic starts to behave differently.
		if !validateOnly {
			b.log.Info("altered topic configs", "topic", name, "configs", after)
		}
		return codeNone, nil
	case errors.As(err, &cerr):
		return cerr.code, &cerr.msg
	case errors.Is(err, errUnknownTopic):
		// QuorumController's ConfigResourceExistenceChecker's words.
		return codeUnknownTopicOrPartition, ptr("The topic '" + name + "' does not exist.")
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
// SUBTRACT on another is INVALID_CONFIG, as is a SET of an unknown name or
// of a value the config does not accept; a DELETE of an unknown name
// changes nothing and passes, as in Kafka. A config named twice in one resource, or an
// unknown operation, is INVALID_REQUEST. Each resource is all or nothing,
// and with ValidateOnly nothing changes. kadm's AlterTopicConfigs and
// kafka-configs.sh send this. Group resources (type 32) take SET and
// DELETE on their configs (groupconfigs.go), checked against the broker's
// bounds; broker resources (type 4) their dynamic configs
// (brokerconfigs.go), refused with INVALID_REQUEST as Kafka refuses them.
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

// namesAndOps is res's configs as the checks take them, which the
// handler and the authorizer (authorize.go) both run.
func (res incrementalAlterConfigsResource) namesAndOps() ([]string, []configOp) {
	names, ops := make([]string, len(res.Configs)), make([]configOp, len(res.Configs))
	for i, c := range res.Configs {
		names[i], ops[i] = c.Name, configOp{name: c.Name, op: c.ConfigOperation, value: c.Value}
	}
	return names, ops
}

// handleIncrementalAlterConfigs applies each resource's operations in
// order. APPEND and SUBTRACT start from the broker's default when the
// topic set no value (defaults), which is what the topic has in effect.
func (b *Broker) handleIncrementalAlterConfigs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*incrementalAlterConfigsRequest)
	resp := &alterConfigsResponse{Responses: make([]alterConfigsResourceResponse, 0, len(req.Resources))}
	dup := repeatedResources(len(req.Resources), func(i int) (int8, string) {
		return req.Resources[i].ResourceType, req.Resources[i].ResourceName
	})
	defaults := func(name string) string { return b.brokerLevelValue(lookupTopicConfig(name)) }
	for i, res := range req.Resources {
		out := alterConfigsResourceResponse{ResourceType: res.ResourceType, ResourceName: res.ResourceName}
		names, ops := res.namesAndOps()
		nullValue := func(j int) bool { return ops[j].value == nil && ops[j].op != opDelete }
		if cerr := checkAlteration(names, nullValue); cerr != nil && !dup[i] {
			out.ErrorCode, out.ErrorMessage = cerr.code, &cerr.msg
		} else if res.ResourceType == resourceGroup && !dup[i] {
			out.ErrorCode, out.ErrorMessage = b.alterGroupConfigs(res.ResourceName, req.ValidateOnly,
				func(cur map[string]string) (map[string]string, *configError) {
					return applyOps(groupConfigDefs, "group", cur, ops, b.groupDefault)
				})
		} else if res.ResourceType == resourceClientMetrics && !dup[i] {
			out.ErrorCode, out.ErrorMessage = b.alterClientMetrics(res.ResourceName, req.ValidateOnly,
				func(cur map[string]string) (map[string]string, *configError) { return applyClientMetricsOps(cur, ops) })
		} else if res.ResourceType == resourceBroker && !dup[i] {
			out.ErrorCode, out.ErrorMessage = b.alterBrokerConfigs(res.ResourceName, req.ValidateOnly, applyBrokerConfigOps(ops))
		} else {
			out.ErrorCode, out.ErrorMessage = b.alterConfigs(res.ResourceType, res.ResourceName, dup[i], req.ValidateOnly,
				func(cur topicConfig) (topicConfig, *configError) { return applyConfigOps(cur, ops, defaults) })
		}
		resp.Responses = append(resp.Responses, out)
	}
	return resp
}

// ListConfigResources: v0-1 (ListConfigResourcesRequest.json, ListConfigResourcesResponse.json)
//
//	v0: flexible; named ListClientMetricsResources, it lists client metrics
//	    subscriptions only (KIP-714, KIP-1000)
//	v1: renamed; ResourceTypes to ask for, and each resource's Type (KIP-1142, Kafka 4.1)
//
// The resources that have configs, by type, as Kafka 4.1 lists them:
// every topic, this broker, and the client metrics subscriptions
// (clientmetrics.go). Broker loggers and groups are types a client may
// ask for, but this broker has none of them to list. An empty ResourceTypes means every type; a type Kafka
// does not list (or any but client metrics at v0) is UNSUPPORTED_VERSION.
type listConfigResourcesRequest struct {
	ResourceTypes []int8
}

func (m *listConfigResourcesRequest) decode(r *reader, v int16) {
	if v >= 1 {
		m.ResourceTypes = readArray(r, (*reader).Int8)
	}
	r.SkipTags()
}

type listConfigResourcesResponse struct {
	ThrottleTimeMs  int32
	ErrorCode       int16
	ConfigResources []configResource
}

type configResource struct {
	Name string
	Type int8
}

func (m *listConfigResourcesResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	writeArrayNonNull(w, m.ConfigResources, func(w *writer, c configResource) {
		w.String(c.Name)
		if v >= 1 {
			w.Int8(c.Type)
		}
		w.Tags()
	})
	w.Tags()
}

// Config resource types that ListConfigResources knows besides topics and
// brokers (ConfigResource.Type).
const (
	resourceBrokerLogger  int8 = 8
	resourceClientMetrics int8 = 16
	resourceGroup         int8 = 32
)

// handleListConfigResources answers v0, the old ListClientMetricsResources,
// with client metrics subscriptions only;
// v1 widens what may be asked for to the other types.
func (b *Broker) handleListConfigResources(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*listConfigResourcesRequest)
	supported := []int8{resourceClientMetrics}
	if rc.header.APIVersion >= 1 {
		supported = []int8{resourceTopic, resourceBroker, resourceBrokerLogger, resourceClientMetrics, resourceGroup}
	}
	types := req.ResourceTypes
	if len(types) == 0 {
		types = supported
	}
	resp := &listConfigResourcesResponse{ConfigResources: []configResource{}}
	for _, t := range types {
		if !slices.Contains(supported, t) {
			resp.ErrorCode, resp.ConfigResources = codeUnsupportedVersion, []configResource{}
			return resp
		}
		switch t {
		case resourceTopic:
			for _, topic := range b.logs.Topics() {
				resp.ConfigResources = append(resp.ConfigResources, configResource{Name: topic.Name, Type: resourceTopic})
			}
		case resourceBroker:
			resp.ConfigResources = append(resp.ConfigResources, configResource{Name: strconv.Itoa(int(b.cfg.NodeID)), Type: resourceBroker})
		case resourceClientMetrics:
			for _, name := range b.clientMetrics.ids() {
				resp.ConfigResources = append(resp.ConfigResources, configResource{Name: name, Type: resourceClientMetrics})
			}
		}
	}
	return resp
}
