package kafka

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"
)

// sessionPart is one partition in a session test's fetch: a topic, a
// partition and the offset to fetch from.
type sessionPart struct {
	topic     string
	partition int32
	offset    int64
}

// sessionAnswer is a fetch response as the session tests look at it: the
// top-level error, the SessionId, and the partitions answered, in order,
// as "topic/partition", each with its error, high watermark and record
// bytes.
type sessionAnswer struct {
	code    int16
	session int32
	order   []string
	parts   map[string]sessionPartAnswer
}

type sessionPartAnswer struct {
	code    int16
	hw      int64
	records int
}

// sessionFetch sends a Fetch at version v (12, by topic name, or 13, by
// topic id) with the session fields, the partitions to add or update and
// the partitions to forget, and waits at most 10ms for data.
func (c *testClient) sessionFetch(b *testBroker, v int16, id, epoch int32, parts []sessionPart, forget []sessionPart) sessionAnswer {
	c.t.Helper()
	return c.sessionFetchWaiting(b, v, id, epoch, parts, forget, 10*time.Millisecond)
}

// sessionFetchWaiting is sessionFetch with MaxWaitMs maxWait.
func (c *testClient) sessionFetchWaiting(b *testBroker, v int16, id, epoch int32, parts []sessionPart, forget []sessionPart, maxWait time.Duration) sessionAnswer {
	c.t.Helper()
	topicField := func(w *writer, topic string) {
		if v <= 12 {
			w.String(topic)
			return
		}
		var id uuid
		if t := b.logs.Topic(topic); t != nil {
			id = t.ID
		}
		w.UUID(id)
	}
	r := c.roundTrip(1, v, true, func(w *writer) {
		w.Int32(-1) // ReplicaId
		w.Int32(int32(maxWait.Milliseconds()))
		w.Int32(1) // MinBytes
		w.Int32(1 << 20)
		w.Int8(readUncommitted)
		w.Int32(id)
		w.Int32(epoch)
		w.ArrayLen(len(parts))
		for _, p := range parts {
			topicField(w, p.topic)
			w.ArrayLen(1)
			w.Int32(p.partition)
			w.Int32(-1) // CurrentLeaderEpoch
			w.Int64(p.offset)
			w.Int32(-1) // LastFetchedEpoch
			w.Int64(-1) // LogStartOffset
			w.Int32(1 << 20)
			w.Tags()
			w.Tags()
		}
		w.ArrayLen(len(forget))
		for _, p := range forget {
			topicField(w, p.topic)
			w.Int32s([]int32{p.partition})
			w.Tags()
		}
		w.String("") // RackId
		w.Tags()
	})
	a := sessionAnswer{parts: map[string]sessionPartAnswer{}}
	r.Int32() // ThrottleTimeMs
	a.code, a.session = r.Int16(), r.Int32()
	for range r.ArrayLen() {
		var topic string
		if v <= 12 {
			topic = r.String()
		} else {
			if t := b.logs.TopicByID(r.UUID()); t != nil {
				topic = t.Name
			}
		}
		for range r.ArrayLen() {
			partition, code, hw := r.Int32(), r.Int16(), r.Int64()
			r.Int64() // LastStableOffset
			r.Int64() // LogStartOffset
			for range r.ArrayLen() {
				r.Int64()
				r.Int64()
				r.SkipTags()
			}
			r.Int32() // PreferredReadReplica
			records := r.Bytes()
			r.SkipTags()
			key := fmt.Sprintf("%s/%d", topic, partition)
			a.order = append(a.order, key)
			a.parts[key] = sessionPartAnswer{code, hw, len(records)}
		}
		r.SkipTags()
	}
	r.SkipTags()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return a
}

// TestFetchSessionAddUpdateForget follows one session through KIP-227's
// life: opened by a full fetch, then incremental fetches that update an
// offset, add a partition, forget partitions, and answer only the
// partitions that changed, until forgetting the last one closes it.
func TestFetchSessionAddUpdateForget(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("s", 3)
	produce := func(p int32) {
		t.Helper()
		if code, _ := c.produce("s", p, makeBatch(testRecord{1, "v"})); code != codeNone {
			t.Fatalf("produce to %d: %d", p, code)
		}
	}
	expect := func(step string, a sessionAnswer, wantSession int32, want ...string) {
		t.Helper()
		if a.code != codeNone || a.session != wantSession || !slices.Equal(a.order, want) {
			t.Fatalf("%s: error %d, SessionId %d, partitions %v; want no error, SessionId %d, partitions %v",
				step, a.code, a.session, a.order, wantSession, want)
		}
	}
	produce(0)

	a := c.sessionFetch(b, 12, 0, 0, []sessionPart{{"s", 0, 0}, {"s", 1, 0}}, nil)
	if a.session == 0 {
		t.Fatal("full fetch at epoch 0: no session opened")
	}
	id := a.session
	expect("full fetch", a, id, "s/0", "s/1")
	if p := a.parts["s/0"]; p.records == 0 || p.hw != 1 {
		t.Fatalf("full fetch: s/0 %+v, want its record and high watermark 1", p)
	}

	// Update: s/0 consumed to 1. Nothing is new: nothing is answered.
	expect("update s/0", c.sessionFetch(b, 12, id, 1, []sessionPart{{"s", 0, 1}}, nil), id)

	// A produce to s/1, whose offset the session remembers as 0.
	produce(1)
	a = c.sessionFetch(b, 12, id, 2, nil, nil)
	expect("after produce to s/1", a, id, "s/1")
	if p := a.parts["s/1"]; p.records == 0 || p.hw != 1 {
		t.Fatalf("after produce to s/1: %+v, want its record and high watermark 1", p)
	}

	// Add s/2, never sent: answered once for its high watermark. s/1
	// consumed to 1.
	a = c.sessionFetch(b, 12, id, 3, []sessionPart{{"s", 2, 0}, {"s", 1, 1}}, nil)
	expect("add s/2", a, id, "s/2")
	expect("unchanged", c.sessionFetch(b, 12, id, 4, nil, nil), id)

	// Forget s/0; a produce to it is no longer the session's business.
	a = c.sessionFetch(b, 12, id, 5, nil, []sessionPart{{"s", 0, 0}})
	expect("forget s/0", a, id)
	produce(0)
	expect("produce to forgotten s/0", c.sessionFetch(b, 12, id, 6, nil, nil), id)

	// A partition that does not exist is added with its error, which is
	// sent on every fetch.
	for epoch := int32(7); epoch <= 8; epoch++ {
		var add []sessionPart
		if epoch == 7 {
			add = []sessionPart{{"s", 9, 0}}
		}
		a = c.sessionFetch(b, 12, id, epoch, add, nil)
		expect(fmt.Sprintf("epoch %d, s/9 missing", epoch), a, id, "s/9")
		if a.parts["s/9"].code != codeUnknownTopicOrPartition {
			t.Fatalf("epoch %d: s/9 error %d, want UNKNOWN_TOPIC_OR_PARTITION", epoch, a.parts["s/9"].code)
		}
	}

	// Forgetting every partition closes the session; the fetch is answered
	// sessionless.
	a = c.sessionFetch(b, 12, id, 9, nil, []sessionPart{{"s", 1, 0}, {"s", 2, 0}, {"s", 9, 0}})
	expect("forget all", a, 0)
	if a = c.sessionFetch(b, 12, id, 10, nil, nil); a.code != codeFetchSessionIDNotFound {
		t.Fatalf("after the session closed: error %d, want FETCH_SESSION_ID_NOT_FOUND", a.code)
	}
}

// TestFetchSessionRotation checks that partitions that returned records
// move to the end of the session's order, so that the next response
// starts with the partitions behind them.
// TestFullFetchRepeatedPartition: a partition named twice in a full
// fetch is read once, at its first place and from the last offset given,
// as Kafka's FetchRequest.fetchData collects partitions into a
// LinkedHashMap; partitions of a topic that then follow one another are
// answered under one topic, as FetchResponse.of groups them. Read once
// per mention, a 600 KB request of one partition named 20,000 times was
// answered with 31 MB of the same records. Both a sessionless fetch and
// one that opens a session are checked, by name (v12) and by id (v13).
func TestFullFetchRepeatedPartition(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("t", 2)
	c.createTopic("u", 1)
	c.mustProduce("t", 0, makeBatch(testRecord{1, "a"}))
	c.mustProduce("t", 0, makeBatch(testRecord{2, "b"}))
	once := c.sessionFetch(b, 12, 0, -1, []sessionPart{{"t", 0, 1}}, nil).parts["t/0"].records
	for _, v := range []int16{12, 13} {
		for _, epoch := range []int32{-1, 0} {
			a := c.sessionFetch(b, v, 0, epoch, []sessionPart{{"t", 0, 0}, {"u", 0, 0}, {"t", 0, 1}, {"u", 0, 0}, {"t", 1, 0}}, nil)
			if a.code != codeNone || !slices.Equal(a.order, []string{"t/0", "u/0", "t/1"}) {
				t.Errorf("v%d epoch %d: error %d, partitions %v; want t/0 u/0 t/1", v, epoch, a.code, a.order)
			}
			if got := a.parts["t/0"].records; got != once {
				t.Errorf("v%d epoch %d: t/0 answered with %d record bytes, want the %d from offset 1", v, epoch, got, once)
			}
		}
	}
}

func TestFetchSessionRotation(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("r", 3)
	produceAll := func() {
		t.Helper()
		for p := range int32(3) {
			c.mustProduce("r", p, makeBatch(testRecord{1, "v"}))
		}
	}
	produceAll()
	a := c.sessionFetch(b, 12, 0, 0, []sessionPart{{"r", 0, 0}, {"r", 1, 0}, {"r", 2, 0}}, nil)
	id := a.session
	// r/1 and r/2 consumed; r/0 is fetched from 0 again and returns its
	// record, which sends it to the back: r/1, r/2, r/0.
	a = c.sessionFetch(b, 12, id, 1, []sessionPart{{"r", 1, 1}, {"r", 2, 1}}, nil)
	if !slices.Equal(a.order, []string{"r/0"}) {
		t.Fatalf("epoch 1: partitions %v, want [r/0]", a.order)
	}
	produceAll()
	a = c.sessionFetch(b, 12, id, 2, []sessionPart{{"r", 0, 1}}, nil)
	if want := []string{"r/1", "r/2", "r/0"}; !slices.Equal(a.order, want) {
		t.Fatalf("epoch 2: partitions %v, want %v", a.order, want)
	}
}

// TestFetchSessionEpochErrors checks the errors of rule 2: an unknown id,
// a wrong epoch (which leaves the session usable at the right one), and a
// session opened by name used by id; then that a FINAL full fetch closes
// the session it names.
func TestFetchSessionEpochErrors(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("e", 1)
	id := c.sessionFetch(b, 12, 0, 0, []sessionPart{{"e", 0, 0}}, nil).session
	if id == 0 {
		t.Fatal("no session opened")
	}
	for _, tc := range []struct {
		name      string
		v         int16
		id, epoch int32
		want      int16
	}{
		{"unknown id", 12, id + 1, 1, codeFetchSessionIDNotFound},
		{"epoch from the past", 12, id, 0 + 5, codeInvalidFetchSessionEpoch},
		{"epoch from the future", 12, id, 2, codeInvalidFetchSessionEpoch},
		{"by id in a session by name", 13, id, 1, codeFetchSessionTopicIDError},
		{"right epoch", 12, id, 1, codeNone},
		{"same epoch again", 12, id, 1, codeInvalidFetchSessionEpoch},
		{"next epoch", 12, id, 2, codeNone},
	} {
		a := c.sessionFetch(b, tc.v, tc.id, tc.epoch, nil, nil)
		wantSession := id
		if tc.want != codeNone {
			wantSession = 0
		}
		if a.code != tc.want || a.session != wantSession || len(a.order) != 0 {
			t.Errorf("%s: error %d, SessionId %d, %d partitions; want error %d, SessionId %d, none",
				tc.name, a.code, a.session, len(a.order), tc.want, wantSession)
		}
	}

	// A session opened by id (v13) refuses a request by name.
	idV13 := c.sessionFetch(b, 13, 0, 0, []sessionPart{{"e", 0, 0}}, nil).session
	if a := c.sessionFetch(b, 12, idV13, 1, nil, nil); a.code != codeFetchSessionTopicIDError {
		t.Errorf("by name in a session by id: error %d, want FETCH_SESSION_TOPIC_ID_ERROR", a.code)
	}
	if a := c.sessionFetch(b, 13, idV13, 1, nil, nil); a.code != codeNone || a.session != idV13 {
		t.Errorf("by id in a session by id: error %d, SessionId %d; want none, %d", a.code, a.session, idV13)
	}

	// FINAL closes the named session and opens none.
	if a := c.sessionFetch(b, 12, id, finalSessionEpoch, []sessionPart{{"e", 0, 0}}, nil); a.code != codeNone || a.session != 0 {
		t.Fatalf("FINAL: error %d, SessionId %d; want none, 0", a.code, a.session)
	}
	if a := c.sessionFetch(b, 12, id, 3, nil, nil); a.code != codeFetchSessionIDNotFound {
		t.Errorf("after FINAL: error %d, want FETCH_SESSION_ID_NOT_FOUND", a.code)
	}
}

func TestNextSessionEpoch(t *testing.T) {
	for _, tc := range [][2]int32{{0, 1}, {1, 2}, {1<<31 - 1, 1}, {-1, -1}} {
		if got := nextSessionEpoch(tc[0]); got != tc[1] {
			t.Errorf("nextSessionEpoch(%d) = %d, want %d", tc[0], got, tc[1])
		}
	}
}

// TestFetchSessionEviction drives the cache's clock through Kafka's
// eviction rules: a full cache refuses a new session while its sessions
// are young; a session unused for longer than the eviction time goes
// first; then the smallest session old enough to be evictable goes, but
// only for a larger one.
func TestFetchSessionEviction(t *testing.T) {
	c := newFetchSessionCache(2, time.Minute)
	t0 := time.Unix(1_000_000, 0)
	now := t0
	c.now = func() time.Time { return now }
	open := func(size int) int32 {
		return c.create(size, false, func(s *fetchSession) {
			for p := range size {
				s.add(sessionKey{topic: "t", partition: int32(p)}, fetchPartition{Partition: int32(p)})
			}
		})
	}
	use := func(id int32) {
		s := c.get(id)
		if s == nil {
			t.Fatalf("session %d evicted", id)
		}
		c.touch(s, len(s.partitions), now)
	}
	a, bID := open(5), open(3)
	if a == 0 || bID == 0 {
		t.Fatal("sessions not opened in an empty cache")
	}
	now = t0.Add(time.Second)
	if id := open(10); id != 0 {
		t.Fatalf("a full cache of young sessions opened session %d", id)
	}
	now = t0.Add(30 * time.Second)
	use(bID)

	// a was last used 61s ago: stale, evicted whatever its size.
	now = t0.Add(61 * time.Second)
	cID := open(1)
	if cID == 0 || c.get(a) != nil || c.get(bID) == nil {
		t.Fatalf("stale eviction: new %d, a kept %v, b kept %v; want a new session in a's place", cID, c.get(a) != nil, c.get(bID) != nil)
	}

	// b, 62s old at its last use, is evictable, by a larger session only.
	now = t0.Add(62 * time.Second)
	use(bID)
	now = t0.Add(70 * time.Second)
	for _, size := range []int{2, 3} {
		if id := open(size); id != 0 {
			t.Fatalf("a session of %d evicted one of 3", size)
		}
	}
	if id := open(4); id == 0 || c.get(bID) != nil || c.get(cID) == nil {
		t.Fatalf("size eviction: new %d, b kept %v, c kept %v; want b evicted", id, c.get(bID) != nil, c.get(cID) != nil)
	}
	if c.len() != 2 || c.evictions != 2 {
		t.Fatalf("%d sessions, %d evictions; want 2, 2", c.len(), c.evictions)
	}
}

// TestFetchSessionCacheFull checks the slot limit through the broker: with
// one slot taken by a young session, the next consumer's INITIAL fetch is
// answered as a full fetch with SessionId 0; with sessions off, every one
// is.
func TestFetchSessionCacheFull(t *testing.T) {
	for _, tc := range []struct {
		slots int
		want  []bool // whether each of two consumers gets a session
	}{{1, []bool{true, false}}, {-1, []bool{false, false}}} {
		b := startBrokerWith(t, Config{DataDir: t.TempDir(), FetchSessionCacheSlots: tc.slots})
		c := dial(t, b.addr)
		c.createTopic("f", 1)
		for i, want := range tc.want {
			a := c.sessionFetch(b, 12, 0, 0, []sessionPart{{"f", 0, 0}}, nil)
			if a.code != codeNone || (a.session != 0) != want || len(a.order) != 1 {
				t.Errorf("slots %d, consumer %d: error %d, SessionId %d, %d partitions; want a session %v and the partition",
					tc.slots, i, a.code, a.session, len(a.order), want)
			}
		}
	}
}

// BenchmarkFetchSession is one fetch of a consumer of 1,000 partitions
// that has read everything, through the connection's loop: full, naming
// every partition without a session, and incremental, in a session,
// naming none. The benchmark's point is the ratio of the two.
func BenchmarkFetchSession(b *testing.B) {
	br, err := Open(Config{DataDir: b.TempDir(), Logger: discardLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer br.logs.Close()
	const partitions = 1000
	if _, err := br.logs.CreateTopic("wide", partitions); err != nil {
		b.Fatal(err)
	}
	frame := func(id, epoch int32, all bool) []byte {
		w := &writer{buf: make([]byte, 4)}
		w.Int16(1)
		w.Int16(12)
		w.Int32(1)
		w.NullableString(ptr("bench"))
		w.flexible = true
		w.Tags()
		w.Int32(-1)
		w.Int32(0) // MaxWaitMs
		w.Int32(0) // MinBytes
		w.Int32(50 << 20)
		w.Int8(readUncommitted)
		w.Int32(id)
		w.Int32(epoch)
		if all {
			w.ArrayLen(1)
			w.String("wide")
			w.ArrayLen(partitions)
			for p := range int32(partitions) {
				w.Int32(p)
				w.Int32(-1)
				w.Int64(0)
				w.Int32(-1)
				w.Int64(-1)
				w.Int32(1 << 20)
				w.Tags()
			}
			w.Tags()
		} else {
			w.ArrayLen(0)
		}
		w.ArrayLen(0)
		w.String("")
		w.Tags()
		binary.BigEndian.PutUint32(w.buf, uint32(len(w.buf)-4))
		return w.buf[4:]
	}
	var out bytes.Buffer
	c := &conn{broker: br, w: bufio.NewWriter(&out)}
	ctx := context.Background()
	b.Run("full", func(b *testing.B) {
		f := frame(0, -1, true)
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if err := c.handle(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("incremental", func(b *testing.B) {
		out.Reset()
		if err := c.handle(ctx, frame(0, 0, true)); err != nil {
			b.Fatal(err)
		}
		var id int32
		for _, s := range br.fetchSessions.sessions {
			id = s.id
		}
		epoch := int32(1)
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			if err := c.handle(ctx, frame(id, epoch, false)); err != nil {
				b.Fatal(err)
			}
			epoch++
		}
		if out.Len() > 64 {
			b.Fatalf("incremental fetch answered %d bytes; want an empty session response", out.Len())
		}
	})
}
