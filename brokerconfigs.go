// This file holds dynamic broker configs (KIP-226): the broker-level
// defaults of topic configs, changed while the broker runs by
// IncrementalAlterConfigs or AlterConfigs on a BROKER resource, as
// kafka-configs.sh --entity-type brokers --entity-default (the resource
// named "", cluster-wide) or --entity-name 0 (this broker's id) changes them,
// and as kafka-ui, AKHQ and Redpanda Console edit them. It uses the config
// machinery of topicconfigs.go and the configStore of groupconfigs.go.
//
// Place in the book: Part IV, after settings.go, whose static settings
// these override; it assumes topicconfigs.go, whose synonyms and sources
// it adds two levels to.
//
// The common use is a cluster-wide default for every topic that did not
// choose otherwise: log.retention.ms=86400000 set on the default resource
// reaches every such topic at once, no restart and no topic touched. A
// topic config's value is then looked for at five levels, highest first,
// and DescribeConfigs lists them as synonyms in that order, as Kafka's
// ConfigHelper.configSynonyms does:
//
//	max.message.bytes  3000000  DYNAMIC_TOPIC_CONFIG           set on the topic
//	message.max.bytes  2000000  DYNAMIC_BROKER_CONFIG          set on broker 0
//	message.max.bytes  1500000  DYNAMIC_DEFAULT_BROKER_CONFIG  set on the default resource
//	message.max.bytes  1200000  STATIC_BROKER_CONFIG           server.properties, -c or a flag
//	message.max.bytes  1048588  DEFAULT_CONFIG                 Kafka's default
//
// The first level that has a value is the one in force; DELETE of a
// dynamic value uncovers the level below it. A few broker configs have no
// default of their own (log.retention.ms, log.roll.ms): under them the
// coarser config whose default applies is listed (log.retention.hours).
//
// Which configs are dynamic: the broker synonyms of the topic configs this
// broker applies (dynamicTopicConfigs), the part of Kafka's
// DynamicLogConfig.ReconfigurableConfigs that acts here, the SASL GSSAPI
// configs (kerberosConfigs), which a Kafka broker without a GSSAPI
// listener keeps and uses for nothing, as this one does, and the
// replication throttles (throttleConfigs), which a single-node Kafka
// keeps and uses for nothing too. Every other
// config Kafka's DynamicBrokerConfig.AllDynamicConfigs holds (thread
// pools, listeners, TLS, connection limits, the cleaner's threads and
// buffers, the topic synonyms that have no effect here) is refused with
// Kafka's message for a config it cannot update dynamically and the
// reason, never accepted and ignored.
//
// The rules, in the order they are checked, each Kafka's:
//
//   - The resource is named "" or by this broker's id
//     (ConfigAdminManager.validateResourceNameIsCurrentNodeId); the
//     per-broker values of another id are not this broker's to set.
//   - IncrementalAlterConfigs: APPEND and SUBTRACT only on a list config
//     (log.cleanup.policy), INVALID_CONFIG otherwise, starting from the
//     value at that level or Kafka's default
//     (ConfigAdminManager.prepareIncrementalConfigs); DELETE of a config
//     not set changes nothing.
//   - A config that is not dynamic here: INVALID_REQUEST, "Cannot update
//     these configs dynamically: Set(...)" (DynamicBrokerConfig.validateConfigs).
//   - A bad value: INVALID_REQUEST with ConfigDef's words. Kafka answers
//     INVALID_REQUEST where INVALID_CONFIG would be apter (KAFKA-13609),
//     and clients see what Kafka sends.
//   - AlterConfigs replaces every dynamic config of the resource, which
//     kafka-configs.sh relies on: it describes the resource's dynamic
//     configs, edits them and sends them all back.
//   - ValidateOnly runs every check and changes nothing.
//   - The refusals above are answered whatever the ACLs, as Kafka's
//     broker makes them before the controller asks the authorizer
//     (brokerChangeRefused); then altering takes ALTER_CONFIGS on the
//     cluster, and describing DESCRIBE_CONFIGS (authorize.go).
//
// Design note: the values live in broker-configs.json in the data dir,
// the resource name to its configs, replaced whole and atomically on
// every change (configStore, as group-configs.json), where Kafka keeps
// them in its metadata log. What was set is kept, never the defaults, so
// DELETE means "back to the level below". On every change, and at Open,
// the values in force are handed to the logDir as topic configs
// (logDir.SetBrokerDefaults), which every topicLog's Settings lays its
// own configs over; so retention, the cleaner, segment rolls and the
// produce path all read them at the moment they act.
//
// Where we differ from Kafka: a config name Kafka does not know is
// refused. Kafka keeps it as a custom config for plugins, which this
// broker has none of, so keeping it would only hide a typo. The static
// settings of these configs stay as settings.go has them: most are
// fixed at Kafka's default there.

package kafka

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// brokerConfigFile holds the dynamic broker configs.
const brokerConfigFile = "broker-configs.json"

// The two dynamic sources of DescribeConfigs' ConfigSource (KIP-226),
// beside those of topicconfigs.go.
const (
	sourceDynamicBroker        int8 = 2 // DYNAMIC_BROKER_CONFIG: set on this broker
	sourceDynamicDefaultBroker int8 = 3 // DYNAMIC_DEFAULT_BROKER_CONFIG: set cluster-wide
)

// dynamicTopicConfigs are the topic configs whose broker synonyms may be
// set dynamically here: those this broker applies (see topicconfigs.go's
// "Which configs act"). The others of Kafka's list have no effect here,
// and are refused at the broker level, where a value would reach every
// topic and could only mislead.
var dynamicTopicConfigs = []string{
	cleanupPolicyConfig, compressionGzipLevelConfig, compressionTypeConfig,
	deleteRetentionMsConfig, maxCompactionLagMsConfig, maxMessageBytesConfig,
	timestampAfterMaxMsConfig, timestampBeforeMaxMsConfig, timestampTypeConfig,
	minCleanableDirtyRatioConfig, minCompactionLagMsConfig, minInsyncReplicasConfig,
	retentionBytesConfig, retentionMsConfig, segmentBytesConfig,
	segmentJitterMsConfig, segmentMsConfig,
}

// kerberosNoEffect ends the documentation of the Kerberos configs.
const kerberosNoEffect = " Kept and reported; it acts on nothing here, as on a Kafka broker with no GSSAPI listener: this broker offers no GSSAPI."

// kerberosConfigs are the dynamic SASL/GSSAPI configs of Kafka's
// DynamicListenerConfig, with BrokerSecurityConfigs' types and defaults.
// A Kafka broker whose listeners do not enable GSSAPI stores them and
// uses them for nothing, which is what this broker, which never offers
// GSSAPI, does too; librdkafka's 0081_admin sets
// sasl.kerberos.min.time.before.relogin on a broker and expects success.
// They have no topic config (broker "").
var kerberosConfigs = []configDef{
	{"sasl.kerberos.kinit.cmd", "", configTypeString, "/usr/bin/kinit", checkAny, "Kerberos kinit command path." + kerberosNoEffect},
	{"sasl.kerberos.min.time.before.relogin", "", configTypeLong, "60000", checkLongAtLeast(math.MinInt64), "Login thread sleep time between refresh attempts." + kerberosNoEffect},
	{"sasl.kerberos.principal.to.local.rules", "", configTypeList, "DEFAULT", checkAny, "Rules mapping Kerberos principal names to short names." + kerberosNoEffect},
	{"sasl.kerberos.service.name", "", configTypeString, "", checkAny, "The Kerberos principal name that Kafka runs as." + kerberosNoEffect},
	{"sasl.kerberos.ticket.renew.jitter", "", configTypeDouble, "0.05", checkDouble, "Percentage of random jitter added to the renewal time." + kerberosNoEffect},
	{"sasl.kerberos.ticket.renew.window.factor", "", configTypeDouble, "0.8", checkDouble, "Fraction of the ticket's lifetime after which the login thread renews it." + kerberosNoEffect},
}

// throttleNoEffect ends the documentation of the replication throttles.
const throttleNoEffect = " Kept and reported; it acts on nothing here, as on a single-node Kafka: there is no follower to replicate to and one log dir."

// throttleConfigs are the replication throttles of Kafka's QuotaConfig,
// dynamic in its DynamicConfig.Broker, which kafka-reassign-partitions.sh
// --execute --throttle sets on every broker of a move and --verify
// deletes. A single-node Kafka stores them and throttles nothing with
// them, having no follower to replicate to, and so does this broker: to
// refuse them would fail the tool where Kafka lets it through. They have
// no topic config (broker "").
var throttleConfigs = []configDef{
	{"follower.replication.throttled.rate", "", configTypeLong, "9223372036854775807", checkLongAtLeast(0), "The upper bound, in bytes per second, on the replication traffic of the follower replicas listed in each topic's follower.replication.throttled.replicas." + throttleNoEffect},
	{"leader.replication.throttled.rate", "", configTypeLong, "9223372036854775807", checkLongAtLeast(0), "The upper bound, in bytes per second, on the replication traffic of the leader replicas listed in each topic's leader.replication.throttled.replicas." + throttleNoEffect},
	{"replica.alter.log.dirs.io.max.bytes.per.second", "", configTypeLong, "9223372036854775807", checkLongAtLeast(0), "The upper bound, in bytes per second, on the disk traffic of moving replicas between log dirs." + throttleNoEffect},
}

// inertBrokerConfigs are the dynamic broker configs kept and reported
// that act on nothing here: the Kerberos configs and the throttles.
var inertBrokerConfigs = slices.Concat(kerberosConfigs, throttleConfigs)

// checkAny is a STRING or LIST config without a validator: any value.
func checkAny(v string) (string, error) { return strings.TrimSpace(v), nil }

// checkDouble is a DOUBLE config without a validator.
func checkDouble(v string) (string, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return "", errors.New("not a number of type double")
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}

// brokerConfigDefs are the dynamic broker configs, one row per config of
// dynamicTopicConfigs under its broker name, and the inert ones
// (inertBrokerConfigs), sorted by name: what the config APIs check a
// broker resource's values against. The checks are the topic config's, but for log.segment.bytes,
// whose broker-level lower bound Kafka 4.0 raised to 1 MiB
// (ServerLogConfigs, KIP-1030).
var brokerConfigDefs = func() []configDef {
	defs := slices.Clone(inertBrokerConfigs)
	for _, name := range dynamicTopicConfigs {
		d := *lookupTopicConfig(name)
		d.name, d.broker = d.broker, name // the row of the broker config; broker names its topic config
		if name == segmentBytesConfig {
			d.check = checkIntIn(minLogSegmentBytes, 1<<31-1)
		}
		defs = append(defs, d)
	}
	slices.SortFunc(defs, func(a, b configDef) int { return strings.Compare(a.name, b.name) })
	return defs
}()

// lookupBrokerConfig finds the row of a dynamic broker config, nil if the
// name is not one.
func lookupBrokerConfig(name string) *configDef { return lookupConfig(brokerConfigDefs, name) }

// notDynamicHere are the configs, or prefixes of configs ending in ".",
// that Kafka updates dynamically and this broker does not, with why.
// Those not listed, and not topic synonyms, are not dynamic in Kafka
// either.
var notDynamicHere = []struct{ key, why string }{
	{"advertised.listeners", "listeners are opened at start"},
	{"background.threads", "no thread pools to size"},
	{"listener.name.", "listeners are opened at start"},
	{"listener.security.protocol.map", "listeners are opened at start"},
	{"listeners", "listeners are opened at start"},
	{"log.cleaner.", "the log cleaner takes its settings at start"},
	{"max.connection.creation.rate", "no connection limits"},
	{"max.connections", "connections are bounded by the open file limit alone"},
	{"max.connections.per.ip", "no connection limits"},
	{"max.connections.per.ip.overrides", "no connection limits"},
	{"metric.reporters", "no metrics reporters (JMX)"},
	{"num.io.threads", "no thread pools to size"},
	{"num.network.threads", "no thread pools to size"},
	{"num.recovery.threads.per.data.dir", "no thread pools to size"},
	{"num.replica.fetchers", "no replicas"},
	{"principal.builder.class", "the principal builder is Kafka's default"},
	{"producer.id.expiration.ms", "producer expiry takes its setting at start"},
	{"remote.log.", "no tiered storage"},
	{"sasl.", "SASL is set up at start"},
	{"ssl.", "TLS is set up at start"},
	{"transaction.partition.verification.enable", "transactions are always verified"},
}

// notDynamicWhy is why name cannot be updated dynamically here, "" when
// Kafka could not either.
func notDynamicWhy(name string) string {
	for i := range topicConfigDefs {
		if topicConfigDefs[i].broker == name {
			return "set " + topicConfigDefs[i].name + " per topic; at the broker it has no effect here"
		}
	}
	for _, s := range notDynamicHere {
		if name == s.key || strings.HasSuffix(s.key, ".") && strings.HasPrefix(name, s.key) {
			return s.why
		}
	}
	return ""
}

// refuseNotDynamic refuses the names that are not dynamic broker configs
// here, all in one message as DynamicBrokerConfig.validateConfigs names
// them (a Scala Set), then why, for those Kafka could update.
func refuseNotDynamic(names []string) *configError {
	var refused, whys []string
	for _, name := range names {
		if lookupBrokerConfig(name) != nil {
			continue
		}
		refused = append(refused, name)
		if why := notDynamicWhy(name); why != "" {
			whys = append(whys, name+": "+why)
		} else if lookupBrokerSetting(name) == nil && ignoredSetting(name) == "" {
			if _, _, _, _, fixed := fixedSetting(name); !fixed {
				whys = append(whys, name+": not a broker config")
			}
		}
	}
	if len(refused) == 0 {
		return nil
	}
	msg := "Cannot update these configs dynamically: Set(" + strings.Join(refused, ", ") + ")"
	if len(whys) > 0 {
		msg += " (" + strings.Join(whys, "; ") + ")"
	}
	return &configError{codeInvalidRequest, msg}
}

// asInvalidRequest is a refused value as ConfigAdminManager answers it
// for a broker resource: INVALID_REQUEST with ConfigDef's message
// (KAFKA-13609).
func asInvalidRequest(err *configError) *configError {
	if err != nil && err.code == codeInvalidConfig {
		return &configError{codeInvalidRequest, err.msg}
	}
	return err
}

// setBrokerConfigs is AlterConfigs' change to a broker resource: the
// configs named, and no other, as DynamicBrokerConfig's legacy path
// replaces a resource's dynamic configs whole.
func setBrokerConfigs(names []string, values []*string) func(map[string]string) (map[string]string, *configError) {
	return func(map[string]string) (map[string]string, *configError) {
		if err := refuseNotDynamic(names); err != nil {
			return nil, err
		}
		next := make(map[string]string, len(names))
		for i, name := range names {
			v, err := checkConfig(brokerConfigDefs, "broker", name, *values[i])
			if err != nil {
				return nil, asInvalidRequest(err)
			}
			next[name] = v
		}
		return next, nil
	}
}

// applyBrokerConfigOps is IncrementalAlterConfigs' change to a broker
// resource, checked in ConfigAdminManager's order: the operation types,
// APPEND and SUBTRACT on a list, then the names and values of the result.
func applyBrokerConfigOps(ops []configOp) func(map[string]string) (map[string]string, *configError) {
	return func(cur map[string]string) (map[string]string, *configError) {
		var set []string
		for _, o := range ops {
			if _, known := opNames[o.op]; !known {
				return nil, &configError{codeInvalidRequest, fmt.Sprintf("Unknown operations type %d", o.op)}
			}
			if def := lookupBrokerConfig(o.name); def != nil && def.typ != configTypeList && (o.op == opAppend || o.op == opSubtract) {
				return nil, invalidConfig("Config value %s is not allowed for config key: %s", strings.ToLower(opNames[o.op]), o.name)
			}
			if o.op != opDelete {
				set = append(set, o.name)
			}
		}
		if err := refuseNotDynamic(set); err != nil {
			return nil, err
		}
		next, err := applyOps(brokerConfigDefs, "broker", cur, ops, func(name string) string { return lookupBrokerConfig(name).def })
		return next, asInvalidRequest(err)
	}
}

// openBrokerConfigs reads broker-configs.json, each value checked again as
// the APIs check it, and hands the values in force for node to logs; from
// then on every change is handed on as it is written.
func openBrokerConfigs(dataDir string, node int32, logs *logDir) (*configStore, error) {
	s, err := openConfigStore(filepath.Join(dataDir, brokerConfigFile), "dynamic broker configs", func(id, name, value string) *configError {
		if _, err := strconv.ParseInt(id, 10, 32); err != nil && id != "" {
			return invalidConfig("resource %q is not a broker id", id)
		}
		if err := refuseNotDynamic([]string{name}); err != nil {
			return err
		}
		_, err := checkConfig(brokerConfigDefs, "broker", name, value)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.onChange = func(byID map[string]map[string]string) { logs.SetBrokerDefaults(brokerTopicDefaults(byID, node)) }
	s.onChange(s.byID)
	return s, nil
}

// brokerTopicDefaults are the dynamic values in force on broker node, by
// their topic config names: the cluster-wide ones, with node's own over
// them. Per-broker values of other ids are kept, as Kafka keeps them for
// their brokers, and not applied.
func brokerTopicDefaults(byID map[string]map[string]string, node int32) topicConfig {
	c := topicConfig{}
	for _, id := range []string{"", strconv.Itoa(int(node))} {
		for name, v := range byID[id] {
			if topic := lookupBrokerConfig(name).broker; topic != "" {
				c[topic] = v
			}
		}
	}
	return c
}

// brokerConfigKey is the key of a broker resource in broker-configs.json:
// "" or this broker's id written plainly, so that "01" and "1", which
// Kafka's Integer.parseInt both reads as 1, are one resource.
func (b *Broker) brokerConfigKey(name string) string {
	if name == "" {
		return ""
	}
	return strconv.Itoa(int(b.cfg.NodeID))
}

// alterBrokerConfigs changes the dynamic configs of broker resource name,
// change saying how, and returns the error code and message. A change
// that passes takes effect before the answer is sent.
func (b *Broker) alterBrokerConfigs(name string, validateOnly bool, change func(map[string]string) (map[string]string, *configError)) (int16, *string) {
	if msg := b.brokerNameRefusal(name); msg != "" {
		return codeInvalidRequest, &msg
	}
	return b.alterAnswered(b.brokerConfigs, name, b.brokerConfigKey(name), validateOnly, change)
}

// brokerChangeRefused reports a change to broker resource name that its
// checks refuse, which Kafka's ConfigAdminManager.preprocess does on the
// broker (validateBrokerConfigChange) before the authorizer is asked: so
// the refusal is answered whatever the ACLs, as in Kafka. The change is
// tried on the current configs and nothing is written.
func (b *Broker) brokerChangeRefused(typ int8, name string, change func(map[string]string) (map[string]string, *configError)) bool {
	if typ != resourceBroker || b.brokerNameRefusal(name) != "" {
		return false
	}
	_, err := change(b.brokerConfigs.get(b.brokerConfigKey(name)))
	return err != nil
}

// dynamicSynonyms are broker config name's dynamic levels that have a
// value, highest first: this broker's, then the cluster-wide default.
func (b *Broker) dynamicSynonyms(name string) []configSynonym {
	var syns []configSynonym
	if v, ok := b.brokerConfigs.get(strconv.Itoa(int(b.cfg.NodeID)))[name]; ok {
		syns = append(syns, configSynonym{name, v, sourceDynamicBroker})
	}
	if v, ok := b.brokerConfigs.get("")[name]; ok {
		syns = append(syns, configSynonym{name, v, sourceDynamicDefaultBroker})
	}
	return syns
}

// withDynamic lays the dynamic levels of a broker config over e, the
// broker config's entry as settings.go makes it from the static levels:
// the config is read-write, its value and source are the highest
// level's, and under a static value Kafka's default is listed too, as
// ConfigHelper.configSynonyms lists every level that has a value.
func (b *Broker) withDynamic(e *configEntry) {
	def := lookupBrokerConfig(e.name)
	if def == nil {
		return
	}
	e.readOnly = false
	if len(e.synonyms) == 1 && e.synonyms[0].source == sourceStaticBroker {
		e.synonyms = append(e.synonyms, configSynonym{e.name, def.def, sourceDefault})
	}
	dyn := b.dynamicSynonyms(e.name)
	if len(dyn) == 0 {
		return
	}
	e.value, e.source, e.null = dyn[0].value, dyn[0].source, false
	e.synonyms = append(dyn, e.synonyms...)
}

// defaultBrokerEntries describes the default broker resource, named "":
// the configs set on it and nothing else, each with itself as its one
// synonym, as ConfigHelper describes it. kafka-configs.sh --describe
// --entity-default and its --alter read this.
func (b *Broker) defaultBrokerEntries() []configEntry {
	set := b.brokerConfigs.get("")
	var entries []configEntry
	for i := range brokerConfigDefs {
		def := &brokerConfigDefs[i]
		if v, ok := set[def.name]; ok {
			entries = append(entries, configEntry{name: def.name, value: v, source: sourceDynamicDefaultBroker, typ: def.typ, doc: def.doc,
				synonyms: []configSynonym{{def.name, v, sourceDynamicDefaultBroker}}})
		}
	}
	return entries
}

// brokerLevelValue is the value a topic that did not set topic config def
// has: the dynamic value in force, else the static one. It reads the
// logDir's copy, which the store hands on under its lock, so that callers
// under the logDir's lock (IncrementalAlterConfigs' APPEND) never take the
// store's.
func (b *Broker) brokerLevelValue(def *configDef) string {
	if d := b.logs.brokerDefaults.Load(); d != nil {
		if v, ok := (*d)[def.name]; ok {
			return v
		}
	}
	s, _ := b.brokerDefault(def)
	return s.value
}
