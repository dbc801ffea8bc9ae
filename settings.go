// This file holds the broker's settings by Kafka's names: the table that
// maps each server.properties key this broker knows to its Config field,
// with its type, default and check; the reader of Kafka's properties file
// format; and the broker's entries in DescribeConfigs, which the table also
// drives. It belongs to Part IV, operations, and assumes kafka.go's
// Config and topicconfigs.go's config entries.
//
// A setting reaches the broker in one of three ways, all ending in
// Config.Set: a field of Config set in Go, a line of a server.properties
// file (cmd/kafka -config), or -c name=value on the command line, where the
// older flags (-partitions, -segment-bytes, ...) are shorthands for some of
// them. Every key falls in one of four kinds:
//
//	applied   the broker has it: node.id, num.partitions, group.max.size ...
//	fixed     a topic default, limit or Java machinery this broker has
//	          only at Kafka's default (log.retention.hours=168,
//	          max.connections, ssl.keystore.type=JKS): accepted at that
//	          value, so Kafka's own server.properties loads, refused at
//	          any other, where a user would expect an effect
//	ignored   meaningless for one broker that is its own controller
//	          quorum and has no replicas (process.roles, controller.*,
//	          replica.*, zookeeper.*, metrics reporters): accepted, and
//	          logged once at Open
//	unknown   anything else, or a bad value: Set fails and the broker does
//	          not start, so a typo never passes for a setting
//
// Design note: Set records which names were set, so that DescribeConfigs
// can tell a setting given explicitly (STATIC_BROKER_CONFIG, as a line of
// server.properties is in Kafka) from a default, even when the value given
// is the default. A field set in Go counts as given when it differs from
// the default.

package kafka

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// brokerSetting is one key of server.properties that the broker applies.
type brokerSetting struct {
	// name is the server.properties key; typ and doc are what
	// DescribeConfigs reports for it (configType, documentation), so
	// that kafka-configs.sh --describe --all reads as it does on Kafka.
	name string
	typ  int8
	doc  string
	// get is the setting's value in a Config with its defaults filled
	// in; "" is a null value. set checks a value and applies it.
	get func(c *Config) string
	set func(c *Config, v string) error
	// def is the value of get for the zero Config: the default.
	def string
}

// brokerSettings lists the settings the broker applies, sorted by name,
// which is the order DescribeConfigs answers in. Each default is computed
// from a zero Config at init, so the table cannot disagree with
// withDefaults.
var brokerSettings = []brokerSetting{
	// Clients connect to the address Metadata gives them, not the one
	// they dialed, so behind NAT or in a container the broker must be told
	// the address they can reach; a wrong one is the classic "connects,
	// then hangs" of a Kafka client.
	{name: "advertised.listeners", typ: configTypeString, doc: "NAME://host:port per listener that clients of that listener are told to connect to; empty for the address each client used.",
		get: func(c *Config) string {
			if c.AdvertisedListeners != "" {
				return c.AdvertisedListeners
			}
			return listenerURL(c.AdvertisedAddr)
		},
		set: func(c *Config, v string) error { c.AdvertisedListeners = v; return checkListeners(v) }},
	// StandardAuthorizer's switch for resources no ACL names (acls.go,
	// rule 5); false, Kafka's default, makes turning the authorizer on deny
	// everything not yet granted.
	{name: "allow.everyone.if.no.acl.found", typ: configTypeBoolean, doc: "Whether, with the authorizer on, an operation on a resource that no ACL names is allowed.",
		get: func(c *Config) string { return strconv.FormatBool(c.Security.AllowEveryoneIfNoACLFound) },
		set: func(c *Config, v string) (err error) {
			c.Security.AllowEveryoneIfNoACLFound, err = parseBool(v)
			return
		}},
	// Kafka turns ACLs on by naming an authorizer class. The ZooKeeper-era
	// AclAuthorizer is accepted too, since old server.properties files name
	// it and its rules are the same.
	{name: "authorizer.class.name", typ: configTypeString, doc: "The authorizer: empty for none, or Kafka's StandardAuthorizer, whose rules the ACLs follow.",
		get: func(c *Config) string {
			if c.Security.Authorizer {
				return standardAuthorizer
			}
			return ""
		},
		set: func(c *Config, v string) error {
			switch v {
			case "":
				c.Security.Authorizer = false
			case standardAuthorizer, "kafka.security.authorizer.AclAuthorizer":
				c.Security.Authorizer = true
			default:
				return fmt.Errorf("%q is not %s", v, standardAuthorizer)
			}
			return nil
		}},
	// Kafka creates a topic when Metadata names one that does not exist,
	// which is how a producer's first send to a new topic works out of the
	// box; operators turn it off so that a typo does not make a topic.
	{name: "auto.create.topics.enable", typ: configTypeBoolean, doc: "Whether Metadata creates a topic that does not exist yet.",
		get: func(c *Config) string { return strconv.FormatBool(!c.DisableAutoCreateTopics) },
		set: func(c *Config, v string) error { b, err := parseBool(v); c.DisableAutoCreateTopics = !b; return err }},
	// ZooKeeper-mode name of node.id; both set the same field, so either
	// file style loads.
	{name: "broker.id", typ: configTypeInt, doc: "This broker's id; the older name of node.id.",
		get: func(c *Config) string { return strconv.Itoa(int(c.NodeID)) },
		set: func(c *Config, v string) error { return setInt32(&c.NodeID, v, 0) }},
	// Kafka closes idle connections (10 minutes by default) to bound what
	// forgotten clients hold; clients reconnect on their next request.
	{name: "connections.max.idle.ms", typ: configTypeLong, doc: "How long a connection may go without a request before it is closed.",
		get: func(c *Config) string { return millis(c.ConnectionsMaxIdle) },
		set: func(c *Config, v string) error { return setMillis(&c.ConnectionsMaxIdle, v, 1) }},
	{name: "connections.max.reauth.ms", typ: configTypeLong, doc: "How long a SASL login lasts before the client must log in again on its connection (KIP-368); 0 for no limit but the token's expiry.",
		get: func(c *Config) string { return millis(c.Security.ConnectionsMaxReauth) },
		set: func(c *Config, v string) error { return setMillis(&c.Security.ConnectionsMaxReauth, v, 0) }},
	// The listeners of a KRaft controller (KRaftConfigs), such as the
	// CONTROLLER of Kafka 4's combined-mode server.properties: named so
	// that the broker neither opens nor advertises them (security.go).
	// This node is its quorum's only voter (quorum.go) and answers the
	// controller APIs on its broker listeners, as a Kafka broker answers
	// them by forwarding them to its controller.
	{name: "controller.listener.names", typ: configTypeString, doc: "The listeners, by name, of a KRaft controller; this node answers the controller APIs on its own listeners, so it does not open them.",
		get: func(c *Config) string { return c.ControllerListenerNames },
		set: func(c *Config, v string) error { c.ControllerListenerNames = v; return nil }},
	// The KIP-848 coordinator, not the client, decides how often members
	// heartbeat, and tells them in every heartbeat answer.
	{name: "group.consumer.heartbeat.interval.ms", typ: configTypeInt, doc: "How often KIP-848 consumer group members heartbeat.",
		get: func(c *Config) string { return millis(c.ConsumerHeartbeatInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.ConsumerHeartbeatInterval, v, 1) }},
	// Since Kafka 4.0 a group may override the interval
	// (consumer.heartbeat.interval.ms, KIP-848's group configs); these
	// bounds keep that override sane.
	{name: "group.consumer.max.heartbeat.interval.ms", typ: configTypeInt, doc: "The longest consumer.heartbeat.interval.ms a consumer group may set.",
		get: func(c *Config) string { return millis(c.ConsumerMaxHeartbeatInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.ConsumerMaxHeartbeatInterval, v, 1) }},
	// Bounds on a group's consumer.session.timeout.ms override, as for the
	// heartbeat interval.
	{name: "group.consumer.max.session.timeout.ms", typ: configTypeInt, doc: "The longest consumer.session.timeout.ms a consumer group may set.",
		get: func(c *Config) string { return millis(c.ConsumerMaxSessionTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.ConsumerMaxSessionTimeout, v, 1) }},
	// A cap on members stops one runaway deployment from making every
	// rebalance of its group slow; a member over the cap gets
	// GROUP_MAX_SIZE_REACHED.
	{name: "group.consumer.max.size", typ: configTypeInt, doc: "The most members a KIP-848 consumer group may have.",
		get: func(c *Config) string { return strconv.Itoa(int(c.ConsumerGroupMaxSize)) },
		set: func(c *Config, v string) error { return setInt32(&c.ConsumerGroupMaxSize, v, 1) }},
	// Which way a group with members may move between the classic and
	// the consumer protocol (migration.go). Kafka reads the value
	// case-insensitively (ConsumerGroupMigrationPolicy.parse).
	{name: "group.consumer.migration.policy", typ: configTypeString, doc: "Whether a group with members may be upgraded from the classic to the consumer protocol, downgraded back, both, or neither: upgrade, downgrade, bidirectional or disabled.",
		get: func(c *Config) string { return c.ConsumerMigrationPolicy },
		set: func(c *Config, v string) error {
			v = strings.ToLower(strings.TrimSpace(v))
			if !slices.Contains(migrationPolicies, v) {
				return fmt.Errorf("%q is not one of %s", v, strings.Join(migrationPolicies, ", "))
			}
			c.ConsumerMigrationPolicy = v
			return nil
		}},
	// The lower bound of a group's heartbeat override: heartbeats
	// more often than this would load the coordinator.
	{name: "group.consumer.min.heartbeat.interval.ms", typ: configTypeInt, doc: "The shortest consumer.heartbeat.interval.ms a consumer group may set.",
		get: func(c *Config) string { return millis(c.ConsumerMinHeartbeatInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.ConsumerMinHeartbeatInterval, v, 1) }},
	// The lower bound of a group's session override: shorter ones would
	// expel members on a GC pause.
	{name: "group.consumer.min.session.timeout.ms", typ: configTypeInt, doc: "The shortest consumer.session.timeout.ms a consumer group may set.",
		get: func(c *Config) string { return millis(c.ConsumerMinSessionTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.ConsumerMinSessionTimeout, v, 1) }},
	// In KIP-848 the broker owns the session timeout too: a member silent
	// this long is fenced and its partitions reassigned.
	{name: "group.consumer.session.timeout.ms", typ: configTypeInt, doc: "How long a KIP-848 consumer group member may go without a heartbeat.",
		get: func(c *Config) string { return millis(c.ConsumerSessionTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.ConsumerSessionTimeout, v, 1) }},
	// Kafka waits before a new group's first rebalance so that members
	// started together join one generation instead of rebalancing once per
	// member (KIP-134).
	{name: "group.initial.rebalance.delay.ms", typ: configTypeInt, doc: "How long a new classic group waits for more members before its first rebalance; 0 for none.",
		get: func(c *Config) string { return millis(max(c.GroupInitialRebalanceDelay, 0)) },
		set: func(c *Config, v string) error {
			// 0 is "no delay" in Kafka, but the zero Config field means
			// the default; no delay is negative there.
			err := setMillis(&c.GroupInitialRebalanceDelay, v, 0)
			if err == nil && c.GroupInitialRebalanceDelay == 0 {
				c.GroupInitialRebalanceDelay = -1
			}
			return err
		}},
	// The bounds a classic member's own session.timeout.ms must fall in;
	// outside them JoinGroup answers INVALID_SESSION_TIMEOUT, which the
	// Java consumer raises from its first poll.
	{name: "group.max.session.timeout.ms", typ: configTypeInt, doc: "The longest session timeout a classic group member may ask for.",
		get: func(c *Config) string { return millis(c.GroupMaxSessionTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.GroupMaxSessionTimeout, v, 1) }},
	// The classic protocol's cap (KIP-389): a member over it gets
	// GROUP_MAX_SIZE_REACHED and the consumer fails rather than loop.
	{name: "group.max.size", typ: configTypeInt, doc: "The most members a classic group may have.",
		get: func(c *Config) string { return strconv.Itoa(int(c.GroupMaxSize)) },
		set: func(c *Config, v string) error { return setInt32(&c.GroupMaxSize, v, 1) }},
	// The lower bound for classic members, Kafka's 6 seconds by default:
	// a shorter session would expel a member on one slow poll loop.
	{name: "group.min.session.timeout.ms", typ: configTypeInt, doc: "The shortest session timeout a classic group member may ask for.",
		get: func(c *Config) string { return millis(c.GroupMinSessionTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.GroupMinSessionTimeout, v, 1) }},
	// KIP-932: a share group hands a record out this many times before it
	// gives up on it (archives it), so one poison record cannot loop
	// forever. The range is Kafka's.
	{name: "group.share.delivery.count.limit", typ: configTypeInt, doc: "How many times a share group delivers a record before it archives it (2 to 10).",
		get: func(c *Config) string { return strconv.Itoa(int(c.ShareDeliveryCountLimit)) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 2, 10)
			if err == nil {
				c.ShareDeliveryCountLimit = int16(n)
			}
			return err
		}},
	// Share group members heartbeat like KIP-848 consumers, at the
	// interval the broker names.
	{name: "group.share.heartbeat.interval.ms", typ: configTypeInt, doc: "How often share group members heartbeat.",
		get: func(c *Config) string { return millis(c.ShareHeartbeatInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.ShareHeartbeatInterval, v, 1) }},
	// Bounds the in-flight records a share partition tracks, and so the
	// memory of its acquisition state; the range is Kafka's.
	{name: "group.share.partition.max.record.locks", typ: configTypeInt, doc: "How many records of a partition a share group may have in flight (100 to 10000).",
		get: func(c *Config) string { return strconv.Itoa(int(c.SharePartitionMaxRecordLocks)) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 100, 10000)
			if err == nil {
				c.SharePartitionMaxRecordLocks = int32(n)
			}
			return err
		}},
	// Like group.consumer.max.size, but bounded as Kafka bounds it: every
	// share member may hold a share session on every broker, and Kafka
	// requires the session limit to cover the largest group.
	{name: "group.share.max.size", typ: configTypeInt, doc: "The most members a share group may have (1 to 1000).",
		get: func(c *Config) string { return strconv.Itoa(int(c.ShareGroupMaxSize)) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, 1000)
			if err == nil {
				c.ShareGroupMaxSize = int32(n)
			}
			return err
		}},
	// A share session holds a member's partitions on this broker; the
	// cap bounds that memory, as Kafka's ShareSessionCache does.
	{name: "group.share.max.share.sessions", typ: configTypeInt, doc: "The most share sessions the broker keeps at once.",
		get: func(c *Config) string { return strconv.Itoa(int(c.ShareMaxSessions)) },
		set: func(c *Config, v string) error { return setInt32(&c.ShareMaxSessions, v, 1) }},
	// How long an acquired record stays locked to the consumer that
	// fetched it before another may get it; Kafka's range is a second to
	// an hour (ShareGroupConfig).
	{name: "group.share.record.lock.duration.ms", typ: configTypeInt, doc: "How long a share group member holds the records it fetched before they go to another (1000 to 3600000).",
		get: func(c *Config) string { return millis(c.ShareRecordLockDuration) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1000, 3600000)
			if err == nil {
				c.ShareRecordLockDuration = time.Duration(n) * time.Millisecond
			}
			return err
		}},
	// The bounds of a share group's share.record.lock.duration.ms, in
	// Kafka's ranges (ShareGroupConfig): test clusters lower the minimum so
	// that groups may hold records for a second or two.
	{name: "group.share.min.record.lock.duration.ms", typ: configTypeInt, doc: "The shortest share.record.lock.duration.ms a share group may set (1000 to 30000).",
		get: func(c *Config) string { return millis(c.ShareMinRecordLockDuration) },
		set: func(c *Config, v string) error { return setMillisIn(&c.ShareMinRecordLockDuration, v, 1000, 30000) }},
	{name: "group.share.max.record.lock.duration.ms", typ: configTypeInt, doc: "The longest share.record.lock.duration.ms a share group may set (30000 to 3600000).",
		get: func(c *Config) string { return millis(c.ShareMaxRecordLockDuration) },
		set: func(c *Config, v string) error { return setMillisIn(&c.ShareMaxRecordLockDuration, v, 30000, 3600000) }},
	// A silent share member is removed after this, and its acquired
	// records go back to the others when their locks end.
	{name: "group.share.session.timeout.ms", typ: configTypeInt, doc: "How long a share group member may go without a heartbeat before it is removed.",
		get: func(c *Config) string { return millis(c.ShareSessionTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.ShareSessionTimeout, v, 1) }},
	// Kafka's NAME://host:port list. Listener names are their security
	// protocols here, which is why listener.security.protocol.map is
	// ignored below.
	{name: "listeners", typ: configTypeString, doc: "The NAME://host:port listeners, NAME being PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, or one of controller.listener.names, which are not opened.",
		get: func(c *Config) string { return c.Listeners },
		set: func(c *Config, v string) error { c.Listeners = v; return checkListeners(v) }},
	// Kafka's single-directory name, kept for old files; log.dirs wins as
	// it does in Kafka.
	{name: "log.dir", typ: configTypeString, doc: "The directory of the partition logs; log.dirs, if set, wins.",
		get: func(c *Config) string { return c.DataDir },
		set: func(c *Config, v string) error { c.DataDir = v; return nil }},
	// Kafka spreads partitions over several directories (JBOD); this
	// broker has one, and says so rather than silently using the first.
	{name: "log.dirs", typ: configTypeString, doc: "The directory of the partition logs: one only.",
		get: func(c *Config) string { return c.DataDir },
		set: func(c *Config, v string) error {
			if strings.Contains(v, ",") {
				return errors.New("this broker keeps its logs in one directory")
			}
			c.DataDir = v
			return nil
		}},
	// How long the cleaner sleeps when no log needs cleaning, as Kafka's
	// LogCleaner does, so an idle broker does not spin.
	{name: "log.cleaner.backoff.ms", typ: configTypeLong, doc: "How long the log cleaner waits between rounds.",
		get: func(c *Config) string { return millis(c.CleanerBackoff) },
		set: func(c *Config, v string) error { return setMillis(&c.CleanerBackoff, v, 1) }},
	// Kafka's LogManager starts no cleaner when this is false: compacted
	// topics, __consumer_offsets among them, then only grow. Old
	// server.properties files, and test fixtures, still turn it off.
	{name: "log.cleaner.enable", typ: configTypeBoolean, doc: "Whether the log cleaner compacts topics with cleanup.policy=compact.",
		get: func(c *Config) string { return strconv.FormatBool(!c.CleanerDisabled) },
		set: func(c *Config, v string) error {
			on, err := parseBool(v)
			c.CleanerDisabled = !on
			return err
		}},
	// Caps the memory of the offset map compaction builds per pass; a
	// log with more keys is cleaned over several passes (cleaner.go).
	{name: "log.cleaner.dedupe.buffer.size", typ: configTypeLong, doc: "The most memory the log cleaner's key map takes in one pass.",
		get: func(c *Config) string { return strconv.FormatInt(c.CleanerDedupeBufferBytes, 10) },
		set: func(c *Config, v string) error { return setInt64(&c.CleanerDedupeBufferBytes, v, 1, math.MaxInt64) }},
	// Kafka's throttle on compaction I/O, so that cleaning does not starve
	// produce and fetch. Kafka's default is Double.MAX_VALUE, so values at
	// or past what an int64 holds mean no limit.
	{name: "log.cleaner.io.max.bytes.per.second", typ: configTypeDouble, doc: "What the log cleaner may read and write a second.",
		get: func(c *Config) string { return cleanerIOLimit(c.CleanerIOBytesPerSecond) },
		set: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			switch {
			case err != nil || f <= 0:
				return errors.New("not a positive number")
			case f >= math.MaxInt64:
				c.CleanerIOBytesPerSecond = 0 // no limit
			default:
				c.CleanerIOBytesPerSecond = int64(f)
			}
			return nil
		}},
	// Kafka leaves fsync to the OS by default and relies on replicas; a
	// single broker has none, so 1, fsync before each acknowledgement, is
	// the one other value worth having (-fsync always).
	{name: "log.flush.interval.messages", typ: configTypeLong, doc: "1 to fsync every acknowledged produce first (-fsync always); 9223372036854775807 to leave it to the OS.",
		get: func(c *Config) string {
			if c.Fsync == "always" {
				return "1"
			}
			return strconv.FormatInt(math.MaxInt64, 10)
		},
		set: func(c *Config, v string) error {
			switch v {
			case "1":
				c.Fsync = "always"
			case strconv.FormatInt(math.MaxInt64, 10):
			default:
				return errors.New("only 1 (fsync before every acknowledgement) or 9223372036854775807 are supported")
			}
			return nil
		}},
	// The timed middle ground: fsync on a timer, losing at most that much
	// acknowledged data in a power cut.
	{name: "log.flush.interval.ms", typ: configTypeLong, doc: "How often appended records are fsynced (-fsync with a duration); empty when not on a timer.",
		get: func(c *Config) string {
			if d, err := time.ParseDuration(c.Fsync); err == nil {
				return millis(d)
			}
			return ""
		},
		set: func(c *Config, v string) error {
			var d time.Duration
			if err := setMillis(&d, v, 1); err != nil {
				return err
			}
			c.Fsync = d.String()
			return nil
		}},
	// Retention is enforced by a periodic scan, as Kafka's LogManager
	// does it, rather than on every append.
	{name: "log.retention.check.interval.ms", typ: configTypeLong, doc: "How often old segments are checked for deletion.",
		get: func(c *Config) string { return millis(c.RetentionCheckInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.RetentionCheckInterval, v, 1) }},
	// Retention and compaction work a segment at a time, so the segment
	// size bounds how much past its retention data can stay; topics
	// override it with segment.bytes. Since Kafka 4.0 it is at least 1 MiB
	// (ServerLogConfigs, KIP-1030); smaller segments are for tests, which
	// set Config.SegmentBytes or -segment-bytes, or the topic config.
	{name: "log.segment.bytes", typ: configTypeInt, doc: "The default segment.bytes of topics.",
		get: func(c *Config) string { return strconv.FormatInt(c.SegmentBytes, 10) },
		set: func(c *Config, v string) error {
			return setInt64(&c.SegmentBytes, v, minLogSegmentBytes, math.MaxInt32)
		}},
	// KIP-227's fetch sessions save resending every partition on each
	// fetch; the cap bounds their memory, and 0 turns them off, as in Kafka,
	// which makes every fetch a full one.
	{name: "max.incremental.fetch.session.cache.slots", typ: configTypeInt, doc: "How many incremental fetch sessions are kept; 0 for none.",
		get: func(c *Config) string { return strconv.Itoa(max(c.FetchSessionCacheSlots, 0)) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 0, math.MaxInt32)
			c.FetchSessionCacheSlots = int(n)
			if n == 0 {
				c.FetchSessionCacheSlots = -1 // the zero field means the default
			}
			return err
		}},
	// Kafka caps a fetch answer at 55 MiB so that one consumer's
	// fetch.max.bytes cannot make the broker gather gigabytes; at least
	// 1024, as in Kafka (ServerConfigs).
	{name: "fetch.max.bytes", typ: configTypeInt, doc: "The most bytes a fetch answer carries, but for a first batch larger than that.",
		get: func(c *Config) string { return strconv.Itoa(int(c.FetchMaxBytes)) },
		set: func(c *Config, v string) error { return setInt32(&c.FetchMaxBytes, v, 1024) }},
	// The page size of DescribeTopicPartitions (KIP-966), which a client
	// may only lower.
	{name: "max.request.partition.size.limit", typ: configTypeInt, doc: "The most partitions one DescribeTopicPartitions answer holds.",
		get: func(c *Config) string { return strconv.Itoa(int(c.MaxRequestPartitions)) },
		set: func(c *Config, v string) error { return setInt32(&c.MaxRequestPartitions, v, 1) }},
	// The largest batch Produce accepts; a larger one gets
	// MESSAGE_TOO_LARGE, on which the Java producer splits a batch of
	// several records and retries, and fails a single record.
	{name: "message.max.bytes", typ: configTypeInt, doc: "The largest record batch a producer may send.",
		get: func(c *Config) string { return strconv.Itoa(int(c.MaxMessageBytes)) },
		set: func(c *Config, v string) error { return setInt32(&c.MaxMessageBytes, v, 0) }},
	// KIP-227: a new session may evict an idle one only after this, so
	// busy consumers are not forced back to full fetches by a crowd of new
	// ones.
	{name: "min.incremental.fetch.session.eviction.ms", typ: configTypeInt, doc: "How long a fetch session is safe from eviction for a new one.",
		get: func(c *Config) string { return millis(c.FetchSessionEviction) },
		set: func(c *Config, v string) error { return setMillis(&c.FetchSessionEviction, v, 1) }},
	// The id in every Metadata answer: clients address the leader of a
	// partition by it.
	{name: "node.id", typ: configTypeInt, doc: "This broker's id.",
		get: func(c *Config) string { return strconv.Itoa(int(c.NodeID)) },
		set: func(c *Config, v string) error { return setInt32(&c.NodeID, v, 0) }},
	// The partition count Kafka gives topics it creates automatically; a
	// CreateTopics that asks for -1 gets it too.
	{name: "num.partitions", typ: configTypeInt, doc: "The partition count of auto-created topics.",
		get: func(c *Config) string { return strconv.Itoa(int(c.DefaultPartitions)) },
		set: func(c *Config, v string) error { return setInt32(&c.DefaultPartitions, v, 1) }},
	// Bounds what a commit may store beside each offset, which the
	// coordinator keeps in memory for every group; a longer string is
	// OFFSET_METADATA_TOO_LARGE. Kafka takes 0 (no metadata at all); here
	// the least is 1, because the zero field means the default.
	{name: "offset.metadata.max.bytes", typ: configTypeInt, doc: "The longest metadata string an offset commit may carry, in UTF-16 code units.",
		get: func(c *Config) string { return strconv.Itoa(int(c.OffsetMetadataMaxBytes)) },
		set: func(c *Config, v string) error { return setInt32(&c.OffsetMetadataMaxBytes, v, 1) }},
	// Kafka keeps __consumer_offsets' segments small (100 MiB) so that
	// compaction can drop superseded commits soon.
	{name: "offsets.topic.segment.bytes", typ: configTypeInt, doc: "The segment.bytes __consumer_offsets is created with.",
		get: func(c *Config) string { return strconv.Itoa(int(c.OffsetsTopicSegmentBytes)) },
		set: func(c *Config, v string) error { return setInt32(&c.OffsetsTopicSegmentBytes, v, 1) }},
	// Expired offsets are found by a periodic scan, as Kafka's
	// GroupMetadataManager does it.
	{name: "offsets.retention.check.interval.ms", typ: configTypeLong, doc: "How often expired committed offsets are looked for.",
		get: func(c *Config) string { return millis(c.OffsetsRetentionCheckInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.OffsetsRetentionCheckInterval, v, 1) }},
	// KIP-211: the offsets of a group are kept this long after it
	// empties; a consumer that comes back later starts from
	// auto.offset.reset.
	{name: "offsets.retention.minutes", typ: configTypeInt, doc: "How long the committed offsets of an empty group are kept.",
		get: func(c *Config) string { return strconv.FormatInt(int64(c.OffsetsRetention/time.Minute), 10) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt32)
			c.OffsetsRetention = time.Duration(n) * time.Minute
			return err
		}},
	// Client quotas are rates over a sliding window of samples, as
	// Kafka's ClientQuotaManager measures them. Kafka accepts 1; here the
	// least is 2, because withDefaults reads 1 or less as unset.
	{name: "quota.window.num", typ: configTypeInt, doc: "How many samples client quota rates are measured over.",
		get: func(c *Config) string { return strconv.Itoa(c.QuotaWindowNum) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 2, math.MaxInt32)
			c.QuotaWindowNum = int(n)
			return err
		}},
	// The length of each quota sample; quota.window.num of them make the
	// window a throttled client is measured over.
	{name: "quota.window.size.seconds", typ: configTypeInt, doc: "The length of each client quota sample, in seconds.",
		get: func(c *Config) string { return strconv.FormatInt(int64(c.QuotaWindowSize/time.Second), 10) },
		set: func(c *Config, v string) error {
			n, err := parseInt(v, 1, math.MaxInt32)
			c.QuotaWindowSize = time.Duration(n) * time.Second
			return err
		}},
	// Which SASL mechanisms SaslHandshake offers. OAUTHBEARER must be
	// named to be served: its unsecured tokens (oauth.go) let a client
	// log in as anyone, which no default should allow.
	{name: "sasl.enabled.mechanisms", typ: configTypeList, doc: "The SASL mechanisms offered on SASL listeners, separated by commas: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (unsecured tokens, for development only).",
		get: func(c *Config) string {
			m, _ := enabledMechanisms(c.Security.SASLEnabledMechanisms)
			return strings.Join(m, ",")
		},
		set: func(c *Config, v string) error {
			var names []string
			for n := range strings.SplitSeq(v, ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
			if len(names) == 0 {
				return errors.New("no mechanism named")
			}
			if _, err := enabledMechanisms(names); err != nil {
				return err
			}
			c.Security.SASLEnabledMechanisms = names
			return nil
		}},
	// The largest frame read from a client: a size prefix above it closes
	// the connection before any memory is allocated for it.
	{name: "socket.request.max.bytes", typ: configTypeInt, doc: "The largest request accepted.",
		get: func(c *Config) string { return strconv.Itoa(int(c.MaxFrameBytes)) },
		set: func(c *Config, v string) error { return setInt32(&c.MaxFrameBytes, v, 1) }},
	// Kafka's mTLS switch; with a certificate, the principal is the
	// certificate's subject, as Kafka's DefaultKafkaPrincipalBuilder
	// makes it.
	{name: "ssl.client.auth", typ: configTypeString, doc: "Whether TLS listeners ask for a client certificate: none, requested or required; its subject is then the principal.",
		get: func(c *Config) string { return cmp.Or(c.Security.TLSClientAuth, "none") },
		set: func(c *Config, v string) error {
			if v != "none" && v != "requested" && v != "required" {
				return fmt.Errorf("%q is not none, requested or required", v)
			}
			c.Security.TLSClientAuth = v
			return nil
		}},
	// Principals the authorizer never checks (acls.go, rule 1): the way
	// into a broker whose ACLs deny everything, such as the one that
	// creates the first ACLs.
	{name: "super.users", typ: configTypeList, doc: "Principals, such as User:admin, that the authorizer allows everything; separated by semicolons.",
		get: func(c *Config) string { return strings.Join(c.Security.SuperUsers, ";") },
		set: func(c *Config, v string) error {
			// Each is trimmed and must be TYPE:NAME, or Kafka refuses to
			// start (StandardAuthorizer.getConfiguredSuperUsers).
			c.Security.SuperUsers = nil
			for u := range strings.SplitSeq(v, ";") {
				if u = strings.TrimSpace(u); u != "" && !strings.Contains(u, ":") {
					return fmt.Errorf("expected a string in format principalType:principalName but got %s", u)
				} else if u != "" {
					c.Security.SuperUsers = append(c.Security.SuperUsers, u)
				}
			}
			return nil
		}},
	// How often the coordinator looks for transactions past their timeout
	// and aborts them, as Kafka's TransactionCoordinator does, so that a
	// crashed producer does not hold back read_committed consumers
	// forever.
	{name: "transaction.abort.timed.out.transaction.cleanup.interval.ms", typ: configTypeInt, doc: "How often open transactions are checked against their timeout.",
		get: func(c *Config) string { return millis(c.TransactionAbortCheckInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.TransactionAbortCheckInterval, v, 1) }},
	// A producer asking for more gets INVALID_TRANSACTION_TIMEOUT from
	// InitProducerId; it bounds how long a transaction may block
	// read_committed consumers.
	{name: "transaction.max.timeout.ms", typ: configTypeInt, doc: "The longest transaction.timeout.ms a producer may ask for.",
		get: func(c *Config) string { return millis(c.TransactionMaxTimeout) },
		set: func(c *Config, v string) error { return setMillis(&c.TransactionMaxTimeout, v, 1) }},
	// A transactional id idle this long is forgotten, as in Kafka, so the
	// coordinator's state does not grow with every short-lived producer.
	// Kafka's ProducerStateManager forgets an idle producer after this,
	// so a partition's producer state does not grow with every producer
	// it has ever seen (producers.go).
	{name: "producer.id.expiration.ms", typ: configTypeInt, doc: "How long a producer without an open transaction is kept after its last write.",
		get: func(c *Config) string { return millis(c.ProducerIDExpiration) },
		set: func(c *Config, v string) error { return setMillis(&c.ProducerIDExpiration, v, 1) }},
	{name: "producer.id.expiration.check.interval.ms", typ: configTypeInt, doc: "How often expired producers are looked for.",
		get: func(c *Config) string { return millis(c.ProducerIDExpirationCheckInterval) },
		set: func(c *Config, v string) error { return setMillis(&c.ProducerIDExpirationCheckInterval, v, 1) }},
	{name: "transactional.id.expiration.ms", typ: configTypeInt, doc: "How long an unused transactional id is kept.",
		get: func(c *Config) string { return millis(c.TransactionalIDExpiration) },
		set: func(c *Config, v string) error { return setMillis(&c.TransactionalIDExpiration, v, 1) }},
}

// fixedSettings are broker settings the broker has only at Kafka's
// default: the value a Set must have, and why. Beyond these, every topic
// config's broker synonym (log.roll.ms for segment.ms, compression.type,
// log.message.timestamp.type, ...) that the table above does not apply is
// fixed at the topic config's default (fixedSetting), and so are the
// inert dynamic configs (inertBrokerConfigs), which AlterConfigs keeps.
// Most are limits the broker keeps as constants at Kafka's value, or
// Java's TLS and SASL machinery, which a Go broker has no counterpart of:
// at Kafka's default a line changes nothing, and any other value would
// ask for an effect the broker does not have.
var fixedSettings = map[string]fixedSettingDef{
	"default.replication.factor": {"1", "there is one broker", configTypeInt, nil},
	"log.retention.hours":        {"168", "set retention.ms per topic", configTypeInt, nil},
	"log.retention.minutes":      {"10080", "set retention.ms per topic", configTypeInt, nil},
	"log.roll.hours":             {"168", "set segment.ms per topic", configTypeInt, nil},
	"log.roll.jitter.hours":      {"0", "set segment.jitter.ms per topic", configTypeInt, nil},

	// Limits the broker keeps at Kafka's default.
	"connection.failed.authentication.delay.ms": {"100", "a failed login is answered after 100ms (security.go)", configTypeInt, nil},
	"sasl.server.max.receive.size":              {"524288", "a frame before login is at most 512 KiB (security.go)", configTypeInt, nil},
	// SocketServerConfigs' connection limits, unlimited by default; the
	// broker has none (the open file limit bounds connections).
	"max.connection.creation.rate":     {"2147483647", "no connection limits", configTypeInt, nil},
	"max.connections":                  {"2147483647", "no connection limits", configTypeInt, nil},
	"max.connections.per.ip":           {"2147483647", "no connection limits", configTypeInt, nil},
	"max.connections.per.ip.overrides": {"", "no connection limits", configTypeString, nil},

	// The server-side assignors of consumer.go, uniform first as in
	// Kafka 4 (GroupCoordinatorConfig); Kafka 3's default named them by
	// class, which is the same list.
	"group.consumer.assignors": {"uniform,range", "the assignors are uniform and range, uniform the default (consumer.go)", configTypeList, checkAssignors},

	// Transactions: always verified (KIP-890), no two-phase commit
	// (KIP-939), and expired transactional ids looked for with timed-out
	// transactions (txn.go), more often than Kafka's hourly scan.
	"transaction.partition.verification.enable":                  {"true", "transactions are always verified", configTypeBoolean, checkBool},
	"transaction.remove.expired.transaction.cleanup.interval.ms": {"3600000", "expired transactional ids are looked for every transaction.abort.timed.out.transaction.cleanup.interval.ms", configTypeInt, nil},
	"transaction.two.phase.commit.enable":                        {"false", "no two-phase commit (KIP-939)", configTypeBoolean, checkBool},

	// TLS is Go's: PEM files (SecurityConfig.TLSCertFile, read at start),
	// TLS 1.2 and 1.3 with Go's cipher suites, and the certificate's
	// whole subject as the principal (DefaultKafkaPrincipalBuilder with
	// ssl.principal.mapping.rules=DEFAULT).
	"principal.builder.class":     {"org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder", "principals are made as Kafka's default builder makes them", configTypeClass, nil},
	"ssl.allow.dn.changes":        {"false", "the certificate is read at start only", configTypeBoolean, checkBool},
	"ssl.allow.san.changes":       {"false", "the certificate is read at start only", configTypeBoolean, checkBool},
	"ssl.cipher.suites":           {"", "Go's cipher suites", configTypeList, checkListValue},
	"ssl.enabled.protocols":       {"TLSv1.2,TLSv1.3", "TLS 1.2 and 1.3", configTypeList, checkListValue},
	"ssl.keymanager.algorithm":    {"SunX509", "certificates are PEM files, not a Java keystore", configTypeString, nil},
	"ssl.keystore.type":           {"JKS", "certificates are PEM files, not a Java keystore", configTypeString, nil},
	"ssl.principal.mapping.rules": {"DEFAULT", "the principal is the certificate's whole subject", configTypeString, nil},
	"ssl.protocol":                {"TLSv1.3", "TLS 1.2 and 1.3", configTypeString, nil},
	"ssl.trustmanager.algorithm":  {"PKIX", "certificates are PEM files, not a Java keystore", configTypeString, nil},
	"ssl.truststore.type":         {"JKS", "certificates are PEM files, not a Java keystore", configTypeString, nil},
	// The settings of Kafka's JWKS validator of OAUTHBEARER tokens: this
	// broker has only the unsecured validator (oauth.go), with options of
	// its own, so any other value would expect checks it does not make.
	"sasl.oauthbearer.clock.skew.seconds":                 {"30", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeInt, nil},
	"sasl.oauthbearer.jwks.endpoint.refresh.ms":           {"3600000", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeLong, nil},
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms": {"10000", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeLong, nil},
	"sasl.oauthbearer.jwks.endpoint.retry.backoff.ms":     {"100", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeLong, nil},
	"sasl.oauthbearer.jwt.validator.class":                {"org.apache.kafka.common.security.oauthbearer.DefaultJwtValidator", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeClass, nil},
	"sasl.oauthbearer.scope.claim.name":                   {"scope", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeString, nil},
	"sasl.oauthbearer.sub.claim.name":                     {"sub", "OAUTHBEARER tokens are checked by the unsecured validator (oauth.go)", configTypeString, nil},
}

// fixedSettingDef is a fixed setting: its only value, why, its type for
// DescribeConfigs, and the check that puts a value given in canonical
// form, nil for a value taken as written.
type fixedSettingDef struct {
	value, why string
	typ        int8
	check      func(string) (string, error)
}

// checkListValue canonicalizes a LIST value as ConfigDef parses one: the
// items split at commas and trimmed of blanks.
func checkListValue(v string) (string, error) {
	items := slices.DeleteFunc(configList(v), func(item string) bool { return item == "" })
	return strings.Join(items, ","), nil
}

// checkAssignors canonicalizes group.consumer.assignors, naming Kafka's
// built-in assignors by the names they answer to (UniformAssignor.name,
// RangeAssignor.name) whether given by name or by class.
func checkAssignors(v string) (string, error) {
	v, _ = checkListValue(v)
	const pkg = "org.apache.kafka.coordinator.group.assignor."
	v = strings.ReplaceAll(v, pkg+"UniformAssignor", uniformAssignor)
	return strings.ReplaceAll(v, pkg+"RangeAssignor", rangeAssignor), nil
}

// fixedSetting looks name up among the fixed settings: its only value, in
// canonical form, a check that canonicalizes a value given, and why.
func fixedSetting(name string) (value string, check func(string) (string, error), why string, typ int8, ok bool) {
	if lookupBrokerSetting(name) != nil {
		return "", nil, "", 0, false
	}
	if f, ok := fixedSettings[name]; ok {
		check := f.check
		if check == nil {
			check = func(v string) (string, error) { return v, nil }
		}
		return f.value, check, f.why, f.typ, true
	}
	for i := range topicConfigDefs {
		if d := &topicConfigDefs[i]; d.broker == name {
			return d.def, d.check, "set " + d.name + " per topic", d.typ, true
		}
	}
	for _, d := range inertBrokerConfigs {
		if d.name == name {
			return d.def, d.check, "it acts on nothing here; AlterConfigs keeps other values", d.typ, true
		}
	}
	return "", nil, "", 0, false
}

// ignoredSettings are keys (or, ending in ".", prefixes of keys) that
// mean nothing to a single broker, with why.
var ignoredSettings = []struct{ key, why string }{
	{"add.partitions.to.txn.", "the transaction coordinator is in this process: no call to it to retry"},
	{"alter.log.dirs.replication.quota.window.", "one log dir: no replica moves to throttle"},
	{"auto.leader.rebalance.enable", "one broker leads every partition"},
	{"background.threads", "no thread pools to size"},
	{"broker.heartbeat.interval.ms", "the broker is its own controller: it neither registers nor heartbeats"},
	{"broker.id.generation.enable", "node.id is given"},
	{"broker.rack", "one broker"},
	{"broker.session.timeout.ms", "the broker is its own controller: it neither registers nor heartbeats"},
	{"controlled.shutdown.", "one broker"},
	{"controller.", "the controller quorum is this node alone (quorum.go)"},
	{"delegation.token.expiry.check.interval.ms", "delegation tokens are off, as in a Kafka without delegation.token.secret.key (delegationtokens.go)"},
	{"delegation.token.expiry.time.ms", "delegation tokens are off, as in a Kafka without delegation.token.secret.key (delegationtokens.go)"},
	{"delegation.token.max.lifetime.ms", "delegation tokens are off, as in a Kafka without delegation.token.secret.key (delegationtokens.go)"},
	{"delete.records.purgatory.purge.interval.requests", "no purgatory to purge: a waiting request is woken, not scanned"},
	{"delete.topic.enable", "topics can always be deleted"},
	{"early.start.listeners", "the ACLs are loaded before any listener opens"},
	{"fetch.purgatory.purge.interval.requests", "no purgatory to purge: a waiting request is woken, not scanned"},
	{"group.coordinator.", "the coordinator is built in"},
	{"group.share.", "the other share group settings are Kafka's defaults"},
	{"group.streams.", "streams groups (KIP-1071) are not served"},
	{"initial.broker.registration.timeout.ms", "the broker is its own controller: it neither registers nor heartbeats"},
	{"inter.broker.", "one broker"},
	{"kafka.metrics.", "no metrics reporters (JMX)"},
	{"leader.imbalance.", "one broker leads every partition"},
	{"listener.security.protocol.map", "listener names are their security protocols"},
	{"log.cleaner.io.buffer.", "buffers are sized by the batches read"},
	{"log.cleaner.threads", "one cleaner goroutine"},
	{"log.dir.failure.timeout.ms", "one log dir, and no controller to report its failure to"},
	{"log.flush.offset.checkpoint.interval.ms", "checkpoints are written at shutdown"},
	{"log.flush.scheduler.interval.ms", "see log.flush.interval.ms"},
	{"log.flush.start.offset.checkpoint.interval.ms", "log start offsets are checkpointed when DeleteRecords moves them"},
	{"log.index.", "index sizes are fixed"},
	{"metadata.", "no metadata log: its offset is a count of changes (quorum.go)"},
	{"metric.reporters", "no metrics reporters (JMX)"},
	{"metrics.", "no metrics reporters (JMX)"},
	{"node.id.", "one broker"},
	{"num.io.threads", "no thread pools to size"},
	{"num.network.threads", "no thread pools to size"},
	{"num.recovery.threads.per.data.dir", "no thread pools to size"},
	{"num.replica.", "no replicas"},
	// GroupCoordinatorConfig's wait for the offsets topic's replicas: a
	// commit here is answered once it is in the one replica.
	{"offsets.commit.timeout.ms", "no replicas to wait for"},
	{"offsets.load.buffer.size", "__consumer_offsets is read at start a batch at a time"},
	{"offsets.topic.", "__consumer_offsets has one partition and one replica"},
	{"process.roles", "always broker and controller, combined"},
	{"producer.purgatory.purge.interval.requests", "no purgatory to purge: a waiting request is woken, not scanned"},
	{"queued.max.request.bytes", "each connection is served in order"},
	{"queued.max.requests", "each connection is served in order"},
	{"remote.fetch.max.wait.ms", "no tiered storage"},
	{"remote.list.offsets.request.timeout.ms", "no tiered storage"},
	{"remote.log.", "no tiered storage"},
	{"replica.", "no replicas"},
	{"replication.quota.window.", "no replicas"},
	{"request.timeout.ms", "the broker sends no requests to other nodes"},
	{"reserved.broker.max.id", "node.id is given"},
	{"sasl.login.", "the broker logs in to no other node"},
	{"sasl.mechanism.controller.protocol", "the controller is this node"},
	// BrokerSecurityConfigs' mechanism for the links between brokers,
	// which kafka-python's fixture sets on its SASL brokers.
	{"sasl.mechanism.inter.broker.protocol", "one broker"},
	// SaslConfigs' settings of an OAUTHBEARER login (KIP-1139): how a
	// client gets its token, which the broker, logging in nowhere, never
	// does.
	{"sasl.oauthbearer.assertion.", "the broker logs in to no other node"},
	{"sasl.oauthbearer.client.credentials.", "the broker logs in to no other node"},
	{"sasl.oauthbearer.header.urlencode", "the broker logs in to no other node"},
	{"sasl.oauthbearer.jwt.retriever.class", "the broker logs in to no other node"},
	{"sasl.oauthbearer.scope", "the broker logs in to no other node"},
	{"security.inter.broker.protocol", "one broker"},
	{"share.coordinator.", "share group state is a file, not a topic"},
	{"share.fetch.purgatory.purge.interval.requests", "no purgatory to purge: a waiting request is woken, not scanned"},
	{"socket.connection.setup.timeout.", "the broker connects to no other node"},
	{"socket.listen.backlog.size", "the OS's listen backlog"},
	{"socket.receive.buffer.bytes", "the OS's socket buffers"},
	{"socket.send.buffer.bytes", "the OS's socket buffers"},
	{"ssl.endpoint.identification.algorithm", "the broker connects to no other node"},
	{"telemetry.max.bytes", "PushTelemetry is not served, as on a Kafka without a telemetry reporter (clientmetrics.go)"},
	{"transaction.state.log.", "transaction state is a file, not a topic"},
	{"unclean.leader.election.enable", "no replicas"},
	{"zookeeper.", "no ZooKeeper"},
}

// init fills each setting's def from the defaults withDefaults gives a
// zero Config, so that a default is written once, in kafka.go.
func init() {
	var zero Config
	zero = zero.withDefaults()
	for i := range brokerSettings {
		brokerSettings[i].def = brokerSettings[i].get(&zero)
	}
}

// lookupBrokerSetting finds a setting by name, nil if the broker does not
// apply it. A linear scan: the table has a few dozen entries and is read
// at startup and by DescribeConfigs only.
func lookupBrokerSetting(name string) *brokerSetting {
	for i := range brokerSettings {
		if brokerSettings[i].name == name {
			return &brokerSettings[i]
		}
	}
	return nil
}

// checkGroupSettings refuses group settings that contradict each other,
// as Kafka refuses to start on them, with the message of the require
// check Kafka fails: GroupCoordinatorConfig's constructor, in its order,
// and ShareGroupConfig.validate (Kafka 4.1 on) for the share session
// limit, which must let every member of the largest share group hold a
// session. c has its defaults filled in; the consumer group bounds
// default to take in the interval and timeout set (withDefaults), so
// only bounds set explicitly can contradict them. Of the share group
// bounds only the record lock duration's are settings here (the session
// and heartbeat ones, group.share.min.session.timeout.ms and the others,
// are ignoredSettings), so the share checks are the interval's against
// the timeout and the lock duration's against its bounds.
func (c *Config) checkGroupSettings() error {
	type bound struct {
		name  string
		value time.Duration
	}
	atLeast := func(a, b bound) string {
		if a.value < b.value {
			return a.name + " must be greater than or equal to " + b.name
		}
		return ""
	}
	atMost := func(a, b bound) string {
		if a.value > b.value {
			return a.name + " must be less than or equal to " + b.name
		}
		return ""
	}
	below := func(a, b bound) string {
		if a.value >= b.value {
			return a.name + " must be less than " + b.name
		}
		return ""
	}
	hb := bound{"group.consumer.heartbeat.interval.ms", c.ConsumerHeartbeatInterval}
	minHB := bound{"group.consumer.min.heartbeat.interval.ms", c.ConsumerMinHeartbeatInterval}
	maxHB := bound{"group.consumer.max.heartbeat.interval.ms", c.ConsumerMaxHeartbeatInterval}
	session := bound{"group.consumer.session.timeout.ms", c.ConsumerSessionTimeout}
	minSession := bound{"group.consumer.min.session.timeout.ms", c.ConsumerMinSessionTimeout}
	maxSession := bound{"group.consumer.max.session.timeout.ms", c.ConsumerMaxSessionTimeout}
	shareHB := bound{"group.share.heartbeat.interval.ms", c.ShareHeartbeatInterval}
	shareLock := bound{"group.share.record.lock.duration.ms", c.ShareRecordLockDuration}
	minShareLock := bound{"group.share.min.record.lock.duration.ms", c.ShareMinRecordLockDuration}
	maxShareLock := bound{"group.share.max.record.lock.duration.ms", c.ShareMaxRecordLockDuration}
	shareSession := bound{"group.share.session.timeout.ms", c.ShareSessionTimeout}
	// Counts compared as durations: the helpers only compare.
	shareSessions := bound{"group.share.max.share.sessions", time.Duration(c.ShareMaxSessions)}
	shareMaxSize := bound{"group.share.max.size", time.Duration(c.ShareGroupMaxSize)}
	for _, msg := range []string{
		atLeast(maxHB, minHB), atLeast(hb, minHB), atMost(hb, maxHB),
		atLeast(maxSession, minSession), atLeast(session, minSession), atMost(session, maxSession),
		below(hb, session),
		below(shareHB, shareSession),
		atLeast(shareLock, minShareLock), atLeast(maxShareLock, shareLock),
		atLeast(shareSessions, shareMaxSize),
	} {
		if msg != "" {
			return errors.New("kafka: " + msg)
		}
	}
	return nil
}

// ignoredSetting is why name is ignored, or "" if it is not.
func ignoredSetting(name string) string {
	for _, s := range ignoredSettings {
		if name == s.key || strings.HasSuffix(s.key, ".") && strings.HasPrefix(name, s.key) {
			return s.why
		}
	}
	return ""
}

// Set applies one broker setting by its Kafka name (a server.properties
// key), as cmd/kafka's -c and -config do. It fails for a key the broker
// does not know and for a value the key does not take; a key known but
// meaningless here is accepted and logged once by Open.
func (c *Config) Set(name, value string) error {
	value = strings.TrimSpace(value)
	if s := lookupBrokerSetting(name); s != nil {
		if err := s.set(c, value); err != nil {
			return fmt.Errorf("kafka: setting %s=%q: %w", name, value, err)
		}
		// Recorded even when the value is the default, for the
		// design note's STATIC_BROKER_CONFIG.
		c.given = append(c.given, name)
		return nil
	}
	if only, check, why, _, ok := fixedSetting(name); ok {
		v, err := check(value)
		if err != nil || v != only {
			return fmt.Errorf("kafka: setting %s=%q: this broker has only %s (%s)", name, value, only, why)
		}
		c.given = append(c.given, name)
		return nil
	}
	if why := ignoredSetting(name); why != "" {
		c.ignored = append(c.ignored, name+": "+why)
		return nil
	}
	return fmt.Errorf("kafka: unknown broker setting %q", name)
}

// logIgnoredSettings logs, once each, the settings Set accepted and
// ignored, and the controller listeners not opened, so that a port of
// the file that nothing answers on is explained.
func (b *Broker) logIgnoredSettings() {
	for _, s := range slices.Compact(slices.Sorted(slices.Values(b.cfg.ignored))) {
		name, why, _ := strings.Cut(s, ": ")
		b.log.Info("ignoring broker setting", "name", name, "why", why)
	}
	all, _ := splitListeners(cmp.Or(b.cfg.Listeners, defaultListeners))
	for _, l := range all {
		if !slices.ContainsFunc(b.sec.listeners, func(o *listener) bool { return o.name == l.name }) {
			b.log.Info("not opening a controller listener", "listener", l.name, "addr", l.addr, "why", "the controller APIs are answered on the broker listeners")
		}
	}
}

// brokerConfigEntries describes the broker's settings for DescribeConfigs,
// read-only but for the dynamic ones (brokerconfigs.go, withDynamic): the
// rest change with a restart. A setting is
// STATIC_BROKER_CONFIG if it was given (by Set, or a Config field away from
// its default), else DEFAULT_CONFIG.
func (b *Broker) brokerConfigEntries() []configEntry {
	entries := make([]configEntry, 0, len(brokerSettings))
	for _, s := range brokerSettings {
		e := configEntry{name: s.name, value: s.get(&b.cfg), typ: s.typ, doc: s.doc, readOnly: true, source: sourceDefault}
		e.null = e.value == ""
		if e.value != s.def || slices.Contains(b.cfg.given, s.name) {
			e.source = sourceStaticBroker
		}
		e.synonyms = []configSynonym{{e.name, e.value, e.source}}
		entries = append(entries, e)
	}
	// The fixed settings are listed too, at their one value, so that a
	// tool reading Kafka's broker configs finds every key it expects.
	var fixed []string
	for name := range fixedSettings {
		fixed = append(fixed, name)
	}
	for _, d := range topicConfigDefs {
		fixed = append(fixed, d.broker)
	}
	for _, name := range slices.Compact(slices.Sorted(slices.Values(fixed))) {
		value, _, why, typ, ok := fixedSetting(name)
		if !ok || name == "" {
			continue
		}
		e := configEntry{name: name, value: value, typ: typ, readOnly: true, source: sourceDefault,
			doc: "Fixed at Kafka's default here: " + why + "."}
		if slices.Contains(b.cfg.given, name) {
			e.source = sourceStaticBroker
		}
		if d := lookupBrokerConfig(name); d != nil {
			e.doc = "The " + d.broker + " of topics that set none: at Kafka's default in server.properties, changed while the broker runs by AlterConfigs."
		}
		e.null = value == ""
		e.synonyms = []configSynonym{{e.name, e.value, e.source}}
		if coarser, ok := unsetBrokerDefaults[name]; ok {
			// Kafka leaves these without a value, and the coarser form
			// below them is the default in force: the synonym says so.
			e.value, e.null = "", true
			e.synonyms = []configSynonym{coarser}
		}
		entries = append(entries, e)
	}
	for _, d := range inertBrokerConfigs {
		source := sourceDefault
		if slices.Contains(b.cfg.given, d.name) {
			source = sourceStaticBroker // given in server.properties, at its one value
		}
		entries = append(entries, configEntry{name: d.name, value: d.def, null: d.def == "", typ: d.typ, doc: d.doc, readOnly: true,
			source: source, synonyms: []configSynonym{{d.name, d.def, source}}})
	}
	slices.SortFunc(entries, func(a, b configEntry) int { return strings.Compare(a.name, b.name) })
	for i := range entries {
		b.withDynamic(&entries[i])
	}
	return entries
}

// unsetBrokerDefaults are the broker configs that Kafka's KafkaConfig
// defines without a default, each with the coarser config whose default
// applies instead, the one synonym ConfigHelper.configSynonyms lists for
// it: DescribeConfigs reports them with a null value, as Kafka does,
// rather than the value they stand for.
var unsetBrokerDefaults = map[string]configSynonym{
	"log.retention.ms":      {"log.retention.hours", "168", sourceDefault},
	"log.retention.minutes": {"log.retention.hours", "168", sourceDefault},
	"log.roll.ms":           {"log.roll.hours", "168", sourceDefault},
	"log.roll.jitter.ms":    {"log.roll.jitter.hours", "0", sourceDefault},
}

// cleanerIOLimit is log.cleaner.io.max.bytes.per.second for a limit of
// n bytes, where 0 is none: Kafka's default, Double.MAX_VALUE, as Java
// prints it.
func cleanerIOLimit(n int64) string {
	if n <= 0 {
		return "1.7976931348623157E308"
	}
	return strconv.FormatInt(n, 10)
}

// Values. Kafka's ConfigDef parses each type its own way; these parsers
// follow it where a server.properties written for Kafka depends on it.

// parseBool accepts true and false in any case, as ConfigDef.parseType
// does for BOOLEAN; anything else, even 1 or yes, is an error there too.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, errors.New("not true or false")
}

// parseInt parses a decimal integer within [lo, hi], the bounds Kafka's
// ConfigDef.Range validators give each setting.
func parseInt(v string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	switch {
	case err != nil:
		return 0, errors.New("not a number")
	case n < lo || n > hi:
		return 0, fmt.Errorf("out of range [%d, %d]", lo, hi)
	}
	return n, nil
}

// setInt32 and setInt64 set an INT or LONG setting, leaving dst alone
// when the value is refused.
func setInt32(dst *int32, v string, lo int64) error {
	n, err := parseInt(v, lo, math.MaxInt32)
	if err == nil {
		*dst = int32(n)
	}
	return err
}

func setInt64(dst *int64, v string, lo, hi int64) error {
	n, err := parseInt(v, lo, hi)
	if err == nil {
		*dst = n
	}
	return err
}

// setMillis sets a duration given in milliseconds, at least lo.
func setMillis(dst *time.Duration, v string, lo int64) error {
	return setMillisIn(dst, v, lo, math.MaxInt64/int64(time.Millisecond))
}

// setMillisIn is setMillis for a setting Kafka bounds on both sides.
func setMillisIn(dst *time.Duration, v string, lo, hi int64) error {
	n, err := parseInt(v, lo, hi)
	if err == nil {
		*dst = time.Duration(n) * time.Millisecond
	}
	return err
}

// millis is a duration as Kafka's *.ms settings write it.
func millis(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// checkListeners checks a listeners value as Open will read it, but for
// the names: one that is not a security protocol may be a controller
// listener's, named by controller.listener.names later in the file, so
// Open checks the names (openSecurity) once it has every setting.
func checkListeners(v string) error {
	if v == "" {
		return nil
	}
	_, err := splitListeners(v)
	return err
}

// listenerURL is advertised.listeners as Config.AdvertisedAddr, the
// one-listener form, gives it: a host:port with Kafka's scheme prefix.
func listenerURL(addr string) string {
	if addr == "" {
		return ""
	}
	return "PLAINTEXT://" + addr
}

// The properties file.

// Property is one key=value of a properties file.
type Property struct{ Key, Value string }

// ReadProperties reads a file in Java's properties format
// (java.util.Properties.load), as Kafka reads server.properties: a line
// starting with # or ! is a comment; a line ending in an odd number of
// backslashes continues on the next, whose leading blanks are dropped; the
// key ends at the first unescaped =, : or blank, and blanks around the
// separator are dropped; backslash escapes \t \n \r \f \uXXXX, and before
// any other character stand for it. Properties come in file order; a key
// given twice appears twice, and the last wins when applied.
func ReadProperties(r io.Reader) ([]Property, error) {
	// A line of up to 1 MiB: generous for a properties file, and a
	// bound on what a corrupt file makes the broker hold.
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	var props []Property
	var logical strings.Builder
	continuing, lineNo := false, 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimLeft(line, " \t\f")
		if !continuing && (trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!') {
			continue
		}
		// An odd run of trailing backslashes escapes the line end.
		n := len(trimmed) - len(strings.TrimRight(trimmed, `\`))
		continuing = n%2 == 1
		if continuing {
			trimmed = trimmed[:len(trimmed)-1]
		}
		logical.WriteString(trimmed)
		if continuing {
			continue
		}
		p, err := parseProperty(logical.String())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		props = append(props, p)
		logical.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	// A file that ends in the middle of a continued line still yields
	// what it has of that line.
	if logical.Len() > 0 {
		p, err := parseProperty(logical.String())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		props = append(props, p)
	}
	return props, nil
}

// parseProperty splits one logical line, leading blanks gone, into its
// key and value.
func parseProperty(line string) (Property, error) {
	end := len(line)
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if strings.IndexByte("=: \t\f", line[i]) >= 0 {
			end = i
			break
		}
	}
	key, rest := line[:end], line[end:]
	rest = strings.TrimLeft(rest, " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	k, err := unescapeProperty(key)
	if err != nil {
		return Property{}, err
	}
	v, err := unescapeProperty(rest)
	return Property{k, v}, err
}

// unescapeProperty resolves a key's or value's backslash escapes, which
// is how a properties file writes a ':' or '=' in a key, or a
// non-ASCII character in a file Java reads as ISO-8859-1. A trailing
// lone backslash is kept as it is.
func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", errors.New(`malformed \uxxxx escape`)
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", errors.New(`malformed \uxxxx escape`)
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size - 1
		}
	}
	return b.String(), nil
}
