// This file is client quotas: limits on how fast a client may produce,
// fetch, or keep the broker busy, set with AlterClientQuotas
// (kafka-configs.sh, kadm, AdminClient.alterClientQuotas), read back
// with DescribeClientQuotas, kept in the data dir, and enforced on every
// request. It is in Part IV, operations, and assumes the connection loop of
// kafka.go and the Produce and Fetch handlers.
//
// A quota is a value for a key on an entity. The entity names a user, a
// client id, both, or an IP; a null name means "the default for every
// user" (or client id) that has no quota of its own. The keys enforced
// here are Kafka's three (QuotaConfig):
//
//	producer_byte_rate   bytes per second of Produce requests
//	consumer_byte_rate   bytes per second of Fetch responses
//	request_percentage   percent of one request thread's time, per second
//
// controller_mutation_rate and the IP entity's connection_creation_rate
// are accepted and stored, as Kafka accepts them, but not enforced.
//
// Which quota applies to a request is decided per key, in the order of
// Kafka's DefaultQuotaCallback, first match wins:
//
//	1 user=U, client-id=C          5 user=<default>, client-id=<default>
//	2 user=U, client-id=<default>  6 user=<default>
//	3 user=U                       7 client-id=C
//	4 user=<default>, client-id=C  8 client-id=<default>
//
// U is the name of the connection's principal (security.go): the SASL
// user, the subject of a TLS client certificate, or, as in Kafka on a
// listener without either, ANONYMOUS. The match also says who shares a rate: a quota on the user
// alone (3, 6) is shared by all of the user's client ids; under any other
// each client id has a rate of its own (ClientQuotaManager.quotaMetricTags).
//
// How a quota is enforced, after ClientQuotaManager and KIP-219: every
// request adds its bytes (or thread time) to a rate kept in
// QuotaWindowNum samples of QuotaWindowSize each. When the rate is over the
// quota, the broker still answers, but with throttle_time_ms set to how
// long the client must stay idle for the rate to come back to the quota:
//
//	throttle = (rate - quota) / quota * window
//
// where window is the time the rate is measured over, never less than
// QuotaWindowNum-1 windows. Then it mutes the connection, reading nothing
// more from it, for that long. Clients that know KIP-219 pace themselves by
// the throttle time; older ones are paced by the muted socket. A throttled
// Fetch is answered empty (and its bytes are not counted), as Kafka
// answers it, and Fetch asks for no more than a quota window's worth of
// bytes to begin with. Request-time throttles are capped at one window.
//
// Where we differ from Kafka: a Fetch over its request_percentage quota
// (but not its byte rate) still carries its records, with the throttle
// time; Kafka empties it too. The request's time is only known once the
// handler has run, and the connection is muted all the same.
//
// Design note: the quotas live in the data dir in client-quotas.json,
// replaced atomically on every change. Kafka keeps them in its metadata
// log; a file is the smallest thing that survives a restart.

package kafka

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Quota entity types and keys (ClientQuotaEntity, QuotaConfig).
const (
	// The spellings are Kafka's (ClientQuotaEntity, QuotaConfig):
	// kafka-configs.sh and the admin clients send them verbatim, and
	// any other spelling would be refused as an unknown type or key.
	quotaUser     = "user"
	quotaClientID = "client-id"
	quotaIP       = "ip"

	producerByteRate       = "producer_byte_rate"
	consumerByteRate       = "consumer_byte_rate"
	requestPercentage      = "request_percentage"
	controllerMutationRate = "controller_mutation_rate"
	connectionCreationRate = "connection_creation_rate"
)

// anonymousUser is the user of a connection that has not logged in:
// Kafka's KafkaPrincipal.ANONYMOUS.
const anonymousUser = "ANONYMOUS"

// clientQuotasFile holds the quotas in the data dir.
const clientQuotasFile = "client-quotas.json"

// userClientQuotaKeys and ipQuotaKeys say, for each key of the user and
// client-id entities and of the IP entity, whether its value must be a whole number (Kafka's
// LONG and INT keys) or may be fractional (DOUBLE).
// The types follow Kafka's QuotaConfig: the byte rates are LONG,
// request_percentage and controller_mutation_rate DOUBLE, and the IP
// entity's connection_creation_rate INT.
var (
	userClientQuotaKeys = map[string]bool{producerByteRate: true, consumerByteRate: true, requestPercentage: false, controllerMutationRate: false}
	ipQuotaKeys         = map[string]bool{connectionCreationRate: true}
)

// quotaName is one component of an entity: absent, the default (a null
// name on the wire), or a name.
type quotaName struct {
	// present and isDefault are apart because "user=<default>" alone and
	// "user=<default>, client-id=<default>" are different entities, each a
	// row of the precedence table in the file comment.
	present   bool
	isDefault bool
	name      string
}

// wire is the name as AlterClientQuotas and DescribeClientQuotas carry it:
// Kafka's ClientQuotaEntity spells <default> as a null name.
func (n quotaName) wire() *string {
	if n.isDefault {
		return nil
	}
	return &n.name
}

// quotaEntity is a user, client id and IP, each perhaps absent. It is
// comparable, so it keys the quota map.
type quotaEntity struct {
	user, clientID, ip quotaName
}

// component returns a pointer to the entity's component of a type, or nil
// for a type Kafka does not know.
func (e *quotaEntity) component(typ string) *quotaName {
	switch typ {
	case quotaUser:
		return &e.user
	case quotaClientID:
		return &e.clientID
	case quotaIP:
		return &e.ip
	}
	return nil
}

// entityData lists the entity's components in wire form.
func (e quotaEntity) entityData() []quotaEntityData {
	out := []quotaEntityData{}
	for _, typ := range []string{quotaUser, quotaClientID, quotaIP} {
		if c := e.component(typ); c.present {
			out = append(out, quotaEntityData{EntityType: typ, EntityName: c.wire()})
		}
	}
	return out
}

// parseQuotaEntity checks an entity from AlterClientQuotas as
// ClientQuotaControlManager.validateEntity and configKeysForEntityType do,
// but for the lookup of an IP entity's host name (unresolvedIP), and
// returns the keys it may have. The message is "" when it is valid.
func parseQuotaEntity(data []quotaEntityData) (quotaEntity, map[string]bool, string) {
	var e quotaEntity
	if len(data) == 0 {
		return e, nil, "Invalid empty client quota entity"
	}
	for _, d := range data {
		c := e.component(d.EntityType)
		switch {
		case c == nil:
			return e, nil, "Unhandled client quota entity type: " + d.EntityType
		case c.present:
			return e, nil, "Invalid client quota entity, duplicate entity entry " + d.EntityType
		case d.EntityName != nil && *d.EntityName == "":
			return e, nil, "Empty " + d.EntityType + " not supported"
		}
		*c = quotaName{present: true, isDefault: d.EntityName == nil, name: deref(d.EntityName)}
	}
	// Kafka keeps IP quotas apart from user and client-id ones: they limit
	// new connections per address in the SocketServer's ConnectionQuotas,
	// before any user is known, so a mixed entity could never match
	// anything.
	if e.ip.present {
		if e.user.present || e.clientID.present {
			// Kafka's message, without the space its source forgets
			// between "should" and "not".
			return e, nil, "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId"
		}
		return e, ipQuotaKeys, ""
	}
	return e, userClientQuotaKeys, ""
}

// unresolvedIP is configKeysForEntityType's last check, which only alter
// makes: an IP entity names an address or a host name that resolves. The
// start does not look the name up again: a resolver down or slow then, or
// a name since gone from DNS, says nothing of the file, and refusing it
// would stop the broker with a damaged file's advice, to move it away and
// lose every quota in it. Kafka does not check a quota it replays either.
func unresolvedIP(e quotaEntity) string {
	if e.ip.present && !e.ip.isDefault && !resolvableIP(e.ip.name) {
		return e.ip.name + " is not a valid IP or resolvable host."
	}
	return ""
}

// resolvableIP is ClientQuotaControlManager.isValidIpEntity: an IP
// address, or a name that resolves, as InetAddress.getByName takes both.
// The lookup is bounded, so that a slow resolver cannot hold the request.
func resolvableIP(name string) bool {
	if net.ParseIP(name) != nil {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	return err == nil && len(addrs) > 0
}

// checkQuotaValue is ClientQuotaControlManager.validateQuotaKeyValue.
func checkQuotaValue(keys map[string]bool, key string, value float64) string {
	integral, ok := keys[key]
	switch {
	case !ok:
		return "Invalid configuration key " + key
	// Written as !(value > 0) rather than value <= 0 so that NaN, which
	// compares false with everything, is refused too.
	case !(value > 0):
		return "Quota " + key + " must be greater than 0"
	case integral && value > math.MaxInt64:
		return "Proposed value for " + key + " is too large for a LONG."
	case integral && value != math.Trunc(value):
		return fmt.Sprintf("%s cannot be a fractional value, got %v", key, value)
	}
	return ""
}

// clientQuotas is the broker's quotas and the rates measured against
// them. It is safe for concurrent use.
type clientQuotas struct {
	// samples and window are Config.QuotaWindowNum and QuotaWindowSize,
	// Kafka's quota.window.num (11) and quota.window.size.seconds (1),
	// which make a rate measured over ten to eleven seconds.
	path    string
	samples int
	window  time.Duration

	// any is whether any quota is set: without one, which is the usual
	// case, a request pays one atomic load for quotas, not a lock.
	any atomic.Bool

	// mu guards entries and rates. One mutex does for both: quotas change
	// rarely, and a request holds it for two map lookups and a few float
	// additions.
	mu      sync.Mutex
	entries map[quotaEntity]map[string]float64
	// A rate exists only for a client that some quota applies to, and,
	// as Kafka's quota sensors expire after an hour without a record
	// (ClientQuotaManager's InactiveSensorExpirationTimeSeconds), a rate
	// idle for rateIdleExpiry is dropped: under a default quota, clients
	// that pick a new client id at every start would otherwise grow the
	// map until the broker restarts. swept is when that was last checked.
	rates map[rateKey]*rate
	swept time.Time
}

// rateIdleExpiry is how long a rate is kept without a record. A client
// back after it starts from an empty window, as after a restart.
const rateIdleExpiry = time.Hour

// rateKey is whose rate is measured for a key: Kafka's quota metric tags.
type rateKey struct {
	key, user, clientID string
}

// openClientQuotas loads the quotas kept in dir.
func openClientQuotas(dir string, samples int, window time.Duration) (*clientQuotas, error) {
	q := &clientQuotas{path: filepath.Join(dir, clientQuotasFile), samples: samples, window: window,
		entries: map[quotaEntity]map[string]float64{}, rates: map[rateKey]*rate{}}
	// A missing file is a data dir where no quota was ever set. A file that
	// is there but does not parse stops the broker: running without the
	// limits an operator set would be worse than not starting. It is read
	// strictly (decodeStoredJSON), and every entity and value checked as
	// alter checks them, but for a host name's lookup (unresolvedIP): a byte flipped in "name" would otherwise make a
	// user's quota everyone's default, and one flipped in "values" or in
	// a key's name would leave the entity without its limit, silently.
	b, err := os.ReadFile(q.path)
	if errors.Is(err, fs.ErrNotExist) {
		return q, nil
	}
	if err != nil {
		return nil, storeUnreadable(q.path, "client quotas", err)
	}
	var stored []storedQuota
	if err := decodeStoredJSON(b, &stored); err != nil {
		return nil, storeUnreadable(q.path, "client quotas", err)
	}
	for _, s := range stored {
		e, msg := checkStoredQuota(s)
		if msg == "" && q.entries[e] != nil {
			msg = "an entity stored twice"
		}
		if msg != "" {
			return nil, storeUnreadable(q.path, "client quotas", errors.New(msg))
		}
		q.entries[e] = s.Values
	}
	q.any.Store(len(q.entries) > 0)
	return q, nil
}

// storedQuota is one entity's quotas in client-quotas.json.
type storedQuota struct {
	Entity []quotaEntityData  `json:"entity"`
	Values map[string]float64 `json:"values"`
}

// checkStoredQuota parses one entity of the file and checks its values as
// alter checks a change; alter never stores an entity without values.
func checkStoredQuota(s storedQuota) (quotaEntity, string) {
	e, keys, msg := parseQuotaEntity(s.Entity)
	if msg != "" {
		return e, msg
	}
	if len(s.Values) == 0 {
		return e, "an entity without quotas"
	}
	for _, k := range slices.Sorted(maps.Keys(s.Values)) {
		if msg := checkQuotaValue(keys, k, s.Values[k]); msg != "" {
			return e, msg
		}
	}
	return e, ""
}

// save writes every quota to the file. q.mu is held.
func (q *clientQuotas) save() error {
	stored := make([]storedQuota, 0, len(q.entries))
	for e, vs := range q.entries {
		stored = append(stored, storedQuota{Entity: e.entityData(), Values: vs})
	}
	// Sorted so that the same quotas always make the same file, which an
	// operator can read and diff; map order would shuffle it on every save.
	slices.SortFunc(stored, func(a, b storedQuota) int { return compareEntityData(a.Entity, b.Entity) })
	b, err := json.MarshalIndent(stored, "", "\t")
	if err != nil {
		return err
	}
	// writeFileAtomic writes a temporary file, fsyncs it and renames it
	// over the old one, so a crash leaves the old quotas or the new ones,
	// never a file cut in half that would stop the next start.
	return writeFileAtomic(q.path, append(b, '\n'))
}

// compareEntityData orders entities by their components, type then name,
// with the default (null) before any name.
func compareEntityData(a, b []quotaEntityData) int {
	return slices.CompareFunc(a, b, func(x, y quotaEntityData) int {
		if c := cmp.Compare(x.EntityType, y.EntityType); c != 0 {
			return c
		}
		return cmp.Compare(deref(x.EntityName), deref(y.EntityName))
	})
}

// alter applies one entity's ops, all or none, as
// ClientQuotaControlManager.alterClientQuotaEntity does: the message is ""
// on success. A removal of a key not set is no error.
func (q *clientQuotas) alter(data []quotaEntityData, ops []quotaOp, validateOnly bool) (int16, string) {
	e, keys, msg := parseQuotaEntity(data)
	if msg == "" {
		msg = unresolvedIP(e)
	}
	if msg != "" {
		return codeInvalidRequest, msg
	}
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Key] {
			return codeInvalidRequest, fmt.Sprintf("Duplicate quota key %s not updating quota for this entity", op.Key)
		}
		seen[op.Key] = true
		if !op.Remove {
			if msg := checkQuotaValue(keys, op.Key, op.Value); msg != "" {
				return codeInvalidRequest, msg
			}
		}
	}
	// Every op has been checked before anything changes: that is what makes
	// an entity's ops all or none. validateOnly (the --validate-only of
	// admin tools) stops here, having checked exactly what a real change
	// would.
	if validateOnly {
		return codeNone, ""
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	old := q.entries[e]
	values := make(map[string]float64, len(old)+len(ops))
	maps.Copy(values, old)
	for _, op := range ops {
		if op.Remove {
			delete(values, op.Key)
		} else {
			values[op.Key] = op.Value
		}
	}
	if len(values) == 0 {
		delete(q.entries, e)
	} else {
		q.entries[e] = values
	}
	// If the file cannot be written, memory goes back to the old quotas: a
	// quota the client was told failed must not be enforced until restart
	// and then vanish.
	if err := q.save(); err != nil {
		if old == nil {
			delete(q.entries, e)
		} else {
			q.entries[e] = old
		}
		return codeUnknownServerError, "storing the quotas: " + err.Error()
	}
	q.any.Store(len(q.entries) > 0)
	return codeNone, ""
}

// limit finds the quota on key for a connection of user and clientID, by
// the order in the file comment, and the rate it is measured in.
func (q *clientQuotas) limit(key, user, clientID string) (float64, rateKey, bool) {
	// The table below is the file comment's order. A request of user U with
	// client id C tries each row until one has a value for key; an absent
	// component in a row means the row does not name it at all.
	named := func(s string) quotaName { return quotaName{present: true, name: s} }
	def := quotaName{present: true, isDefault: true}
	u, c := named(user), named(clientID)
	order := []struct {
		e      quotaEntity
		shared bool // one rate for all the user's client ids
	}{
		{quotaEntity{user: u, clientID: c}, false},
		{quotaEntity{user: u, clientID: def}, false},
		{quotaEntity{user: u}, true},
		{quotaEntity{user: def, clientID: c}, false},
		{quotaEntity{user: def, clientID: def}, false},
		{quotaEntity{user: def}, true},
		{quotaEntity{clientID: c}, false},
		{quotaEntity{clientID: def}, false},
	}
	for i, o := range order {
		v, ok := q.entries[o.e][key]
		if !ok {
			continue
		}
		rk := rateKey{key: key, user: user, clientID: clientID}
		switch {
		case o.shared:
			rk.clientID = ""
		case i >= 6: // client-id alone: one rate per client id, any user
			rk.user = ""
		}
		return v, rk, true
	}
	return 0, rateKey{}, false
}

// record adds value to the rate of key for the connection and returns how
// long it must be throttled. With check false (Fetch taking its bytes
// back) nothing is throttled.
func (q *clientQuotas) record(key, user, clientID string, value float64, now time.Time, check bool) time.Duration {
	if !q.any.Load() {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	quota, rk, ok := q.limit(key, user, clientID)
	if !ok {
		return 0
	}
	// The rate is recorded under the key of the row that matched, so every
	// connection that the same quota covers adds to one rate, as Kafka's
	// quota metric tags make them share one sensor.
	r := q.rates[rk]
	if r == nil {
		q.dropIdleRates(now)
		r = &rate{samples: q.samples, window: q.window}
		q.rates[rk] = r
	}
	r.last = now
	// The value is recorded before the check, as Kafka's Sensor.record does
	// before it throws QuotaViolationException: the produce is appended and
	// its bytes stay in the window even when the client is throttled for
	// them.
	measured, over := r.record(value, now)
	if !check || measured <= quota {
		return 0
	}
	// QuotaUtils.throttleTime: how long at rate 0 brings the rate back
	// down to the quota, over the window the rate was measured in.
	// For example, a quota of 1 MB/s and a rate of 1.5 MB/s measured over
	// 10s give (1.5-1)/1 * 10s = 5s: after 5s of silence the 15 MB in the
	// window spread over 15s is back to 1 MB/s.
	return time.Duration(math.Round((measured-quota)/quota*float64(over.Milliseconds()))) * time.Millisecond
}

// dropIdleRates forgets the rates without a record for rateIdleExpiry.
// It runs when a rate is added, the only time the map grows, and walks
// the map at most once a minute, so that a burst of new clients does not
// walk it once each. Callers hold mu.
func (q *clientQuotas) dropIdleRates(now time.Time) {
	if now.Sub(q.swept) < time.Minute {
		return
	}
	q.swept = now
	maps.DeleteFunc(q.rates, func(_ rateKey, r *rate) bool { return now.Sub(r.last) >= rateIdleExpiry })
}

// windowBytes is how many bytes a quota on key allows in the whole
// measured window, (samples-1) windows (getMaxValueInQuotaWindow), or
// MaxInt without a quota.
// Fetch caps its answer at this size, as KafkaApis caps fetch.max.bytes by
// it: a single answer larger than the quota allows in the window would earn
// a throttle longer than the window, and the consumer would stall for it
// with nothing to show.
func (q *clientQuotas) windowBytes(key, user, clientID string) int {
	if !q.any.Load() {
		return math.MaxInt
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	quota, _, ok := q.limit(key, user, clientID)
	if !ok {
		return math.MaxInt
	}
	return int(min(quota*float64(q.samples-1)*q.window.Seconds(), math.MaxInt32))
}

// rate is a rate measured in samples of a window each: Kafka's Rate over
// a SampledStat.
type rate struct {
	samples int
	window  time.Duration
	// ss is a ring of at most samples slots and cur the one being filled;
	// it grows to full size only as windows pass, so an idle client costs
	// one.
	ss  []rateSample
	cur int
	// last is when a value was last recorded, for dropIdleRates.
	last time.Time
}

type rateSample struct {
	start time.Time
	value float64
}

// record adds value at now and returns the rate per second over the
// samples kept, and the time it is measured over (Rate.windowSize).
func (r *rate) record(value float64, now time.Time) (float64, time.Duration) {
	// Samples older than every window are stale: reset them
	// (SampledStat.purgeObsoleteSamples).
	for i := range r.ss {
		if now.Sub(r.ss[i].start) >= time.Duration(r.samples)*r.window {
			r.ss[i] = rateSample{start: now}
		}
	}
	switch {
	case len(r.ss) == 0:
		r.ss = append(r.ss, rateSample{start: now})
	// The current sample is a window old: move to the next slot, reusing
	// the oldest once the ring is full (SampledStat.advance).
	case now.Sub(r.ss[r.cur].start) >= r.window:
		r.cur = (r.cur + 1) % r.samples
		if r.cur == len(r.ss) {
			r.ss = append(r.ss, rateSample{start: now})
		} else {
			r.ss[r.cur] = rateSample{start: now}
		}
	}
	r.ss[r.cur].value += value
	total, oldest := 0.0, now
	for _, s := range r.ss {
		total += s.value
		if s.start.Before(oldest) {
			oldest = s.start
		}
	}
	// The rate is never measured over less than samples-1 whole windows,
	// so the first requests of a quiet client are not taken for a burst.
	over := now.Sub(oldest)
	if full := int(over / r.window); full < r.samples-1 {
		over += time.Duration(r.samples-1-full) * r.window
	}
	over = max(over, time.Millisecond)
	return total / over.Seconds(), over
}

// Enforcement.

// throttleRequest records the thread time a request took against the
// connection's request_percentage quota, and returns the throttle, capped
// at one window (ClientRequestQuotaManager's maxThrottleTimeMs).
func (b *Broker) throttleRequest(rc *requestContext, busy time.Duration, now time.Time) time.Duration {
	// The rate is percent of a second of one thread's time, per second
	// (ClientRequestQuotaManager.nanosToPercentage).
	t := b.quotas.record(requestPercentage, rc.userName(), rc.clientID(), busy.Seconds()*100, now, true)
	return min(t, b.quotas.window)
}

// throttleProduce records a Produce request's size against the
// producer_byte_rate quota.
// The produce is appended whatever the throttle (KIP-219): the client is
// told to wait before its next request, not to send this one again.
func (b *Broker) throttleProduce(rc *requestContext, size int) time.Duration {
	return b.quotas.record(producerByteRate, rc.userName(), rc.clientID(), float64(size), time.Now(), true)
}

// throttleFetch records a Fetch response's record bytes against the
// consumer_byte_rate quota. A throttled fetch is answered empty, so its
// bytes are taken back (ClientQuotaManager.unrecordQuotaSensor).
func (b *Broker) throttleFetch(rc *requestContext, size int) time.Duration {
	now := time.Now()
	t := b.quotas.record(consumerByteRate, rc.userName(), rc.clientID(), float64(size), now, true)
	if t > 0 {
		b.quotas.record(consumerByteRate, rc.userName(), rc.clientID(), -float64(size), now, false)
	}
	return t
}

// setThrottleTime puts a throttle in a response's ThrottleTimeMs field,
// unless the response already asks for longer. Every response that has
// the field calls it ThrottleTimeMs, so one look by name serves forty
// response types; a response without it (ApiVersions v0) is left alone,
// and the muted connection still paces the client.
func setThrottleTime(resp response, t time.Duration) {
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName("ThrottleTimeMs")
	ms := int64(min(t.Milliseconds(), math.MaxInt32))
	// A response throttled by a byte rate and by request time waits for the
	// longer of the two, as KafkaApis takes the max of its throttles.
	if f.IsValid() && f.Kind() == reflect.Int32 && f.CanSet() && f.Int() < ms {
		f.SetInt(ms)
	}
}

// DescribeClientQuotas: v0-1 (DescribeClientQuotasRequest.json, DescribeClientQuotasResponse.json)
//
//	v1: flexible
//
// Lists the entities whose components match the filter, with their
// quotas, as ClientQuotasImage.describe does. A component matches an
// entity with that exact name (match type 0), the default (1), or any
// name, default included (2); with Strict, an entity must have no other
// components. A malformed filter is answered with an error and null
// Entries.
type describeClientQuotasRequest struct {
	Components []quotaFilterComponent
	Strict     bool
}

// quotaFilterComponent is one entity type to match, as kafka-configs.sh
// --describe --entity-type users --entity-name alice sends it.
type quotaFilterComponent struct {
	EntityType string
	MatchType  int8
	Match      *string
}

func (m *describeClientQuotasRequest) decode(r *reader, v int16) {
	m.Components = readArray(r, func(r *reader) (c quotaFilterComponent) {
		c.EntityType = r.String()
		c.MatchType = r.Int8()
		c.Match = r.NullableString()
		r.SkipTags()
		return c
	})
	m.Strict = r.Bool()
	r.SkipTags()
}

type describeClientQuotasResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Entries        []describedQuotaEntry
}

type describedQuotaEntry struct {
	Entity []quotaEntityData
	Values []quotaValue
}

// quotaEntityData is one component on the wire; its JSON tags also make it
// the entity's form in client-quotas.json, so the file shows the same type
// and name an operator typed.
type quotaEntityData struct {
	EntityType string  `json:"type"`
	EntityName *string `json:"name"`
}

type quotaValue struct {
	Key   string
	Value float64
}

// Entries is nullable: null with an error, so that a client can tell a
// refused filter from one that matched no entity (an empty list).
func (m *describeClientQuotasResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArray(w, m.Entries, func(w *writer, e describedQuotaEntry) {
		writeArrayNonNull(w, e.Entity, writeQuotaEntityData)
		writeArrayNonNull(w, e.Values, func(w *writer, q quotaValue) {
			w.String(q.Key)
			w.Float64(q.Value)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func writeQuotaEntityData(w *writer, d quotaEntityData) {
	w.String(d.EntityType)
	w.NullableString(d.EntityName)
	w.Tags()
}

func readQuotaEntityData(r *reader) (d quotaEntityData) {
	d.EntityType = r.String()
	d.EntityName = r.NullableString()
	r.SkipTags()
	return d
}

// Match types of a DescribeClientQuotas filter component.
const (
	// ClientQuotaFilterComponent's MATCH_TYPE_EXACT, _DEFAULT and
	// _SPECIFIED.
	matchExact     int8 = 0
	matchDefault   int8 = 1
	matchSpecified int8 = 2
)

func (b *Broker) handleDescribeClientQuotas(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeClientQuotasRequest)
	code, msg := checkQuotaFilter(req.Components)
	if code != codeNone {
		return &describeClientQuotasResponse{ErrorCode: code, ErrorMessage: &msg}
	}
	resp := &describeClientQuotasResponse{Entries: []describedQuotaEntry{}}
	q := b.quotas
	q.mu.Lock()
	defer q.mu.Unlock()
	for e, values := range q.entries {
		if !quotaFilterMatches(e, req.Components, req.Strict) {
			continue
		}
		entry := describedQuotaEntry{Entity: e.entityData(), Values: make([]quotaValue, 0, len(values))}
		for k, v := range values {
			entry.Values = append(entry.Values, quotaValue{Key: k, Value: v})
		}
		slices.SortFunc(entry.Values, func(a, b quotaValue) int { return cmp.Compare(a.Key, b.Key) })
		resp.Entries = append(resp.Entries, entry)
	}
	// Sorted as the file is, so that a describe lists entities in the same
	// order every time instead of the map's.
	slices.SortFunc(resp.Entries, func(a, b describedQuotaEntry) int { return compareEntityData(a.Entity, b.Entity) })
	return resp
}

// checkQuotaFilter refuses the filters ClientQuotasImage.describe refuses,
// with its messages: an unknown entity type is UNSUPPORTED_VERSION, any
// other fault INVALID_REQUEST.
func checkQuotaFilter(cs []quotaFilterComponent) (int16, string) {
	seen := map[string]bool{}
	for _, c := range cs {
		switch {
		case c.EntityType == "":
			return codeInvalidRequest, "Invalid empty entity type."
		case seen[c.EntityType]:
			return codeInvalidRequest, "Entity type " + c.EntityType + " cannot appear more than once in the filter."
		case c.EntityType != quotaUser && c.EntityType != quotaClientID && c.EntityType != quotaIP:
			return codeUnsupportedVersion, "Unsupported entity type " + c.EntityType
		case c.MatchType == matchExact && c.Match == nil:
			return codeInvalidRequest, "Request specified MATCH_TYPE_EXACT, but set match string to null."
		case c.MatchType == matchDefault && c.Match != nil:
			return codeInvalidRequest, "Request specified MATCH_TYPE_DEFAULT, but also specified a match string."
		case c.MatchType == matchSpecified && c.Match != nil:
			return codeInvalidRequest, "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string."
		case c.MatchType < matchExact || c.MatchType > matchSpecified:
			return codeInvalidRequest, fmt.Sprintf("Unknown match type %d", c.MatchType)
		}
		seen[c.EntityType] = true
	}
	if seen[quotaIP] && (seen[quotaUser] || seen[quotaClientID]) {
		return codeInvalidRequest, "Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component."
	}
	return codeNone, ""
}

func quotaFilterMatches(e quotaEntity, cs []quotaFilterComponent, strict bool) bool {
	// Strict asks for entities with exactly the filter's components;
	// without it, user=alice also matches user=alice, client-id=app.
	if strict && len(e.entityData()) != len(cs) {
		return false
	}
	for _, c := range cs {
		n := e.component(c.EntityType)
		switch {
		case !n.present:
			return false
		case c.MatchType == matchExact && (n.isDefault || n.name != *c.Match):
			return false
		case c.MatchType == matchDefault && !n.isDefault:
			return false
		}
	}
	return true
}

// AlterClientQuotas: v0-1 (AlterClientQuotasRequest.json, AlterClientQuotasResponse.json)
//
//	v1: flexible
//
// Sets or removes quotas, each entity's ops all or none, and answers each
// entity once with its error, as ClientQuotaControlManager answers from a
// map: a repeated entity, or a key repeated in an entity's ops, is
// "Ignoring duplicate entity". The quotas take effect with the next
// request of every connection.
type alterClientQuotasRequest struct {
	Entries      []alterQuotaEntry
	ValidateOnly bool
}

type alterQuotaEntry struct {
	Entity []quotaEntityData
	Ops    []quotaOp
}

type quotaOp struct {
	Key    string
	Value  float64
	Remove bool
}

func (m *alterClientQuotasRequest) decode(r *reader, v int16) {
	m.Entries = readArray(r, func(r *reader) (e alterQuotaEntry) {
		e.Entity = readArray(r, readQuotaEntityData)
		e.Ops = readArray(r, func(r *reader) (op quotaOp) {
			op.Key = r.String()
			op.Value = r.Float64()
			op.Remove = r.Bool()
			r.SkipTags()
			return op
		})
		r.SkipTags()
		return e
	})
	m.ValidateOnly = r.Bool()
	r.SkipTags()
}

type alterClientQuotasResponse struct {
	ThrottleTimeMs int32
	Entries        []alterQuotaResult
}

type alterQuotaResult struct {
	ErrorCode    int16
	ErrorMessage *string
	Entity       []quotaEntityData
}

func (m *alterClientQuotasResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Entries, func(w *writer, e alterQuotaResult) {
		w.Int16(e.ErrorCode)
		w.NullableString(e.ErrorMessage)
		writeArrayNonNull(w, e.Entity, writeQuotaEntityData)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleAlterClientQuotas(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*alterClientQuotasRequest)
	resp := &alterClientQuotasResponse{Entries: make([]alterQuotaResult, 0, len(req.Entries))}
	// Kafka answers from a map of entity to result, so an entity named
	// twice has one result: the second refuses it, though the first
	// alteration stands (ClientQuotaControlManager.alterClientQuotas).
	answered := map[string]int{}
	for _, e := range req.Entries {
		entity := mergeQuotaEntity(e.Entity)
		key := javaEntityString(entity)
		if i, ok := answered[key]; ok {
			resp.Entries[i].ErrorCode, resp.Entries[i].ErrorMessage = codeInvalidRequest, ptr("Ignoring duplicate entity "+key)
			continue
		}
		answered[key] = len(resp.Entries)
		res := alterQuotaResult{Entity: entity}
		var msg string
		if duplicateQuotaKey(e.Ops) {
			// The manager's "Duplicate quota key" answer is overwritten
			// by its duplicate-entity check, which finds the entity
			// already answered.
			res.ErrorCode, msg = codeInvalidRequest, "Ignoring duplicate entity "+key
		} else {
			res.ErrorCode, msg = b.quotas.alter(entity, e.Ops, req.ValidateOnly)
		}
		if msg != "" {
			res.ErrorMessage = &msg
		}
		resp.Entries = append(resp.Entries, res)
	}
	return resp
}

// mergeQuotaEntity is the entity as AlterClientQuotasRequest.entries reads
// it, into a map: a type named twice keeps its last name. Its components
// come in the order Java's HashMap gives them, client-id before user,
// which is also the order of the answer's Entity (toEntityData); a type
// Kafka does not know follows, and is refused by alter.
func mergeQuotaEntity(data []quotaEntityData) []quotaEntityData {
	rank := func(typ string) int {
		switch typ {
		case quotaClientID:
			return 0
		case quotaUser:
			return 1
		case quotaIP:
			return 2
		}
		return 3
	}
	out := make([]quotaEntityData, 0, len(data))
	for _, d := range data {
		i := slices.IndexFunc(out, func(o quotaEntityData) bool { return o.EntityType == d.EntityType })
		if i >= 0 {
			out[i].EntityName = d.EntityName
		} else {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b quotaEntityData) int { return cmp.Compare(rank(a.EntityType), rank(b.EntityType)) })
	return out
}

// javaEntityString is ClientQuotaEntity.toString, which Kafka's messages
// quote: "ClientQuotaEntity(entries={client-id=app, user=alice})", a
// default name being null.
func javaEntityString(entity []quotaEntityData) string {
	parts := make([]string, len(entity))
	for i, d := range entity {
		name := "null"
		if d.EntityName != nil {
			name = *d.EntityName
		}
		parts[i] = d.EntityType + "=" + name
	}
	return "ClientQuotaEntity(entries={" + strings.Join(parts, ", ") + "})"
}

// duplicateQuotaKey reports whether ops name a key twice.
func duplicateQuotaKey(ops []quotaOp) bool {
	seen := map[string]bool{}
	for _, op := range ops {
		if seen[op.Key] {
			return true
		}
		seen[op.Key] = true
	}
	return false
}
