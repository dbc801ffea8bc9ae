// This file holds the three APIs that change topics, CreateTopics,
// DeleteTopics and CreatePartitions, in the same form as handlers.go. Each
// checks a request as Kafka 4.0's controller does (ControllerApis and
// ReplicationControlManager), with Kafka's error codes and Kafka's words,
// and hands what passes to the data dir (topics.go), which makes the
// change crash-atomic.
//
// Place in the book: Part I, after handlers.go, whose form it follows; it
// assumes topics.go, which makes and deletes the partition directories.
//
// The words matter as much as the codes. Admin tools show the message as
// it comes: kafka-topics.sh prints it after "Error while executing topic
// command", and the web UIs put it in a banner. A user who pastes it into
// a search should find Kafka's documentation and Kafka's issues.
//
// The checks of CreateTopics, in the order Kafka makes them, so that a
// request wrong in two ways gets the error Kafka would give:
//
//	check                                   code                        Kafka's words, shortened
//	the name appears twice in the request   INVALID_REQUEST             Duplicate topic name.
//	the name is __cluster_metadata          INVALID_REQUEST             Creation of internal topic ... is prohibited.
//	Topic.validate                          INVALID_TOPIC_EXCEPTION     Topic name is invalid: <reason>
//	'.' and '_' collide with a topic        INVALID_TOPIC_EXCEPTION     Topic 'a.b' collides with existing topic: a_b
//	the topic exists                        TOPIC_ALREADY_EXISTS        Topic 't' already exists.
//	a config value is null                  INVALID_CONFIG              Null value not supported for topic configs: ...
//	a config name or value                  INVALID_CONFIG              Unknown topic config name / Invalid value ...
//	assignment with counts not -1           INVALID_REQUEST             A manual partition assignment was specified, ...
//	assignment repeats or skips a partition INVALID_REPLICA_ASSIGNMENT  Found multiple ... / partitions should be ...
//	a replica list empty, repeated, foreign INVALID_REPLICA_ASSIGNMENT  The manual partition assignment includes ...
//	replication factor 0 or below -1        INVALID_REPLICATION_FACTOR  Replication factor must be larger than 0, ...
//	partition count 0 or below -1           INVALID_PARTITIONS          Number of partitions was set to ...
//	replication factor above 1              INVALID_REPLICATION_FACTOR  Unable to replicate the partition 3 time(s): ...
//
// DeleteTopics refuses an entry before it looks for the topic: one that
// gives a name and an id (INVALID_REQUEST), one that gives neither, and
// a name or id given twice, which is answered once and deleted under
// neither entry. A name that maps to an id also given is INVALID_REQUEST
// and neither is deleted. An unknown name is UNKNOWN_TOPIC_OR_PARTITION
// and an unknown id UNKNOWN_TOPIC_ID, each with the error's own message.
//
// CreatePartitions refuses a name given twice, then an unknown topic, a
// count equal to the current one ("Topic already has 2 partition(s).")
// or below it, an assignment whose length is not the number of new
// partitions, and a replica list CreateTopics would refuse.
//
// Design note: a name given twice is answered once, after the other
// topics, not once per copy. That is how Kafka answers, and the Admin
// client, which keys its futures by topic name, expects one result per
// name; two results for one name would complete one future twice.
//
// Design note: ValidateOnly runs every check, the collision with an
// existing topic included, and makes nothing. Its answer has a topic id
// drawn for it and then forgotten, as Kafka's has. A topic that another
// client makes between the check and the creation is still refused: the
// data dir checks again under its lock (logDir.newTopicGrowth).
//
// Where we differ from Kafka: there is one broker, so a replication
// factor above 1 is refused and a replica list may name only this
// broker; a topic has at most maxPartitionsPerTopic partitions. Two
// topics of one request that collide with each other ("a.b" and "a_b")
// are refused here, the second of them, where Kafka checks only against
// the topics that exist and makes both. __consumer_offsets
// cannot be deleted: the group coordinator holds its log open. A write of
// the data dir that fails (a full disk) makes nothing and answers
// KAFKA_STORAGE_ERROR at once, where Kafka's controller records the topic
// and its broker then fails the log dir, leaving the partitions offline.

package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// CreateTopics: v2-7 (CreateTopicsRequest.json, CreateTopicsResponse.json)
//
//	v2: ThrottleTimeMs; our minimum, as in Kafka 4.0 (KIP-896)
//	v4: NumPartitions and ReplicationFactor may be -1 for the broker default (KIP-464)
//	v5: flexible; the response echoes the partitions, replication factor and configs (KIP-525)
//	v6: no change (quota errors, KIP-599)
//	v7: TopicId in the response (KIP-516)
//
// Topic configs are checked and kept with the topic (topicconfigs.go): a name
// this broker does not have, or a bad value, is INVALID_CONFIG, and
// nothing is created. From v5 the response lists every config of the new
// topic with its value and source, as DescribeConfigs would.
//
// Where we differ from Kafka: there is one broker, so a replication factor
// other than 1 (or -1, the default) is refused, and an explicit assignment
// may name only this broker. A topic has at most maxPartitionsPerTopic
// partitions.
type createTopicsRequest struct {
	Topics []creatableTopic
	// TimeoutMs is how long Kafka's controller may take to make the
	// topics before it answers REQUEST_TIMED_OUT. Here a topic is made
	// before the answer is sent, so there is nothing to wait for.
	TimeoutMs int32
	// ValidateOnly makes every check and answers as a creation would,
	// configs included, without making anything.
	ValidateOnly bool
}

type creatableTopic struct {
	Name string
	// NumPartitions and ReplicationFactor are -1 for the broker's
	// default (v4+), and must be -1 when Assignments is given.
	NumPartitions     int32
	ReplicationFactor int16
	// Assignments, when not empty, gives each partition its replicas:
	// kafka-topics.sh --replica-assignment sends it.
	Assignments []creatableReplicaAssignment
	Configs     []creatableTopicConfig
}

type creatableReplicaAssignment struct {
	PartitionIndex int32
	BrokerIDs      []int32
}

type creatableTopicConfig struct {
	Name  string
	Value *string
}

func (m *createTopicsRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t creatableTopic) {
		t.Name = r.String()
		t.NumPartitions = r.Int32()
		t.ReplicationFactor = r.Int16()
		t.Assignments = readArray(r, func(r *reader) (a creatableReplicaAssignment) {
			a.PartitionIndex = r.Int32()
			a.BrokerIDs = r.Int32s()
			r.SkipTags()
			return a
		})
		t.Configs = readArray(r, func(r *reader) (c creatableTopicConfig) {
			c.Name = r.String()
			c.Value = r.NullableString()
			r.SkipTags()
			return c
		})
		r.SkipTags()
		return t
	})
	m.TimeoutMs = r.Int32()
	m.ValidateOnly = r.Bool()
	r.SkipTags()
}

type createTopicsResponse struct {
	ThrottleTimeMs int32
	Topics         []creatableTopicResult
}

type creatableTopicResult struct {
	Name         string
	TopicID      uuid
	ErrorCode    int16
	ErrorMessage *string
	// TopicConfigErrorCode (a tagged field, v5+) says why the configs,
	// partition count and replication factor are left out of a topic
	// that was made: TOPIC_AUTHORIZATION_FAILED without DESCRIBE_CONFIGS
	// (authorize.go).
	TopicConfigErrorCode int16
	// NumPartitions and ReplicationFactor are -1, and Configs empty,
	// for a topic that was not made.
	NumPartitions     int32
	ReplicationFactor int16
	Configs           []creatableTopicConfigs
}

type creatableTopicConfigs struct {
	Name         string
	Value        *string
	ReadOnly     bool
	ConfigSource int8
	IsSensitive  bool
}

func (m *createTopicsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t creatableTopicResult) {
		w.String(t.Name)
		if v >= 7 {
			w.UUID(t.TopicID)
		}
		w.Int16(t.ErrorCode)
		w.NullableString(t.ErrorMessage)
		if v >= 5 {
			w.Int32(t.NumPartitions)
			w.Int16(t.ReplicationFactor)
			writeArray(w, t.Configs, func(w *writer, c creatableTopicConfigs) {
				w.String(c.Name)
				w.NullableString(c.Value)
				w.Bool(c.ReadOnly)
				w.Int8(c.ConfigSource)
				w.Bool(c.IsSensitive)
				w.Tags()
			})
		}
		if t.TopicConfigErrorCode != 0 {
			w.Tags(tag{0, func(w *writer) { w.Int16(t.TopicConfigErrorCode) }})
		} else {
			w.Tags()
		}
	})
	w.Tags()
}

func (b *Broker) handleCreateTopics(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*createTopicsRequest)
	resp := &createTopicsResponse{Topics: make([]creatableTopicResult, 0, len(req.Topics))}
	// A name given twice is answered once, after the others, as
	// Kafka's ControllerApis.createTopics answers it, and neither copy
	// is made.
	count := make(map[string]int, len(req.Topics))
	var duplicates []string
	for _, t := range req.Topics {
		if count[t.Name]++; count[t.Name] == 2 {
			duplicates = append(duplicates, t.Name)
		}
	}
	// The topics that pass the checks are made together, which costs
	// far fewer fsyncs than one at a time (logDir.grow).
	var specs []newTopic
	var of []int // of[j] is the index in resp.Topics of specs[j]
	for _, t := range req.Topics {
		if count[t.Name] > 1 || t.Name == clusterMetadataTopic {
			continue
		}
		res := creatableTopicResult{Name: t.Name, NumPartitions: -1, ReplicationFactor: -1}
		var spec *newTopic
		spec, res.ErrorCode, res.ErrorMessage = b.checkNewTopic(t, &res)
		switch {
		case spec != nil && req.ValidateOnly:
			// ReplicationControlManager.createTopic draws the id before
			// createTopics drops a validate-only request's records, so
			// Kafka answers an id it then forgets. Should the draw fail,
			// the answer keeps the zero id, which clients take as none.
			res.TopicID, _ = newTopicID()
		case spec != nil:
			specs, of = append(specs, *spec), append(of, len(resp.Topics))
		}
		resp.Topics = append(resp.Topics, res)
	}
	for _, name := range duplicates {
		resp.Topics = append(resp.Topics, creatableTopicResult{Name: name, ErrorCode: codeInvalidRequest,
			ErrorMessage: ptr("Duplicate topic name."), NumPartitions: -1, ReplicationFactor: -1})
	}
	// KRaft's own log is refused last, as ControllerApis.createTopics
	// adds its refusal after the controller's answers and the duplicates.
	if count[clusterMetadataTopic] == 1 {
		resp.Topics = append(resp.Topics, creatableTopicResult{Name: clusterMetadataTopic, ErrorCode: codeInvalidRequest,
			ErrorMessage: ptr("Creation of internal topic " + clusterMetadataTopic + " is prohibited."), NumPartitions: -1, ReplicationFactor: -1})
	}
	created, errs := b.logs.CreateTopics(specs)
	for j, spec := range specs {
		res := &resp.Topics[of[j]]
		res.ErrorCode, res.ErrorMessage = b.createdTopic(spec, errs[j])
		if res.ErrorCode == codeNone {
			res.TopicID = created[j].ID
		} else {
			res.NumPartitions, res.ReplicationFactor, res.Configs = -1, -1, nil
		}
	}
	return resp
}

// createdTopic logs what became of a topic CreateTopics made and returns
// the Kafka error code and message for it.
func (b *Broker) createdTopic(spec newTopic, err error) (int16, *string) {
	if errors.Is(err, errTopicExists) {
		return codeTopicAlreadyExists, ptr(topicExistsMessage(spec.Name))
	}
	if errors.Is(err, errInvalidTopic) {
		return codeInvalidTopicException, ptr(err.Error())
	}
	if err != nil {
		// A failed write of the data dir is KAFKA_STORAGE_ERROR (a full
		// disk, most often), which the message names. Kafka's controller
		// would record the topic and the broker then fail its log dir,
		// leaving the partitions offline; with the one dir here, nothing
		// is made and the client is told at once.
		b.log.Error("creating topic failed: nothing was made", "topic", spec.Name, "err", err)
		return errorCode(err), ptr(err.Error())
	}
	b.log.Info("created topic", "topic", spec.Name, "partitions", spec.Partitions, "configs", spec.Configs)
	return codeNone, nil
}

// topicExistsMessage is TOPIC_ALREADY_EXISTS' message in
// ReplicationControlManager.createTopics' words.
func topicExistsMessage(name string) string { return "Topic '" + name + "' already exists." }

// clusterMetadataTopic is KRaft's metadata log, which Kafka refuses to
// let CreateTopics make (ControllerApis.createTopics); this broker has
// no such topic, but a name Kafka reserves stays reserved.
const clusterMetadataTopic = "__cluster_metadata"

// checkNewTopic checks one CreateTopics entry, filling in res as if it
// were made, and returns what to make of it, or the Kafka error code and
// message that refuse it. The checks come in the order of Kafka's
// ReplicationControlManager.createTopics, so that a request wrong in two
// ways gets the error Kafka would give: the name, whether the topic
// exists, its configs, then its partitions and replicas.
func (b *Broker) checkNewTopic(t creatableTopic, res *creatableTopicResult) (*newTopic, int16, *string) {
	// ReplicationControlManager.validateNewTopicNames looks for a
	// collision even when Topic.validate has refused the name, and the
	// collision's error replaces the other. Of the invalid names only "."
	// and ".." can collide with a topic that exists ("_" and "__"); the
	// rest are refused before the search, which then never runs over an
	// overlong name.
	nameErr := validateTopicName(t.Name)
	if nameErr == nil || t.Name == "." || t.Name == ".." {
		if other, ok := b.logs.collidingTopic(t.Name); ok {
			return nil, codeInvalidTopicException, ptr(topicCollision(t.Name, other).Error())
		}
	}
	if nameErr != nil {
		return nil, codeInvalidTopicException, ptr(nameErr.Error())
	}
	if b.logs.Topic(t.Name) != nil {
		return nil, codeTopicAlreadyExists, ptr(topicExistsMessage(t.Name))
	}
	cfg, cerr := creationConfigs(t.Configs)
	if cerr != nil {
		return nil, cerr.code, &cerr.msg
	}
	partitions, code, msg := b.newTopicPartitions(t)
	if code != codeNone {
		return nil, code, msg
	}
	res.NumPartitions, res.ReplicationFactor = partitions, 1
	for _, e := range b.topicConfigEntries(cfg) {
		res.Configs = append(res.Configs, creatableTopicConfigs{Name: e.name, Value: ptr(e.value), ConfigSource: e.source})
	}
	return &newTopic{Name: t.Name, Partitions: partitions, Configs: cfg}, codeNone, nil
}

// creationConfigs checks the configs of a CreateTopics entry. Null values
// are refused together, by name, before any value is looked at, as
// ReplicationControlManager.computeConfigChanges refuses them, and a
// repeated name is no error there.
func creationConfigs(configs []creatableTopicConfig) (topicConfig, *configError) {
	var nulls []string
	for _, c := range configs {
		if c.Value == nil {
			nulls = append(nulls, c.Name)
		}
	}
	if len(nulls) > 0 {
		return nil, invalidConfig("Null value not supported for topic configs: %s", strings.Join(nulls, ","))
	}
	// A name given twice takes its last value: Kafka collects the
	// configs into a map, so the later entry overwrites the earlier.
	last := make(map[string]*string, len(configs))
	var names []string
	for _, c := range configs {
		if _, seen := last[c.Name]; !seen {
			names = append(names, c.Name)
		}
		last[c.Name] = c.Value
	}
	values := make([]*string, len(names))
	for i, name := range names {
		values[i] = last[name]
	}
	return newTopicConfig(names, values, codeInvalidConfig)
}

// newTopicPartitions is the partition count of a CreateTopics entry, or
// the error that refuses its counts or assignment, with the codes and
// words of ReplicationControlManager.createTopic. On one broker every
// replica list must be this broker alone.
func (b *Broker) newTopicPartitions(t creatableTopic) (int32, int16, *string) {
	if len(t.Assignments) > 0 {
		return b.assignedPartitions(t)
	}
	switch {
	case t.ReplicationFactor < -1 || t.ReplicationFactor == 0:
		return 0, codeInvalidReplicationFactor, ptr("Replication factor must be larger than 0, or -1 to use the default value.")
	case t.NumPartitions < -1 || t.NumPartitions == 0:
		return 0, codeInvalidPartitions, ptr("Number of partitions was set to an invalid non-positive value.")
	case t.ReplicationFactor > 1:
		// StripedReplicaPlacer's refusal, as ReplicationControlManager
		// wraps it.
		return 0, codeInvalidReplicationFactor, ptr(fmt.Sprintf("Unable to replicate the partition %d time(s): "+
			"The target replication factor of %d cannot be reached because only 1 broker(s) are registered.", t.ReplicationFactor, t.ReplicationFactor))
	}
	partitions := t.NumPartitions
	if partitions == -1 {
		partitions = b.cfg.DefaultPartitions
	}
	if partitions > maxPartitionsPerTopic {
		return 0, codeInvalidPartitions, ptr(fmt.Sprintf("number of partitions must be from 1 to %d", maxPartitionsPerTopic))
	}
	return partitions, codeNone, nil
}

// assignedPartitions checks an explicit replica assignment as
// ReplicationControlManager.createTopic does: both counts -1, partitions
// in any order but each once and together 0 to n-1, each replica list
// non-empty, without repeats, of registered brokers (here, this one).
func (b *Broker) assignedPartitions(t creatableTopic) (int32, int16, *string) {
	if t.ReplicationFactor != -1 {
		return 0, codeInvalidRequest, ptr("A manual partition assignment was specified, but replication factor was not set to -1.")
	}
	if t.NumPartitions != -1 {
		return 0, codeInvalidRequest, ptr("A manual partition assignment was specified, but numPartitions was not set to -1.")
	}
	assigned := make(map[int32]bool, len(t.Assignments))
	for _, a := range t.Assignments {
		if assigned[a.PartitionIndex] {
			return 0, codeInvalidReplicaAssignment, ptr(fmt.Sprintf("Found multiple manual partition assignments for partition %d", a.PartitionIndex))
		}
		assigned[a.PartitionIndex] = true
		if msg := b.checkReplicas(a.BrokerIDs); msg != "" {
			return 0, codeInvalidReplicaAssignment, &msg
		}
	}
	for i := range int32(len(t.Assignments)) {
		if !assigned[i] {
			return 0, codeInvalidReplicaAssignment, ptr("partitions should be a consecutive 0-based integer sequence")
		}
	}
	if len(t.Assignments) > maxPartitionsPerTopic {
		return 0, codeInvalidPartitions, ptr(fmt.Sprintf("number of partitions must be from 1 to %d", maxPartitionsPerTopic))
	}
	return int32(len(t.Assignments)), codeNone, nil
}

// checkReplicas is ReplicationControlManager.validateManualPartitionAssignment
// for a cluster of this broker alone: the refusal of a replica list, or "".
// With one broker, a list that passes is this broker once, so every
// partition has the same replication factor, as Kafka also requires.
func (b *Broker) checkReplicas(brokers []int32) string {
	if len(brokers) == 0 {
		return "The manual partition assignment includes an empty replica list."
	}
	sorted := slices.Sorted(slices.Values(brokers))
	for i, id := range sorted {
		if id != b.cfg.NodeID {
			return fmt.Sprintf("The manual partition assignment includes broker %d, but no such broker is registered.", id)
		}
		if i > 0 && sorted[i-1] == id {
			return fmt.Sprintf("The manual partition assignment includes the broker %d more than once.", id)
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

// maxPartitionsPerTopic bounds what one CreateTopics or CreatePartitions
// request can make. Kafka sets no such limit, but each partition here is a
// directory and open files, made while the topic list is locked: a request
// for two billion of them would stall every client of the broker, not just
// the one that asked. Ten thousand is far beyond any local use.
const maxPartitionsPerTopic = 10000

// DeleteTopics: v1-6 (DeleteTopicsRequest.json, DeleteTopicsResponse.json)
//
//	v1: ThrottleTimeMs; our minimum (KIP-896)
//	v4: flexible
//	v5: ErrorMessage
//	v6: topics by name or TopicId (KIP-516)
type deleteTopicsRequest struct {
	Topics     []deleteTopicState
	TopicNames []string
	TimeoutMs  int32
}

// deleteTopicState is one topic of DeleteTopics v6: a name with the
// zero id, or a null name with an id, never both.
type deleteTopicState struct {
	Name    *string
	TopicID uuid
}

func (m *deleteTopicsRequest) decode(r *reader, v int16) {
	if v >= 6 {
		m.Topics = readArray(r, func(r *reader) (t deleteTopicState) {
			t.Name = r.NullableString()
			t.TopicID = r.UUID()
			r.SkipTags()
			return t
		})
	} else {
		m.TopicNames = r.Strings()
	}
	m.TimeoutMs = r.Int32()
	r.SkipTags()
}

type deleteTopicsResponse struct {
	ThrottleTimeMs int32
	Responses      []deletableTopicResult
}

// deletableTopicResult is one topic's outcome. Name is null for an id
// that names no topic, and TopicID zero for a name that names none.
type deletableTopicResult struct {
	Name         *string
	TopicID      uuid
	ErrorCode    int16
	ErrorMessage *string
}

func (m *deleteTopicsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Responses, func(w *writer, t deletableTopicResult) {
		if v >= 6 {
			w.NullableString(t.Name)
			w.UUID(t.TopicID)
		} else {
			w.String(deref(t.Name))
		}
		w.Int16(t.ErrorCode)
		if v >= 5 {
			w.NullableString(t.ErrorMessage)
		}
		w.Tags()
	})
	w.Tags()
}

// handleDeleteTopics deletes topics named by name or by id, refusing
// first, as Kafka's ControllerApis.deleteTopics does, an entry that gives
// both or neither and a name or id given twice. Kafka answers in random
// order, so that the position of an entry tells nothing; here the refused
// come first, then the rest in the order given.
func (b *Broker) handleDeleteTopics(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*deleteTopicsRequest)
	resp := &deleteTopicsResponse{Responses: []deletableTopicResult{}}
	reply := func(name *string, id uuid, code int16, msg string) {
		res := deletableTopicResult{Name: name, TopicID: id, ErrorCode: code}
		if msg != "" {
			res.ErrorMessage = &msg
		}
		resp.Responses = append(resp.Responses, res)
	}
	names, ids := deletionTargets(req, reply)
	var doomed []*topicLog
	for _, id := range ids {
		if t := b.logs.TopicByID(id); t != nil {
			doomed = append(doomed, t)
		} else {
			reply(nil, id, codeUnknownTopicID, "This server does not host this topic ID.")
		}
	}
	for _, name := range names {
		t := b.logs.Topic(name)
		switch {
		case t == nil:
			reply(&name, uuid{}, codeUnknownTopicOrPartition, "This server does not host this topic-partition.")
		case slices.Contains(doomed, t):
			// Kafka then deletes neither and answers only the name.
			doomed = slices.DeleteFunc(doomed, func(d *topicLog) bool { return d == t })
			reply(&name, t.ID, codeInvalidRequest, "The provided topic name maps to an ID that was already supplied.")
		default:
			doomed = append(doomed, t)
		}
	}
	for _, t := range doomed {
		code, msg := b.deleteTopic(t)
		reply(&t.Name, t.ID, code, msg)
	}
	return resp
}

// deletionTargets sorts the entries of a DeleteTopics request into the
// names and ids to delete, each once, answering through reply the entries
// Kafka's ControllerApis.deleteTopics refuses outright: one that names
// both a topic and an id, one that names neither, and every name or id
// given more than once, which is answered once and not deleted.
func deletionTargets(req *deleteTopicsRequest, reply func(*string, uuid, int16, string)) (names []string, ids []uuid) {
	nameCount, idCount := map[string]int{}, map[uuid]int{}
	for _, name := range req.TopicNames {
		nameCount[name]++
		names = append(names, name)
	}
	for _, t := range req.Topics {
		switch {
		case t.Name != nil && t.TopicID != (uuid{}):
			reply(t.Name, t.TopicID, codeInvalidRequest, "You may not specify both topic name and topic id.")
		case t.Name != nil:
			nameCount[*t.Name]++
			names = append(names, *t.Name)
		case t.TopicID == (uuid{}):
			reply(nil, t.TopicID, codeInvalidRequest, "Neither topic name nor id were specified.")
		default:
			idCount[t.TopicID]++
			ids = append(ids, t.TopicID)
		}
	}
	names = slices.DeleteFunc(names, func(n string) bool {
		if nameCount[n] > 1 {
			reply(&n, uuid{}, codeInvalidRequest, "Duplicate topic name.")
			nameCount[n] = -1
		}
		return nameCount[n] < 0
	})
	ids = slices.DeleteFunc(ids, func(id uuid) bool {
		if idCount[id] > 1 {
			reply(nil, id, codeInvalidRequest, "Duplicate topic id.")
			idCount[id] = -1
		}
		return idCount[id] < 0
	})
	return names, ids
}

// deleteTopic deletes one topic and forgets its committed offsets, and
// returns the code and message of the outcome.
func (b *Broker) deleteTopic(t *topicLog) (int16, string) {
	if t.Name == offsetsTopic {
		// The coordinator holds this log open for good.
		return codeInvalidTopicException, "cannot delete internal topic " + offsetsTopic
	}
	if err := b.logs.DeleteTopic(t.Name); err != nil {
		// A rename that failed, and was undone, leaves the topic as it
		// was: KAFKA_STORAGE_ERROR, whose message names the file, as a
		// creation that cannot write is answered (createTopic). Kafka's
		// controller records the deletion and answers NONE, and a broker
		// that cannot then rename the log fails its log dir
		// (LogManager.asyncDelete); with the one dir here the topic stays
		// and serves on, so the client is told it was not deleted.
		b.log.Error("deleting topic failed: the topic stays", "topic", t.Name, "err", err)
		return errorCode(err), err.Error()
	}
	b.log.Info("deleted topic", "topic", t.Name)
	// Kafka forgets the committed offsets of a deleted topic, so that a
	// topic created again under the name starts its consumers afresh.
	b.groups.forgetTopic(t.Name)
	return codeNone, ""
}

// CreatePartitions: v0-3 (CreatePartitionsRequest.json, CreatePartitionsResponse.json)
//
//	v1: no change (v0 had a bug in its error handling)
//	v2: flexible
//	v3: no change (quota errors, KIP-599)
//
// Count is the new total number of partitions, which may only grow.
type createPartitionsRequest struct {
	Topics       []createPartitionsTopic
	TimeoutMs    int32
	ValidateOnly bool
}

type createPartitionsTopic struct {
	Name string
	// Count is the new total, not the number to add.
	Count int32
	// Assignments is null to let the broker place the new partitions,
	// or one replica list per new partition, in order.
	Assignments []createPartitionsAssignment
}

type createPartitionsAssignment struct {
	BrokerIDs []int32
}

func (m *createPartitionsRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t createPartitionsTopic) {
		t.Name = r.String()
		t.Count = r.Int32()
		t.Assignments = readArray(r, func(r *reader) (a createPartitionsAssignment) {
			a.BrokerIDs = r.Int32s()
			r.SkipTags()
			return a
		})
		r.SkipTags()
		return t
	})
	m.TimeoutMs = r.Int32()
	m.ValidateOnly = r.Bool()
	r.SkipTags()
}

type createPartitionsResponse struct {
	ThrottleTimeMs int32
	Results        []createPartitionsTopicResult
}

type createPartitionsTopicResult struct {
	Name         string
	ErrorCode    int16
	ErrorMessage *string
}

func (m *createPartitionsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Results, func(w *writer, t createPartitionsTopicResult) {
		w.String(t.Name)
		w.Int16(t.ErrorCode)
		w.NullableString(t.ErrorMessage)
		w.Tags()
	})
	w.Tags()
}

// handleCreatePartitions grows each topic named once; a name given twice
// is answered once, INVALID_REQUEST, after the others, as Kafka's
// ControllerApis.createPartitions answers it.
func (b *Broker) handleCreatePartitions(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*createPartitionsRequest)
	resp := &createPartitionsResponse{Results: make([]createPartitionsTopicResult, 0, len(req.Topics))}
	count := make(map[string]int, len(req.Topics))
	var duplicates []string
	for _, t := range req.Topics {
		if count[t.Name]++; count[t.Name] == 2 {
			duplicates = append(duplicates, t.Name)
		}
	}
	for _, t := range req.Topics {
		if count[t.Name] == 1 {
			res := createPartitionsTopicResult{Name: t.Name}
			res.ErrorCode, res.ErrorMessage = b.createPartitions(t, req.ValidateOnly)
			resp.Results = append(resp.Results, res)
		}
	}
	for _, name := range duplicates {
		resp.Results = append(resp.Results, createPartitionsTopicResult{Name: name, ErrorCode: codeInvalidRequest, ErrorMessage: ptr("Duplicate topic name.")})
	}
	return resp
}

// createPartitions checks and makes one topic's new partitions, with the
// codes and words of ReplicationControlManager.createPartitions: the new
// count must exceed the old, an assignment must list exactly the new
// partitions, and each replica list must pass the checks CreateTopics
// makes, with the topic's replication factor of 1.
func (b *Broker) createPartitions(t createPartitionsTopic, validateOnly bool) (int16, *string) {
	topic := b.logs.Topic(t.Name)
	if topic == nil {
		// No message: the controller throws an
		// UnknownTopicOrPartitionException without one, which
		// ApiError.fromThrowable passes on as null.
		return codeUnknownTopicOrPartition, nil
	}
	have := int32(len(topic.Partitions))
	switch {
	case t.Count == have:
		return codeInvalidPartitions, ptr(fmt.Sprintf("Topic already has %d partition(s).", have))
	case t.Count < have:
		return codeInvalidPartitions, ptr(fmt.Sprintf("The topic %s currently has %d partition(s); %d would not be an increase.", t.Name, have, t.Count))
	case t.Count > maxPartitionsPerTopic:
		return codeInvalidPartitions, ptr(fmt.Sprintf("topic %s may have at most %d partitions", t.Name, maxPartitionsPerTopic))
	}
	if t.Assignments != nil {
		if int32(len(t.Assignments)) != t.Count-have {
			return codeInvalidReplicaAssignment, ptr(fmt.Sprintf("Attempted to add %d additional partition(s), but only %d assignment(s) were specified.", t.Count-have, len(t.Assignments)))
		}
		for _, a := range t.Assignments {
			if msg := b.checkReplicas(a.BrokerIDs); msg != "" {
				return codeInvalidReplicaAssignment, &msg
			}
		}
	}
	if validateOnly {
		return codeNone, nil
	}
	if err := b.logs.CreatePartitions(t.Name, t.Count); err != nil {
		b.log.Error("creating partitions failed: none was made", "topic", t.Name, "err", err)
		return errorCode(err), ptr(err.Error()) // KAFKA_STORAGE_ERROR for a failed write, as createdTopic
	}
	return codeNone, nil
}
