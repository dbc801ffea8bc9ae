// This file holds group configs (KIP-848): settings a group may override
// on the broker's group.consumer.* and group.share.* defaults, set with
// IncrementalAlterConfigs or AlterConfigs on a GROUP resource (type 32)
// and read with DescribeConfigs, as kafka-configs.sh --entity-type groups
// does. It uses the config machinery of topicconfigs.go and is read by the
// consumer-group coordinator (consumer.go) and the share-group one
// (sharegroups.go). It belongs to Part II of the book, groups and offsets,
// read after consumer.go; the config machinery it uses is explained in
// Part IV (topicconfigs.go).
//
// The configs are those of Kafka 4.1's GroupConfig
// (https://github.com/apache/kafka/blob/4.1.0/group-coordinator/src/main/java/org/apache/kafka/coordinator/group/GroupConfig.java),
// checked as GroupConfig.validate checks them: each a number of at least
// 1 (1000 for the record lock), within the broker's bounds for it, and a
// session timeout above the heartbeat interval:
//
//	consumer.session.timeout.ms     45000   group.consumer.{min,max}.session.timeout.ms   45000..60000
//	consumer.heartbeat.interval.ms  5000    group.consumer.{min,max}.heartbeat.interval.ms 5000..15000
//	share.session.timeout.ms        45000   group.share.{min,max}.session.timeout.ms      45000..60000
//	share.heartbeat.interval.ms     5000    group.share.{min,max}.heartbeat.interval.ms   5000..15000
//	share.record.lock.duration.ms   30000   group.share.{min,max}.record.lock.duration.ms 15000..60000
//	share.auto.offset.reset         latest            or earliest, by_duration:PnDTnHnMn.nS
//	share.isolation.level           read_uncommitted  or read_committed
//
// They all act: a consumer or share group's members are removed after its
// session timeout and told to heartbeat at its interval, from their next
// heartbeat on; a share group's records are locked for its lock duration
// and read at its isolation level (sharegroups.go, sharefetch.go). The
// share.* defaults, like the consumer.* ones, are the broker's Config.
//
// Design note: a group's configs do not need the group to exist, as in
// Kafka, where they live in the metadata log beside it; so they are kept
// apart from the groups, in one file of the data dir, group-configs.json,
// replaced whole and atomically on every change (writeFileAtomic). JSON
// because a group id may hold any character, = and newline included.
// That file's keeper, configStore, holds configs by resource name for
// any resource kept apart from the topics, and so also keeps the dynamic
// broker configs (brokerconfigs.go) and the client metrics subscriptions
// (clientmetrics.go).

package kafka

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The group configs' names are the broker's without the "group." prefix,
// as in Kafka's GroupConfig, so that kafka-configs.sh --entity-type groups
// --add-config consumer.session.timeout.ms=... works unchanged.
const (
	consumerSessionTimeoutConfig    = "consumer.session.timeout.ms"
	consumerHeartbeatIntervalConfig = "consumer.heartbeat.interval.ms"
	shareSessionTimeoutConfig       = "share.session.timeout.ms"
	shareHeartbeatIntervalConfig    = "share.heartbeat.interval.ms"
	shareRecordLockDurationConfig   = "share.record.lock.duration.ms"
	shareAutoOffsetResetConfig      = "share.auto.offset.reset"
	shareIsolationLevelConfig       = "share.isolation.level"
	groupConfigFile                 = "group-configs.json"
)

// groupConfigDefs are GroupConfig's CONFIG, sorted by name. The defaults
// here are Kafka's; the numeric ones follow the broker's Config instead
// (groupDefault). The doc strings are what DescribeConfigs returns to a
// client that asks for documentation.
var groupConfigDefs = []configDef{
	{consumerHeartbeatIntervalConfig, "group.consumer.heartbeat.interval.ms", configTypeInt, "5000", checkIntIn(1, 1<<31-1),
		"How often members of this consumer group are told to heartbeat, in milliseconds."},
	{consumerSessionTimeoutConfig, "group.consumer.session.timeout.ms", configTypeInt, "45000", checkIntIn(1, 1<<31-1),
		"How long a member of this consumer group may go without a heartbeat before it is removed, in milliseconds."},
	{shareAutoOffsetResetConfig, "", configTypeString, "latest", checkShareAutoOffsetReset,
		"Where a share group starts reading a partition it was never assigned: its high watermark (latest), its log start (earliest), or its first record no older than an ISO-8601 duration (by_duration:PT1H)."},
	{shareHeartbeatIntervalConfig, "group.share.heartbeat.interval.ms", configTypeInt, "5000", checkIntIn(1, 1<<31-1),
		"How often members of this share group are told to heartbeat, in milliseconds."},
	{shareIsolationLevelConfig, "", configTypeString, "read_uncommitted", checkOneOf("read_uncommitted", "read_committed"),
		"Whether this share group reads records of open and aborted transactions (read_uncommitted) or only committed ones (read_committed)."},
	{shareRecordLockDurationConfig, "group.share.record.lock.duration.ms", configTypeInt, "30000", checkIntIn(1000, 1<<31-1),
		"How long a share group member holds the records it fetched before they go to another, in milliseconds."},
	{shareSessionTimeoutConfig, "group.share.session.timeout.ms", configTypeInt, "45000", checkIntIn(1, 1<<31-1),
		"How long a member of this share group may go without a heartbeat before it is removed, in milliseconds."},
}

// byDurationPrefix starts a share.auto.offset.reset that names a duration
// (KIP-1106): start from the first record no older than it.
const byDurationPrefix = "by_duration:"

// checkShareAutoOffsetReset is ShareGroupAutoOffsetResetStrategy's
// validator: latest, earliest, or by_duration: and a duration that is not
// negative. The messages follow Kafka's, since kafka-configs.sh prints
// them to the operator as they come.
func checkShareAutoOffsetReset(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch rest, isDuration := strings.CutPrefix(v, byDurationPrefix); {
	case v == "latest" || v == "earliest":
		return v, nil
	case !isDuration:
		return "", errors.New("The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'.")
	default:
		d, err := parseISODuration(rest)
		if err != nil {
			return "", fmt.Errorf("Invalid duration %s for share.auto.offset.reset: %v", rest, err)
		}
		if d < 0 {
			return "", fmt.Errorf("Invalid duration %s for share.auto.offset.reset: it must not be negative", rest)
		}
		return v, nil
	}
}

// parseISODuration reads an ISO-8601 duration as Java's Duration.parse
// does: an optional sign, P, days, then T and hours, minutes and
// (fractional) seconds, each part signed and optional, letters in either
// case: P1D, PT1H30M, PT0.5S, -PT10M. It is written out here because
// Go's time.ParseDuration reads "1h30m", not ISO-8601, and a value Kafka
// accepts must be accepted here too: operators copy configs between
// brokers. As in Java, a day is exactly 24 hours, and only seconds may
// have a fraction.
func parseISODuration(s string) (time.Duration, error) {
	bad := errors.New("not an ISO-8601 duration such as PT1H or P1DT12H")
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, s = s[0] == '-', s[1:]
	}
	if len(s) < 2 || (s[0] != 'P' && s[0] != 'p') {
		return 0, bad
	}
	s = s[1:]
	var total float64
	units := map[byte]float64{'D': 24 * 3600, 'H': 3600, 'M': 60, 'S': 1}
	inTime, parts := false, 0
	for len(s) > 0 {
		if s[0] == 'T' || s[0] == 't' {
			if inTime || len(s) == 1 {
				return 0, bad
			}
			inTime, s = true, s[1:]
			continue
		}
		i := 0
		for i < len(s) && (s[i] == '-' || s[i] == '+' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9')) {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, bad
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		unit := s[i] &^ 0x20 // upper case
		if err != nil || (unit == 'D') == inTime || units[unit] == 0 || (unit != 'S' && n != float64(int64(n))) {
			return 0, bad
		}
		total += n * units[unit]
		parts++
		s = s[i+1:]
	}
	// A duration past time.Duration's range is refused rather than
	// wrapped around, which would turn a long duration into a negative one.
	if parts == 0 || total > float64(math.MaxInt64)/float64(time.Second) || total < -float64(math.MaxInt64)/float64(time.Second) {
		return 0, bad
	}
	d := time.Duration(total * float64(time.Second))
	if neg {
		d = -d
	}
	return d, nil
}

// groupBound is one broker bound on a group config, and the broker config
// that sets it, which the refusal names as Kafka's does.
type groupBound struct {
	config   string
	min, max int64
	minName  string
	maxName  string
}

// groupBounds are the broker's bounds on the group configs. The share
// group bounds are Kafka's defaults: this broker has no flags for them.
// They are widened to take in the broker's own setting, so that a broker
// started with, say, a 5 s lock duration does not refuse a group that
// asks for the value the broker itself uses.
func (b *Broker) groupBounds() []groupBound {
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	return []groupBound{
		{consumerHeartbeatIntervalConfig, ms(b.cfg.ConsumerMinHeartbeatInterval), ms(b.cfg.ConsumerMaxHeartbeatInterval),
			"group.consumer.min.heartbeat.interval.ms", "group.consumer.max.heartbeat.interval.ms"},
		{consumerSessionTimeoutConfig, ms(b.cfg.ConsumerMinSessionTimeout), ms(b.cfg.ConsumerMaxSessionTimeout),
			"group.consumer.min.session.timeout.ms", "group.consumer.max.session.timeout.ms"},
		{shareHeartbeatIntervalConfig, min(5000, ms(b.cfg.ShareHeartbeatInterval)), max(15000, ms(b.cfg.ShareHeartbeatInterval)),
			"group.share.min.heartbeat.interval.ms", "group.share.max.heartbeat.interval.ms"},
		{shareSessionTimeoutConfig, min(45000, ms(b.cfg.ShareSessionTimeout)), max(60000, ms(b.cfg.ShareSessionTimeout)),
			"group.share.min.session.timeout.ms", "group.share.max.session.timeout.ms"},
		{shareRecordLockDurationConfig, ms(b.cfg.ShareMinRecordLockDuration), ms(b.cfg.ShareMaxRecordLockDuration),
			"group.share.min.record.lock.duration.ms", "group.share.max.record.lock.duration.ms"},
	}
}

// groupDefault is a group config's value when the group has not set it:
// the broker's, for the ones the broker's Config sets. DescribeConfigs
// reports that value, so what an operator reads is what the group uses.
func (b *Broker) groupDefault(name string) string {
	switch name {
	case consumerSessionTimeoutConfig:
		return strconv.FormatInt(b.cfg.ConsumerSessionTimeout.Milliseconds(), 10)
	case consumerHeartbeatIntervalConfig:
		return strconv.FormatInt(b.cfg.ConsumerHeartbeatInterval.Milliseconds(), 10)
	case shareSessionTimeoutConfig:
		return strconv.FormatInt(b.cfg.ShareSessionTimeout.Milliseconds(), 10)
	case shareHeartbeatIntervalConfig:
		return strconv.FormatInt(b.cfg.ShareHeartbeatInterval.Milliseconds(), 10)
	case shareRecordLockDurationConfig:
		return strconv.FormatInt(b.cfg.ShareRecordLockDuration.Milliseconds(), 10)
	}
	return lookupConfig(groupConfigDefs, name).def
}

// groupValue is a group config's value in c, set or the default.
func (b *Broker) groupValue(c map[string]string, name string) string {
	if v, ok := c[name]; ok {
		return v
	}
	return b.groupDefault(name)
}

// validateGroupConfig is GroupConfig.validateValues on a group's configs
// after a change: each within the broker's bounds, then each session
// timeout above its heartbeat interval.
func (b *Broker) validateGroupConfig(c map[string]string) *configError {
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(b.groupValue(c, name), 10, 64)
		return n
	}
	for _, bd := range b.groupBounds() {
		switch v := num(bd.config); {
		case v < bd.min:
			return invalidConfig("%s must be greater than or equal to %s", bd.config, bd.minName)
		case v > bd.max:
			return invalidConfig("%s must be less than or equal to %s", bd.config, bd.maxName)
		}
	}
	// A member told to heartbeat less often than its session lasts would
	// be removed between two heartbeats, however healthy.
	for _, pair := range [][2]string{
		{consumerSessionTimeoutConfig, consumerHeartbeatIntervalConfig},
		{shareSessionTimeoutConfig, shareHeartbeatIntervalConfig},
	} {
		if num(pair[0]) <= num(pair[1]) {
			return invalidConfig("%s must be greater than %s", pair[0], pair[1])
		}
	}
	return nil
}

// groupConfigEntries describes every config of a group with configs c, as
// ConfigHelper.createGroupConfigEntry does: the source is GROUP_CONFIG when
// the group set it and DEFAULT_CONFIG otherwise, and the one synonym is
// the entry itself at that source (Kafka names no broker synonym).
func (b *Broker) groupConfigEntries(c map[string]string) []configEntry {
	entries := make([]configEntry, 0, len(groupConfigDefs))
	for _, def := range groupConfigDefs {
		e := configEntry{name: def.name, value: b.groupValue(c, def.name), source: sourceDefault, typ: def.typ, doc: def.doc}
		if _, ok := c[def.name]; ok {
			e.source = sourceGroup
		}
		e.synonyms = []configSynonym{{e.name, e.value, e.source}}
		entries = append(entries, e)
	}
	return entries
}

// configStore holds configs set by the config APIs on resources that
// live apart from the topics, each resource's by its name, and the file
// they are kept in: the configs every group has set (group-configs.json),
// the broker's dynamic configs (broker-configs.json, brokerconfigs.go),
// and the client metrics subscriptions (client-metrics.json,
// clientmetrics.go).
// Only what was set is stored, never the defaults, so that a change of a
// default reaches every resource that did not choose otherwise.
type configStore struct {
	path string
	// what names what the file holds, for errors and log lines.
	what string
	// mu guards byID and orders writes of the file: two alterations at
	// once must not both write, each from the state before the other.
	mu sync.Mutex
	// byID's maps are never changed in place (alterations replace them),
	// so get can hand one out and the caller read it without the lock.
	byID map[string]map[string]string
	// onChange, if set, is told every state of byID that alter writes,
	// under mu, so that what it applies is never older than the file:
	// two alterations at once apply in the order they were written.
	onChange func(byID map[string]map[string]string)
}

// openGroupConfigs reads group-configs.json, checking every value again,
// so that a hand-edited file cannot give a group a value the APIs would
// refuse.
func openGroupConfigs(dataDir string) (*configStore, error) {
	return openConfigStore(filepath.Join(dataDir, groupConfigFile), "group configs", func(id, name, v string) *configError {
		if _, err := checkConfig(groupConfigDefs, "group", name, v); err != nil {
			return &configError{err.code, fmt.Sprintf("group %q: %s", id, err.msg)}
		}
		return nil
	})
}

// openConfigStore reads a store's file, which holds what; check refuses
// a value the APIs would not have stored. A missing file is a broker on
// which nothing was ever set. A file that does not parse, strictly
// (decodeStoredJSON: a resource's name with a byte that is not UTF-8
// would otherwise be read as another name, its configs on nothing), or
// holds a value check refuses, stops the start: it cannot be torn by a crash
// (writeFileAtomic), so it was edited or damaged, and starting without it
// would silently put every resource back on the defaults, lock durations,
// session timeouts and retention included.
func openConfigStore(path, what string, check func(id, name, value string) *configError) (*configStore, error) {
	s := &configStore{path: path, what: what, byID: map[string]map[string]string{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, storeUnreadable(s.path, what, err)
	}
	if err := decodeStoredJSON(b, &s.byID); err != nil {
		return nil, storeUnreadable(s.path, what, err)
	}
	for id, c := range s.byID {
		for name, v := range c {
			if err := check(id, name, v); err != nil {
				return nil, storeUnreadable(s.path, what, errors.New(err.msg))
			}
		}
	}
	return s, nil
}

// get returns what resource id has set; the map must not be changed.
func (s *configStore) get(id string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[id]
}

// ids is the names the store holds, sorted.
func (s *configStore) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.byID))
}

// alter replaces resource id's configs with what change makes of them,
// writing the file before the change is visible, unless validateOnly.
func (s *configStore) alter(id string, validateOnly bool, change func(map[string]string) (map[string]string, *configError)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, cerr := change(s.byID[id])
	if cerr != nil {
		return cerr
	}
	if validateOnly {
		return nil
	}
	// A new top-level map too, so that readers holding the old one are
	// never raced, and a failed write leaves it exactly as it was.
	all := make(map[string]map[string]string, len(s.byID)+1)
	for k, v := range s.byID {
		all[k] = v
	}
	if len(next) == 0 {
		delete(all, id)
	} else {
		all[id] = next
	}
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, b); err != nil {
		return err
	}
	s.byID = all
	if s.onChange != nil {
		s.onChange(all)
	}
	return nil
}

// consumerTimeouts are a consumer group's session timeout and heartbeat
// interval: its own (KIP-848's group configs), or the broker's.
func (c *coordinator) consumerTimeouts(group string) (session, heartbeat time.Duration) {
	var cfg map[string]string
	if c.groupConfigs != nil {
		cfg = c.groupConfigs.get(group)
	}
	return groupMillis(cfg, consumerSessionTimeoutConfig, c.cfg.ConsumerSessionTimeout),
		groupMillis(cfg, consumerHeartbeatIntervalConfig, c.cfg.ConsumerHeartbeatInterval)
}

// groupMillis is config name of a group's configs c, a number of
// milliseconds, or def when the group has not set it.
func groupMillis(c map[string]string, name string, def time.Duration) time.Duration {
	if v, err := strconv.Atoi(c[name]); err == nil {
		return time.Duration(v) * time.Millisecond
	}
	return def
}

// alterGroupConfigs is alterConfigs for a GROUP resource. A config error
// is the client's (INVALID_CONFIG or INVALID_REQUEST, with Kafka's
// message); any other is the broker's disk, UNKNOWN_SERVER_ERROR, and the
// old configs stay in force.
func (b *Broker) alterGroupConfigs(id string, validateOnly bool, change func(map[string]string) (map[string]string, *configError)) (int16, *string) {
	if id == "" {
		return codeInvalidRequest, ptr("Group name must not be empty")
	}
	return b.alterAnswered(b.groupConfigs, id, id, validateOnly, func(cur map[string]string) (map[string]string, *configError) {
		next, err := change(cur)
		if err == nil {
			err = b.validateGroupConfig(next)
		}
		return next, err
	})
}

// alterAnswered is s.alter as the config APIs answer it: NONE, a
// refusal's code and message, or UNKNOWN_SERVER_ERROR for a file that
// could not be written. A change made, and a failed write, are logged
// with the resource's name; key is its key in s.
func (b *Broker) alterAnswered(s *configStore, name, key string, validateOnly bool, change func(map[string]string) (map[string]string, *configError)) (int16, *string) {
	err := s.alter(key, validateOnly, change)
	var cerr *configError
	switch {
	case err == nil:
		if !validateOnly {
			b.log.Info("altered "+s.what, "resource", name, "configs", s.get(key))
		}
		return codeNone, nil
	case errors.As(err, &cerr):
		return cerr.code, &cerr.msg
	default:
		b.log.Error("altering "+s.what, "resource", name, "err", err)
		return codeUnknownServerError, ptr(err.Error())
	}
}

// newGroupConfig checks the configs of an AlterConfigs GROUP entry, which
// replace all the group had. A name given twice is refused rather than
// letting the last win, since the client cannot have meant both; a null
// value is refused with Kafka's message, odd spacing and all: in this
// legacy API a config is removed by leaving it out, not by a null.
func newGroupConfig(names []string, values []*string) (map[string]string, *configError) {
	c := map[string]string{}
	for i, name := range names {
		if _, dup := c[name]; dup {
			return nil, &configError{codeInvalidRequest, fmt.Sprintf("config %s is given twice", name)}
		}
		if values[i] == nil {
			return nil, &configError{codeInvalidRequest, "Null value not supported for : " + name}
		}
		v, err := checkConfig(groupConfigDefs, "group", name, *values[i])
		if err != nil {
			return nil, err
		}
		c[name] = v
	}
	return c, nil
}
