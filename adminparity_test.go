package kafka

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Tests of the admin APIs where this broker was found to answer
// differently from Apache Kafka 4.0: each sends the raw request and checks
// the code and message the Kafka class named in the code gives.

// createTopicsRaw sends CreateTopics v7 with the given entries and
// returns the results in the order of the response.
func (c *testClient) createTopicsRaw(topics []creatableTopic, validateOnly bool) []creatableTopicResult {
	c.t.Helper()
	r := c.roundTrip(19, 7, true, func(w *writer) {
		writeArrayNonNull(w, topics, func(w *writer, t creatableTopic) {
			w.String(t.Name)
			w.Int32(t.NumPartitions)
			w.Int16(t.ReplicationFactor)
			writeArrayNonNull(w, t.Assignments, func(w *writer, a creatableReplicaAssignment) {
				w.Int32(a.PartitionIndex)
				writeArrayNonNull(w, a.BrokerIDs, (*writer).Int32)
				w.Tags()
			})
			writeArrayNonNull(w, t.Configs, func(w *writer, c creatableTopicConfig) {
				w.String(c.Name)
				w.NullableString(c.Value)
				w.Tags()
			})
			w.Tags()
		})
		w.Int32(1000)
		w.Bool(validateOnly)
		w.Tags()
	})
	r.Int32() // throttle
	res := readArray(r, func(r *reader) (t creatableTopicResult) {
		t.Name, t.TopicID, t.ErrorCode, t.ErrorMessage = r.String(), r.UUID(), r.Int16(), r.NullableString()
		t.NumPartitions, t.ReplicationFactor = r.Int32(), r.Int16()
		t.Configs = readArray(r, func(r *reader) (e creatableTopicConfigs) {
			e.Name, e.Value, e.ReadOnly, e.ConfigSource, e.IsSensitive = r.String(), r.NullableString(), r.Bool(), r.Int8(), r.Bool()
			r.SkipTags()
			return e
		})
		r.SkipTags()
		return t
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return res
}

// outcome is an error code and message as a test compares them.
func outcome(code int16, msg *string) string {
	if msg == nil {
		return fmt.Sprintf("%d <nil>", code)
	}
	return fmt.Sprintf("%d %s", code, *msg)
}

// readPartitionOutcomes reads an array of topics, each a name, an array
// of partitions and tags, where a partition is an index, an error code and
// message, what more reads (when not nil), and tags. It returns each
// partition as "topic-index outcome", in answer order.
func readPartitionOutcomes(r *reader, more func(r *reader, topic string, partition int32)) []string {
	var got []string
	readArray(r, func(r *reader) int {
		name := r.String()
		readArray(r, func(r *reader) int {
			p, code, msg := r.Int32(), r.Int16(), r.NullableString()
			if more != nil {
				more(r, name, p)
			}
			got = append(got, fmt.Sprintf("%s-%d %s", name, p, outcome(code, msg)))
			r.SkipTags()
			return 0
		})
		r.SkipTags()
		return 0
	})
	return got
}

// wantResults fails the test if r could not be read, and reports got
// unless it prints as want.
func wantResults(t *testing.T, r *reader, got []string, want string) {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	if fmt.Sprint(got) != want {
		t.Errorf("results %v\nwant %s", got, want)
	}
}

// TestCreateTopicsNamesAsKafka: invalid, colliding and existing names are
// refused with the codes and words of Kafka's Topic.validate and
// ReplicationControlManager.createTopics, with ValidateOnly too.
func TestCreateTopicsNamesAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "a_b", 1)
	long := strings.Repeat("x", 250)
	tests := []struct{ name, want string }{
		{"", "17 Topic name is invalid: the empty string is not allowed"},
		{".", "17 Topic name is invalid: '.' is not allowed"},
		{"..", "17 Topic name is invalid: '..' is not allowed"},
		{long, "17 Topic name is invalid: the length of '" + long + "' is longer than the max allowed length 249"},
		{"a b", "17 Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"},
		{"a.b", "17 Topic 'a.b' collides with existing topic: a_b"},
		{"a_b", "36 Topic 'a_b' already exists."},
		{"__cluster_metadata", "42 Creation of internal topic __cluster_metadata is prohibited."},
	}
	for _, validateOnly := range []bool{false, true} {
		for _, tt := range tests {
			res := c.createTopicsRaw([]creatableTopic{{Name: tt.name, NumPartitions: 1, ReplicationFactor: 1}}, validateOnly)
			if len(res) != 1 {
				t.Fatalf("%q: %d results", tt.name, len(res))
			}
			if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != tt.want {
				t.Errorf("CreateTopics %.20q (validateOnly %v): %s, want %s", tt.name, validateOnly, got, tt.want)
			}
		}
	}
}

// TestCreateTopicsDotNamesCollide: "." and ".." are invalid names, but
// where "_" or "__" exists Kafka refuses them as collisions instead:
// ReplicationControlManager.validateNewTopicNames checks for a collision
// after Topic.validate has failed, and the collision's error replaces the
// other.
func TestCreateTopicsDotNamesCollide(t *testing.T) {
	_, c := startWithTopic(t, "_", 1)
	if res := c.createTopicsRaw([]creatableTopic{{Name: "__", NumPartitions: 1, ReplicationFactor: 1}}, false); res[0].ErrorCode != codeNone {
		t.Fatalf("CreateTopics __: %s", outcome(res[0].ErrorCode, res[0].ErrorMessage))
	}
	for name, want := range map[string]string{
		".":  "17 Topic '.' collides with existing topic: _",
		"..": "17 Topic '..' collides with existing topic: __",
	} {
		res := c.createTopicsRaw([]creatableTopic{{Name: name, NumPartitions: 1, ReplicationFactor: 1}}, true)
		if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != want {
			t.Errorf("CreateTopics %q: %s, want %s", name, got, want)
		}
	}
}

// TestCreateTopicsDuplicateNameOnce: a name given twice is answered once,
// INVALID_REQUEST, after the other topics, as ControllerApis.createTopics
// does, and is not created.
func TestCreateTopicsDuplicateNameOnce(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	res := c.createTopicsRaw([]creatableTopic{
		{Name: "d", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "ok", NumPartitions: 1, ReplicationFactor: 1},
		{Name: "d", NumPartitions: 2, ReplicationFactor: 1},
	}, false)
	var got []string
	for _, r := range res {
		got = append(got, r.Name+" "+outcome(r.ErrorCode, r.ErrorMessage))
	}
	want := "[ok 0 <nil> d 42 Duplicate topic name.]"
	if fmt.Sprint(got) != want {
		t.Errorf("results %v, want %s", got, want)
	}
	if tb.logs.Topic("d") != nil {
		t.Error("the duplicated topic was created")
	}
}

// TestCreateTopicsCountsAsKafka: partition counts, replication factors,
// manual assignments and null configs are refused with the codes and
// words of ReplicationControlManager.createTopic, in its order.
func TestCreateTopicsCountsAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	node := tb.cfg.NodeID
	assign := func(parts ...creatableReplicaAssignment) []creatableReplicaAssignment { return parts }
	tests := []struct {
		topic creatableTopic
		want  string
	}{
		{creatableTopic{NumPartitions: 0, ReplicationFactor: 1}, "37 Number of partitions was set to an invalid non-positive value."},
		{creatableTopic{NumPartitions: -2, ReplicationFactor: 1}, "37 Number of partitions was set to an invalid non-positive value."},
		{creatableTopic{NumPartitions: 0, ReplicationFactor: 0}, "38 Replication factor must be larger than 0, or -1 to use the default value."},
		{creatableTopic{NumPartitions: 1, ReplicationFactor: -2}, "38 Replication factor must be larger than 0, or -1 to use the default value."},
		{creatableTopic{NumPartitions: 1, ReplicationFactor: 3}, "38 Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered."},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1}, "0 <nil>"},
		{creatableTopic{NumPartitions: 1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{0, []int32{node}})},
			"42 A manual partition assignment was specified, but numPartitions was not set to -1."},
		{creatableTopic{NumPartitions: 1, ReplicationFactor: 1, Assignments: assign(creatableReplicaAssignment{0, []int32{node}})},
			"42 A manual partition assignment was specified, but replication factor was not set to -1."},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{1, []int32{node}}, creatableReplicaAssignment{0, []int32{node}})},
			"0 <nil>"},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{0, []int32{node}}, creatableReplicaAssignment{0, []int32{node}})},
			"39 Found multiple manual partition assignments for partition 0"},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{1, []int32{node}})},
			"39 partitions should be a consecutive 0-based integer sequence"},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{0, []int32{}})},
			"39 The manual partition assignment includes an empty replica list."},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{0, []int32{node + 7}})},
			fmt.Sprintf("39 The manual partition assignment includes broker %d, but no such broker is registered.", node+7)},
		{creatableTopic{NumPartitions: -1, ReplicationFactor: -1, Assignments: assign(creatableReplicaAssignment{0, []int32{node, node}})},
			fmt.Sprintf("39 The manual partition assignment includes the broker %d more than once.", node)},
		// Configs are checked before the counts, as in Kafka.
		{creatableTopic{NumPartitions: 0, ReplicationFactor: 1, Configs: []creatableTopicConfig{{"retention.ms", nil}, {"segment.ms", nil}}},
			"40 Null value not supported for topic configs: retention.ms,segment.ms"},
	}
	for i, tt := range tests {
		tt.topic.Name = fmt.Sprintf("t%d", i)
		res := c.createTopicsRaw([]creatableTopic{tt.topic}, true)
		if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != tt.want {
			t.Errorf("CreateTopics %+v: %s, want %s", tt.topic, got, tt.want)
		}
	}
}

// deleteTopicsRaw sends DeleteTopics v6 and returns its results.
func (c *testClient) deleteTopicsRaw(topics []deleteTopicState) []deletableTopicResult {
	c.t.Helper()
	r := c.roundTrip(20, 6, true, func(w *writer) {
		writeArrayNonNull(w, topics, func(w *writer, t deleteTopicState) {
			w.NullableString(t.Name)
			w.UUID(t.TopicID)
			w.Tags()
		})
		w.Int32(1000)
		w.Tags()
	})
	r.Int32() // throttle
	res := readArray(r, func(r *reader) (t deletableTopicResult) {
		t.Name, t.TopicID, t.ErrorCode, t.ErrorMessage = r.NullableString(), r.UUID(), r.Int16(), r.NullableString()
		r.SkipTags()
		return t
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return res
}

// TestDeleteTopicsRefusesAsKafka: DeleteTopics v6 refuses an entry with
// both a name and an id or with neither, and a name or id given twice,
// answering each once, and words unknown names and ids, as Kafka's
// ControllerApis.deleteTopics does.
func TestDeleteTopicsRefusesAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, name := range []string{"both", "twice", "byid", "byid2", "byname"} {
		c.createTopic(name, 1)
	}
	id := func(name string) uuid { return tb.logs.Topic(name).ID }
	unknown := uuid{1, 2, 3}
	res := c.deleteTopicsRaw([]deleteTopicState{
		{Name: ptr("both"), TopicID: id("both")},
		{},
		{Name: ptr("twice")}, {Name: ptr("twice")},
		{TopicID: id("byid")}, {TopicID: id("byid")},
		{TopicID: unknown},
		{Name: ptr("nosuch")},
		{TopicID: id("byid2")},
		{Name: ptr("byname")},
	})
	got := map[string]string{}
	for _, r := range res {
		key := deref(r.Name)
		if r.Name == nil {
			key = r.TopicID.String()
		}
		if _, dup := got[key]; dup {
			t.Errorf("%s answered twice", key)
		}
		got[key] = outcome(r.ErrorCode, r.ErrorMessage)
	}
	want := map[string]string{
		"both":              "42 You may not specify both topic name and topic id.",
		uuid{}.String():     "42 Neither topic name nor id were specified.",
		"twice":             "42 Duplicate topic name.",
		id("byid").String(): "42 Duplicate topic id.",
		unknown.String():    "100 This server does not host this topic ID.",
		"nosuch":            "3 This server does not host this topic-partition.",
		"byid2":             "0 <nil>",
		"byname":            "0 <nil>",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results\n%v\nwant\n%v", got, want)
	}
	for _, name := range []string{"both", "twice", "byid"} {
		if tb.logs.Topic(name) == nil {
			t.Errorf("%s was deleted", name)
		}
	}
	if tb.logs.Topic("byid2") != nil || tb.logs.Topic("byname") != nil {
		t.Error("a valid entry was not deleted")
	}
}

// createPartitionsRaw sends CreatePartitions v3 and returns its results.
func (c *testClient) createPartitionsRaw(topics []createPartitionsTopic, validateOnly bool) []createPartitionsTopicResult {
	c.t.Helper()
	r := c.roundTrip(37, 3, true, func(w *writer) {
		writeArrayNonNull(w, topics, func(w *writer, t createPartitionsTopic) {
			w.String(t.Name)
			w.Int32(t.Count)
			writeArray(w, t.Assignments, func(w *writer, a createPartitionsAssignment) {
				writeArrayNonNull(w, a.BrokerIDs, (*writer).Int32)
				w.Tags()
			})
			w.Tags()
		})
		w.Int32(1000)
		w.Bool(validateOnly)
		w.Tags()
	})
	r.Int32() // throttle
	res := readArray(r, func(r *reader) (t createPartitionsTopicResult) {
		t.Name, t.ErrorCode, t.ErrorMessage = r.String(), r.Int16(), r.NullableString()
		r.SkipTags()
		return t
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return res
}

// TestCreatePartitionsAsKafka: CreatePartitions refuses with the codes
// and words of ReplicationControlManager.createPartitions, and answers a
// name given twice once, as ControllerApis.createPartitions does. An
// unknown topic has no message: the controller throws
// UnknownTopicOrPartitionException without one, and ApiError.fromThrowable
// passes that null on.
func TestCreatePartitionsAsKafka(t *testing.T) {
	tb, c := startWithTopic(t, "t", 2)
	node := tb.cfg.NodeID
	one := func(ids ...int32) []createPartitionsAssignment { return []createPartitionsAssignment{{ids}} }
	tests := []struct {
		topic createPartitionsTopic
		want  string
	}{
		{createPartitionsTopic{Name: "nosuch", Count: 3}, "3 <nil>"},
		{createPartitionsTopic{Name: "t", Count: 2}, "37 Topic already has 2 partition(s)."},
		{createPartitionsTopic{Name: "t", Count: 1}, "37 The topic t currently has 2 partition(s); 1 would not be an increase."},
		{createPartitionsTopic{Name: "t", Count: 4, Assignments: one(node)}, "39 Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified."},
		{createPartitionsTopic{Name: "t", Count: 3, Assignments: one()}, "39 The manual partition assignment includes an empty replica list."},
		{createPartitionsTopic{Name: "t", Count: 3, Assignments: one(node, node)}, fmt.Sprintf("39 The manual partition assignment includes the broker %d more than once.", node)},
		{createPartitionsTopic{Name: "t", Count: 3, Assignments: one(node)}, "0 <nil>"},
	}
	for _, tt := range tests {
		res := c.createPartitionsRaw([]createPartitionsTopic{tt.topic}, true)
		if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != tt.want {
			t.Errorf("CreatePartitions %+v: %s, want %s", tt.topic, got, tt.want)
		}
	}
	res := c.createPartitionsRaw([]createPartitionsTopic{{Name: "t", Count: 3}, {Name: "t", Count: 4}}, false)
	if len(res) != 1 || outcome(res[0].ErrorCode, res[0].ErrorMessage) != "42 Duplicate topic name." {
		t.Errorf("a name given twice: %+v, want one INVALID_REQUEST", res)
	}
	if n := len(tb.logs.Topic("t").Partitions); n != 2 {
		t.Errorf("t has %d partitions, want 2", n)
	}
}

// TestDescribeConfigsResourcesAsKafka: DescribeConfigs reads an empty key
// list as every config, and names and refuses resources in the words of
// Kafka's ConfigHelper.describeConfigs: "" is the cluster-wide dynamic
// defaults (none here), a broker id must be an integer and this broker's,
// a topic name must be valid, and an unknown topic has no message.
func TestDescribeConfigsResourcesAsKafka(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	node := fmt.Sprint(tb.cfg.NodeID)
	all := len(c.describeConfigs(4, resourceTopic, "t", nil, false, false).Configs)
	if got := len(c.describeConfigs(4, resourceTopic, "t", []string{}, false, false).Configs); got != all || all == 0 {
		t.Errorf("an empty key list described %d configs, want all %d", got, all)
	}
	tests := []struct {
		typ         int8
		name        string
		want        string
		wantConfigs bool
	}{
		{resourceBroker, node, "0 <nil>", true},
		{resourceBroker, "", "0 <nil>", false},
		{resourceBroker, "b1", "42 Broker id must be an integer, but it is: b1", false},
		{resourceBroker, "77", "42 Unexpected broker id, expected " + node + " or empty string, but received 77", false},
		{resourceTopic, "a b", "17 Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'", false},
		{resourceTopic, "missing", "3 <nil>", false},
	}
	for _, tt := range tests {
		res := c.describeConfigs(4, tt.typ, tt.name, nil, false, false)
		if got := outcome(res.ErrorCode, res.ErrorMessage); got != tt.want || (len(res.Configs) > 0) != tt.wantConfigs {
			t.Errorf("DescribeConfigs %d %q: %s with %d configs, want %s (configs: %v)", tt.typ, tt.name, got, len(res.Configs), tt.want, tt.wantConfigs)
		}
	}
}

// TestAlterConfigsRefusesAsKafka: both AlterConfigs APIs refuse a
// repeated config, null values, a repeated resource, a default or bad
// topic name, an unknown topic and APPEND to a config that is not a list
// with the codes and words of Kafka's ConfigAdminManager.preprocess,
// ControllerConfigurationValidator, QuorumController and
// ConfigurationControlManager.
func TestAlterConfigsRefusesAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	set := func(name, value string) configOp { return configOp{name, opSet, ptr(value)} }
	tests := []struct {
		topic string
		ops   []configOp
		want  string
	}{
		{"t", []configOp{{"retention.ms", opSet, ptr("1")}, {"retention.ms", opDelete, nil}}, "42 Error due to duplicate config keys"},
		{"t", []configOp{{"retention.ms", opSet, nil}, {"segment.ms", opAppend, nil}, {"cleanup.policy", opDelete, nil}}, "42 Null value not supported for : retention.ms, segment.ms"},
		{"t", []configOp{{"retention.ms", opAppend, ptr("1")}}, "40 Can't APPEND to key retention.ms because its type is not LIST."},
		{"", []configOp{set("retention.ms", "1")}, "42 Default topic resources are not allowed."},
		{"a b", []configOp{set("retention.ms", "1")}, "17 Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"},
		{"missing", []configOp{set("retention.ms", "1")}, "3 The topic 'missing' does not exist."},
	}
	for _, tt := range tests {
		if got := outcome(c.incrementalAlterConfigs(resourceTopic, tt.topic, false, tt.ops...)); got != tt.want {
			t.Errorf("IncrementalAlterConfigs %q %v: %s, want %s", tt.topic, tt.ops, got, tt.want)
		}
	}
	if got := outcome(c.alterConfigs(resourceTopic, "t", map[string]*string{"retention.ms": nil, "segment.ms": ptr("1")}, false)); got != "42 Null value not supported for : retention.ms" {
		t.Errorf("AlterConfigs with a null value: %s", got)
	}
	r := c.roundTrip(44, 1, true, func(w *writer) {
		w.ArrayLen(2)
		for range 2 {
			w.Int8(resourceTopic)
			w.String("t")
			w.ArrayLen(0)
			w.Tags()
		}
		w.Bool(false)
		w.Tags()
	})
	if got := outcome(readAlterConfigsResponse(t, r)); got != "42 Each resource must appear at most once." {
		t.Errorf("a repeated resource: %s", got)
	}
}

// TestDescribeClusterRefusalAsKafka: DescribeCluster v1 for controllers or
// an unknown endpoint type answers the code and Kafka's message with the
// other fields at their schema defaults, as Kafka's
// AuthHelper.computeDescribeClusterResponse does.
func TestDescribeClusterRefusalAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, tt := range []struct {
		typ  int8
		want string
	}{
		{endpointControllers, "114 The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER type 1 cluster \"\" controller -1 brokers 0"},
		{7, "115 Unsupported endpoint type 7 type 1 cluster \"\" controller -1 brokers 0"},
	} {
		r := c.roundTrip(60, 1, true, func(w *writer) {
			w.Bool(false)
			w.Int8(tt.typ)
			w.Tags()
		})
		r.Int32() // throttle
		code, msg := r.Int16(), r.NullableString()
		typ, cluster, controller, brokers := r.Int8(), r.String(), r.Int32(), r.ArrayLen()
		if r.err != nil {
			t.Fatal(r.err)
		}
		got := fmt.Sprintf("%s type %d cluster %q controller %d brokers %d", outcome(code, msg), typ, cluster, controller, brokers)
		if got != tt.want {
			t.Errorf("endpoint type %d: %s\nwant %s", tt.typ, got, tt.want)
		}
	}
}

// TestElectLeadersAsKafka: ElectLeaders v2 answers each named partition
// with ReplicationControlManager.electLeader's code and message, and an
// unknown election type for the request and each partition, as
// ElectLeadersRequest.getErrorResponse does.
func TestElectLeadersAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	elect := func(typ int8) string {
		r := c.roundTrip(43, 2, true, func(w *writer) {
			w.Int8(typ)
			w.ArrayLen(2)
			for _, name := range []string{"t", "nosuch"} {
				w.String(name)
				writeArrayNonNull(w, []int32{0, 5}, (*writer).Int32)
				w.Tags()
			}
			w.Int32(1000)
			w.Tags()
		})
		r.Int32() // throttle
		got := []string{fmt.Sprint("top ", r.Int16())}
		got = append(got, readPartitionOutcomes(r, nil)...)
		if r.err != nil {
			t.Fatal(r.err)
		}
		return strings.Join(got, "\n")
	}
	want := `top 0
t-0 84 Leader election not needed for topic partition.
t-5 3 No such partition as t-5
nosuch-0 3 No such topic as nosuch
nosuch-5 3 No such topic as nosuch`
	if got := elect(0); got != want {
		t.Errorf("preferred election:\n%s\nwant\n%s", got, want)
	}
	want = `top 42
t-0 42 Unknown election type 9
t-5 42 Unknown election type 9
nosuch-0 42 Unknown election type 9
nosuch-5 42 Unknown election type 9`
	if got := elect(9); got != want {
		t.Errorf("unknown election type:\n%s\nwant\n%s", got, want)
	}
}

// TestAlterPartitionReassignmentsAsKafka: an unknown topic and a cancel
// with nothing to cancel are answered as Kafka's
// ReplicationControlManager.alterPartitionReassignment answers them: the
// topic named in the message, and NO_REASSIGNMENT_IN_PROGRESS without one.
func TestAlterPartitionReassignmentsAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	r := c.roundTrip(45, 0, true, func(w *writer) {
		w.Int32(1000)
		w.ArrayLen(2)
		for _, name := range []string{"t", "nosuch"} {
			w.String(name)
			w.ArrayLen(1)
			w.Int32(0)
			w.ArrayLen(-1) // cancel
			w.Tags()
			w.Tags()
		}
		w.Tags()
	})
	r.Int32() // throttle
	got := []string{outcome(r.Int16(), r.NullableString())}
	got = append(got, readPartitionOutcomes(r, nil)...)
	wantResults(t, r, got, "[0 <nil> t-0 85 <nil> nosuch-0 3 Unable to find a topic named nosuch.]")
}

// TestDescribeProducersErrorsAsKafka: DescribeProducers fails the
// partitions of a bad name or unknown topic with a message, and an unknown
// partition of a known topic without one, as Kafka's
// KafkaApis.handleDescribeProducersRequest does.
func TestDescribeProducersErrorsAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	r := c.roundTrip(61, 0, true, func(w *writer) {
		w.ArrayLen(3)
		for _, name := range []string{"t", "nosuch", "a b"} {
			w.String(name)
			writeArrayNonNull(w, []int32{7}, (*writer).Int32)
			w.Tags()
		}
		w.Tags()
	})
	r.Int32() // throttle
	got := readPartitionOutcomes(r, func(r *reader, name string, p int32) {
		if n := r.ArrayLen(); n != 0 {
			t.Fatalf("%s-%d: %d producers", name, p, n)
		}
	})
	wantResults(t, r, got, "[t-7 3 <nil> nosuch-7 3 This server does not host this topic-partition. "+
		"a b-7 17 Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-']")
}

// TestListGroupsFilterTrimmed: ListGroups v5 compares state filters
// trimmed and in any case, and type filters in any case but untrimmed, as
// Kafka's GroupMetadataManager.listGroups and GroupType.parse do.
func TestListGroupsFilterTrimmed(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	if code := c.commitOffset("g", "t", 0, 1); code != codeNone {
		t.Fatalf("commit: %d", code)
	}
	for _, tt := range []struct {
		states, types []string
		want          string
	}{
		{[]string{" empty "}, []string{"Classic"}, "[g Empty classic]"},
		{[]string{"Empty"}, []string{" classic"}, "[]"},
	} {
		if got := c.listGroups(tt.states, tt.types); got != tt.want {
			t.Errorf("ListGroups states %q types %q: %s, want %s", tt.states, tt.types, got, tt.want)
		}
	}
}

// listGroups sends ListGroups v5 and returns the groups listed, each
// as "id state type".
func (c *testClient) listGroups(states, types []string) string {
	c.t.Helper()
	r := c.roundTrip(16, 5, true, func(w *writer) {
		w.Strings(states)
		w.Strings(types)
		w.Tags()
	})
	r.Int32() // throttle
	code := r.Int16()
	var got []string
	readArray(r, func(r *reader) int {
		id, _, state, typ := r.String(), r.String(), r.String(), r.String()
		got = append(got, id+" "+state+" "+typ)
		r.SkipTags()
		return 0
	})
	if r.err != nil || code != codeNone {
		c.t.Fatalf("ListGroups: code %d, %v", code, r.err)
	}
	return fmt.Sprint(got)
}

// TestCreateTopicsRepeatedConfigLastWins: a config named twice in one
// CreateTopics entry takes its last value, as Kafka's
// ReplicationControlManager.computeConfigChanges collects the configs
// into a map.
func TestCreateTopicsRepeatedConfigLastWins(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	res := c.createTopicsRaw([]creatableTopic{{Name: "t", NumPartitions: 1, ReplicationFactor: 1,
		Configs: []creatableTopicConfig{{"retention.ms", ptr("1000")}, {"retention.ms", ptr("2000")}}}}, false)
	if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != "0 <nil>" {
		t.Fatalf("CreateTopics: %s", got)
	}
	if got := tb.logs.Topic("t").Configs["retention.ms"]; got != "2000" {
		t.Errorf("retention.ms = %q, want the last value, 2000", got)
	}
}

// TestDescribeConfigsLoggerAndClientMetrics: DescribeConfigs describes a
// BROKER_LOGGER resource by this broker's id, with the root logger's
// level from DYNAMIC_BROKER_LOGGER_CONFIG, and a CLIENT_METRICS
// subscription with no configs, refusing empty and foreign names in the
// words of Kafka's ConfigHelper.describeConfigs.
func TestDescribeConfigsLoggerAndClientMetrics(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	node := fmt.Sprint(tb.cfg.NodeID)
	res := c.describeConfigs(4, resourceBrokerLogger, node, nil, false, true)
	var got []string
	for _, e := range res.Configs {
		got = append(got, fmt.Sprintf("%s=%s source %d doc %v", e.Name, deref(e.Value), e.ConfigSource, e.Documentation))
	}
	// startBroker logs through slog.Default, which writes Info and up.
	if res.ErrorCode != codeNone || fmt.Sprint(got) != "[root=INFO source 6 doc <nil>]" {
		t.Errorf("broker logger %s: code %d, %v", node, res.ErrorCode, got)
	}
	tests := []struct {
		typ  int8
		name string
		want string
	}{
		{resourceBrokerLogger, "", "42 Broker id must not be empty"},
		{resourceBrokerLogger, "77", "42 Unexpected broker id, expected " + node + " but received 77"},
		{resourceClientMetrics, "", "42 Client metrics subscription name must not be empty"},
		{resourceClientMetrics, "sub", "0 <nil>"},
	}
	for _, tt := range tests {
		res := c.describeConfigs(4, tt.typ, tt.name, nil, false, false)
		if got := outcome(res.ErrorCode, res.ErrorMessage); got != tt.want || len(res.Configs) != 0 {
			t.Errorf("DescribeConfigs %d %q: %s with %d configs, want %s", tt.typ, tt.name, got, len(res.Configs), tt.want)
		}
	}
}

// TestAlterConfigsOtherResourceTypes: IncrementalAlterConfigs refuses a
// broker logger, which Kafka would change, saying why, a client metrics
// config Kafka does not know in the words of ClientMetricsConfigs, and an
// unknown resource type in those of Kafka's ConfigAdminManager.preprocess.
func TestAlterConfigsOtherResourceTypes(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	node := fmt.Sprint(tb.cfg.NodeID)
	tests := []struct {
		typ  int8
		name string
		want string
	}{
		{resourceBrokerLogger, node, "42 the broker logger's level is read-only: it is the level the broker's log was given at start"},
		{resourceClientMetrics, "sub", "42 Unknown client metrics configuration: root"},
		{99, "x", "42 Unknown resource type 99"},
	}
	for _, tt := range tests {
		got := outcome(c.incrementalAlterConfigs(tt.typ, tt.name, false, configOp{"root", opSet, ptr("DEBUG")}))
		if got != tt.want {
			t.Errorf("IncrementalAlterConfigs %d %q: %s, want %s", tt.typ, tt.name, got, tt.want)
		}
	}
}

// TestIncrementalAlterConfigsUnknownName: a DELETE of a config name Kafka
// does not know passes, changing nothing, and APPEND to one finds no
// list, as Kafka's ConfigurationControlManager.incrementalAlterConfigResource
// treats them; a SET of one is still refused.
func TestIncrementalAlterConfigsUnknownName(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tests := []struct {
		op   configOp
		want string
	}{
		{configOp{"no.such.config", opDelete, nil}, "0 <nil>"},
		{configOp{"no.such.config", opAppend, ptr("x")}, "40 Can't APPEND to key no.such.config because its type is not LIST."},
		{configOp{"no.such.config", opSet, ptr("x")}, "40 Unknown topic config name: no.such.config"},
		{configOp{"no.such.config", opDelete, nil}, "0 <nil>"},
	}
	for _, tt := range tests {
		if got := outcome(c.incrementalAlterConfigs(resourceTopic, "t", false, tt.op)); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.op, got, tt.want)
		}
	}
	if cfg := tb.logs.Topic("t").Configs; len(cfg) != 0 {
		t.Errorf("configs after: %v, want none", cfg)
	}
}

// TestListTransactionsDurationAnyState: ListTransactions' DurationFilter
// compares the start of each id's last transaction whatever its state, and
// an id that never began one passes it, as Kafka's
// TransactionStateManager.listTransactionStates does; DescribeTransactions
// reports that start after the transaction ends, as Kafka does.
func TestListTransactionsDurationAnyState(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	_, pid, epoch := c.initTxn("done", 60000)
	c.addPartition("done", pid, epoch, "t", 0)
	if code := c.endTxn(3, "done", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn: %d", code)
	}
	_, pid, epoch = c.initTxn("open", 60000)
	c.addPartition("open", pid, epoch, "t", 0)
	c.initTxn("fresh", 60000)
	time.Sleep(20 * time.Millisecond)
	list := func(durationMs int64) string {
		r := c.roundTrip(66, 1, true, func(w *writer) {
			w.Strings([]string{})
			w.ArrayLen(0)
			w.Int64(durationMs)
			w.Tags()
		})
		r.Int32() // throttle
		r.Int16()
		r.Strings()
		var ids []string
		readArray(r, func(r *reader) int {
			id, _, state := r.String(), r.Int64(), r.String()
			ids = append(ids, id+" "+state)
			r.SkipTags()
			return 0
		})
		if r.err != nil {
			t.Fatal(r.err)
		}
		return fmt.Sprint(ids)
	}
	if got, want := list(0), "[done CompleteCommit fresh Empty open Ongoing]"; got != want {
		t.Errorf("DurationFilter 0: %s, want %s", got, want)
	}
	if got, want := list(3600000), "[fresh Empty]"; got != want {
		t.Errorf("DurationFilter 1h: %s, want %s", got, want)
	}
	r := c.roundTrip(65, 0, true, func(w *writer) {
		w.Strings([]string{"done", "fresh"})
		w.Tags()
	})
	r.Int32() // throttle
	var starts []string
	readArray(r, func(r *reader) int {
		r.Int16()
		id, _, _, start := r.String(), r.String(), r.Int32(), r.Int64()
		starts = append(starts, fmt.Sprintf("%s %v", id, start > 0))
		r.Int64()
		r.Int16()
		readArray(r, func(r *reader) int { _, _ = r.String(), r.Int32s(); r.SkipTags(); return 0 })
		r.SkipTags()
		return 0
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got := fmt.Sprint(starts); got != "[done true fresh false]" {
		t.Errorf("DescribeTransactions start known: %s, want [done true fresh false]", got)
	}
}

// TestDescribeBrokerConfigsUnsetAsKafka: the broker configs Kafka's
// KafkaConfig defines without a default (log.retention.ms and minutes,
// log.roll.ms, log.roll.jitter.ms) are described with a null value and
// the coarser config in force as their synonym, as Kafka's
// ConfigHelper describes them.
func TestDescribeBrokerConfigsUnsetAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	names := []string{"log.retention.minutes", "log.retention.ms", "log.roll.jitter.ms", "log.roll.ms"}
	res := c.describeConfigs(4, resourceBroker, fmt.Sprint(tb.cfg.NodeID), names, true, false)
	var got []string
	for _, e := range res.Configs {
		s := fmt.Sprintf("%s=%v", e.Name, e.Value)
		for _, syn := range e.Synonyms {
			s += fmt.Sprintf(" [%s=%s %d]", syn.Name, deref(syn.Value), syn.Source)
		}
		got = append(got, s)
	}
	want := "[log.retention.minutes=<nil> [log.retention.hours=168 5] log.retention.ms=<nil> [log.retention.hours=168 5] " +
		"log.roll.jitter.ms=<nil> [log.roll.jitter.hours=0 5] log.roll.ms=<nil> [log.roll.hours=168 5]]"
	if fmt.Sprint(got) != want {
		t.Errorf("broker configs\n%v\nwant\n%s", got, want)
	}
}

// TestAlterScramRefusalsAsKafka: AlterUserScramCredentials refuses an
// unknown mechanism and iterations out of bounds in the words of Kafka's
// ScramControlManager.
func TestAlterScramRefusalsAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	type upsert struct {
		user       string
		mech       int8
		iterations int32
	}
	r := c.roundTrip(51, 0, true, func(w *writer) {
		w.ArrayLen(0)
		writeArrayNonNull(w, []upsert{{"a", 9, 8192}, {"b", 1, 100}, {"c", 1, 1 << 20}}, func(w *writer, u upsert) {
			w.String(u.user)
			w.Int8(u.mech)
			w.Int32(u.iterations)
			w.Bytes([]byte("salt"))
			w.Bytes(make([]byte, 32))
			w.Tags()
		})
		w.Tags()
	})
	r.Int32() // throttle
	var got []string
	readArray(r, func(r *reader) int {
		user, code, msg := r.String(), r.Int16(), r.NullableString()
		got = append(got, user+" "+outcome(code, msg))
		r.SkipTags()
		return 0
	})
	wantResults(t, r, got, "[a 33 Unknown SCRAM mechanism b 93 Too few iterations c 93 Too many iterations]")
}

// TestCreateTopicsValidateOnlyTopicID: a ValidateOnly creation that
// would succeed answers a topic id, a fresh random one each time, and
// makes nothing, as ReplicationControlManager.createTopic draws the id
// before createTopics drops the records of a validate-only request; a
// refused one answers the zero id.
func TestCreateTopicsValidateOnlyTopicID(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	topic := []creatableTopic{{Name: "v", NumPartitions: 1, ReplicationFactor: 1}}
	first, second := c.createTopicsRaw(topic, true)[0], c.createTopicsRaw(topic, true)[0]
	if first.ErrorCode != codeNone || first.TopicID == (uuid{}) || first.TopicID == second.TopicID {
		t.Errorf("validate only: code %d, ids %v and %v; want NONE and two different ids", first.ErrorCode, first.TopicID, second.TopicID)
	}
	if tb.logs.Topic("v") != nil {
		t.Error("a validate-only request created the topic")
	}
	bad := c.createTopicsRaw([]creatableTopic{{Name: "v", NumPartitions: 0, ReplicationFactor: 1}}, true)[0]
	if bad.ErrorCode == codeNone || bad.TopicID != (uuid{}) {
		t.Errorf("a refused validate-only topic: code %d id %v, want an error and the zero id", bad.ErrorCode, bad.TopicID)
	}
}

// TestDescribeConfigsUnknownTypeFailsEveryResource: a DescribeConfigs
// naming a resource of a type Kafka does not know fails as a whole:
// ConfigHelper.handleDescribeConfigsRequest throws InvalidRequestException
// for it, and DescribeConfigsRequest.getErrorResponse answers every
// resource, the good ones too, INVALID_REQUEST with the code's default
// message and no configs, also under the authorizer, whose ACLs are never
// asked.
func TestDescribeConfigsUnknownTypeFailsEveryResource(t *testing.T) {
	type resource struct {
		typ  int8
		name string
	}
	describe := func(c *testClient, resources ...resource) []string {
		r := c.roundTrip(32, 4, true, func(w *writer) {
			writeArrayNonNull(w, resources, func(w *writer, res resource) {
				w.Int8(res.typ)
				w.String(res.name)
				w.ArrayLen(-1)
				w.Tags()
			})
			w.Bool(false)
			w.Bool(false)
			w.Tags()
		})
		r.Int32() // ThrottleTimeMs
		results := readArray(r, func(r *reader) string {
			code, msg, typ, name := r.Int16(), r.NullableString(), r.Int8(), r.String()
			configs := readArray(r, func(r *reader) string {
				name := r.String()
				r.NullableString()
				r.Bool()
				r.Int8()
				r.Bool()
				readArray(r, func(r *reader) string { s := r.String(); r.NullableString(); r.Int8(); r.SkipTags(); return s })
				r.Int8()
				r.NullableString()
				r.SkipTags()
				return name
			})
			r.SkipTags()
			return fmt.Sprintf("%d/%s %d %q %d", typ, name, code, deref(msg), len(configs))
		})
		r.SkipTags()
		if err := r.complete(); err != nil {
			t.Fatal(err)
		}
		return results
	}
	want := func(resources ...resource) []string {
		var out []string
		for _, res := range resources {
			out = append(out, fmt.Sprintf("%d/%s %d %q 0", res.typ, res.name, codeInvalidRequest, invalidRequestMessage))
		}
		return out
	}
	topic, unknown, zero := resource{resourceTopic, "p"}, resource{99, "x"}, resource{0, "y"}

	_, c := startWithTopic(t, "p", 1)
	for _, resources := range [][]resource{{topic, unknown}, {unknown, topic}, {zero, topic}} {
		if got := describe(c, resources...); fmt.Sprint(got) != fmt.Sprint(want(resources...)) {
			t.Errorf("describe %v:\n got %q\nwant %q", resources, got, want(resources...))
		}
	}

	// alice may describe nothing: the unknown type still fails every
	// resource, and none is refused TOPIC_AUTHORIZATION_FAILED.
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	resp := ab.as("User:alice", 32, 4, &describeConfigsRequest{Resources: []describeConfigsResource{
		{ResourceType: resourceTopic, ResourceName: "p"}, {ResourceType: 99, ResourceName: "x"},
	}}).(*describeConfigsResponse)
	var got []string
	for _, r := range resp.Results {
		got = append(got, fmt.Sprintf("%d/%s %d %q %d", r.ResourceType, r.ResourceName, r.ErrorCode, deref(r.ErrorMessage), len(r.Configs)))
	}
	if w := want(topic, unknown); fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("under the authorizer:\n got %q\nwant %q", got, w)
	}
}

// TestCleanupPolicyRefusalAsKafka: a cleanup.policy with an item other
// than compact or delete is refused naming that item, not the whole
// value: Kafka's ConfigDef.ValidList hands each item of the parsed list
// to ValidString, whose ConfigException carries the item.
func TestCleanupPolicyRefusalAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	const why = " for configuration cleanup.policy: String must be one of: compact, delete"
	for value, want := range map[string]string{
		"delete , bogus":  "40 Invalid value bogus" + why,
		"compact,":        "40 Invalid value " + why,
		"compact, delete": "0 <nil>",
	} {
		res := c.createTopicsRaw([]creatableTopic{{Name: "t", NumPartitions: 1, ReplicationFactor: 1,
			Configs: []creatableTopicConfig{{"cleanup.policy", ptr(value)}}}}, true)
		if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != want {
			t.Errorf("cleanup.policy %q: %s\nwant %s", value, got, want)
		}
	}
}

// TestThrottledReplicasRefusalAsKafka: the throttled-replica lists take
// what Kafka's ThrottledReplicaListValidator takes (every item digits:digits
// or empty, or the items together just "*") and refuse the rest in its
// words, which name the parsed list as Java prints it and the config.
func TestThrottledReplicasRefusalAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	const name = "leader.replication.throttled.replicas"
	const why = " for configuration " + name + ": " + name +
		" must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."
	for value, want := range map[string]string{
		"x":             "40 Invalid value [x]" + why,
		" 0:1 , 1 :2 ":  "40 Invalid value [0:1, 1 :2]" + why,
		"*,0:1":         "40 Invalid value [*, 0:1]" + why,
		"-1:0":          "40 Invalid value [-1:0]" + why,
		"0:99999999999": "0 <nil>",
		"*,":            "0 <nil>",
		"0:1,,1:1":      "0 <nil>",
	} {
		res := c.createTopicsRaw([]creatableTopic{{Name: "t", NumPartitions: 1, ReplicationFactor: 1,
			Configs: []creatableTopicConfig{{name, ptr(value)}}}}, true)
		if got := outcome(res[0].ErrorCode, res[0].ErrorMessage); got != want {
			t.Errorf("%s %q: %s\nwant %s", name, value, got, want)
		}
	}
}

// TestCreateTopicsClusterMetadataAsKafka: ControllerApis.createTopics
// answers __cluster_metadata before it asks the authorizer, so a
// principal that may create nothing still gets INVALID_REQUEST, and it
// adds the answer after the controller's and the duplicates'.
func TestCreateTopicsClusterMetadataAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	topics := func(names ...string) []creatableTopic {
		var ts []creatableTopic
		for _, n := range names {
			ts = append(ts, creatableTopic{Name: n, NumPartitions: 1, ReplicationFactor: 1})
		}
		return ts
	}
	for _, tc := range []struct {
		principal string
		names     []string
		want      string
	}{
		{"User:alice", []string{clusterMetadataTopic}, "[__cluster_metadata 42]"},
		{"User:admin", []string{clusterMetadataTopic, "d", "ok", "d"}, "[ok 0 d 42 __cluster_metadata 42]"},
	} {
		resp := ab.as(tc.principal, 19, 7, &createTopicsRequest{TimeoutMs: 1000, ValidateOnly: true, Topics: topics(tc.names...)}).(*createTopicsResponse)
		var got []string
		for _, r := range resp.Topics {
			got = append(got, fmt.Sprintf("%s %d", r.Name, r.ErrorCode))
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("%s creating %v: %v, want %s", tc.principal, tc.names, got, tc.want)
		}
	}
}
