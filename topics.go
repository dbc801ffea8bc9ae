// This file holds the data dir: topics as sets of partition directories,
// their ids and configs, the log start offset checkpoint, and the creation,
// growth and deletion of topics on disk. log.go has what happens inside
// one partition.

package kafka

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Topics on disk.
//
// The data dir holds one directory per partition, named <topic>-<partition>
// as Kafka names them. Topic names may contain '-' themselves, so a name is
// split at its last '-'. Each partition dir holds partition.metadata with
// the topic id, written as Kafka's PartitionMetadataFile writes it:
//
//	version: 0
//	topic_id: <the 16 bytes in URL-safe base64 without padding>
//
// Design note: a topicLog is never changed once published. CreatePartitions
// publishes a new one with the longer partition list, so a handler holding
// the old value reads a consistent, if shorter, list without a lock. A
// crash during CreateTopic or CreatePartitions leaves the partitions made so
// far, and they load as a topic with fewer partitions; Apache Kafka avoids
// that with its metadata log, which this broker does not have. A topic is
// deleted by renaming its dirs out of the way first (Kafka's
// <dir>.<id>-delete), partition 0 first, so a crash mid-delete leaves
// partitions without a partition 0, which load as nothing but a warning.
// Renamed dirs are removed at the next open.

// Errors of topic management, which the admin APIs answer as error codes.
var (
	errInvalidTopic      = errors.New("kafka: invalid topic name")      // INVALID_TOPIC_EXCEPTION
	errTopicExists       = errors.New("kafka: topic already exists")    // TOPIC_ALREADY_EXISTS
	errUnknownTopic      = errors.New("kafka: unknown topic")           // UNKNOWN_TOPIC_OR_PARTITION
	errInvalidPartitions = errors.New("kafka: invalid partition count") // INVALID_PARTITIONS
)

// deleteSuffix marks a partition dir whose topic is being deleted, as
// Kafka's LocalLog.DeleteDirSuffix does.
const deleteSuffix = "-delete"

// maxTopicNameLength is Kafka's Topic.MAX_NAME_LENGTH: 255 bytes of file
// name, less room for "-<partition>" and the ".<id>-delete" suffix.
const maxTopicNameLength = 249

// topicLog is a topic, its partition logs, indexed by partition number,
// and the configs set on it (configs.go).
type topicLog struct {
	Name       string
	ID         uuid
	Partitions []*partitionLog
	Configs    topicConfig
}

// logDir is the broker's data directory: every topic's partitions. It is
// safe for concurrent use.
type logDir struct {
	path   string
	opts   logOptions
	logger *slog.Logger

	// mu guards topics. Creating and deleting hold it across their disk
	// work, so they are serialized with each other; lookups wait for them,
	// which admin operations are rare enough to allow.
	mu     sync.RWMutex
	topics map[string]*topicLog

	// checkpointMu serializes writes of the log start offset checkpoint.
	// Each write reads every partition's start afresh while holding it, so
	// the last one written is never older than the last change. Lock
	// order: checkpointMu, then mu.
	checkpointMu sync.Mutex
}

// Files of the data dir itself, named as Kafka names them.
const (
	// cleanShutdownFile exists only between a clean Close and the next
	// open; see the design note on crash safety.
	cleanShutdownFile = ".kafka_cleanshutdown"
	// logStartCheckpointFile holds the log start offsets of the
	// partitions, in Kafka's OffsetCheckpointFile format.
	logStartCheckpointFile = "log-start-offset-checkpoint"
)

// String formats a topic id as Kafka's Uuid.toString does.
func (u uuid) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// openLogDir opens the data dir at path, creating it if missing, and loads
// every topic in it. Entries that are not partition dirs are ignored, such
// as Kafka's meta.properties and *-checkpoint files. A topic whose dirs do
// not make partitions 0..N-1 of one topic id is logged and skipped; a
// partition log that fails to open fails the whole open, because handing
// out a topic with a missing partition would let it be recreated over
// the data.
func openLogDir(path string, opts logOptions, logger *slog.Logger) (*logDir, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("kafka: create data dir: %w", err)
	}
	d := &logDir{path: path, opts: opts, logger: logger, topics: make(map[string]*topicLog)}
	// The marker goes before anything is written, so that a crash from
	// here on is seen as one by the next open.
	clean, err := takeCleanShutdownMarker(path)
	if err != nil {
		return nil, err
	}
	found, err := d.scanDirs()
	if err != nil {
		return nil, err
	}
	if !clean && len(found) > 0 {
		logger.Info("no clean shutdown marker: scanning the last segment of every partition", "dir", path)
	}
	for _, name := range slices.Sorted(maps.Keys(found)) {
		id, err := checkPartitionDirs(found[name])
		if err != nil {
			logger.Warn("skipping topic", "dir", path, "topic", name, "reason", err)
			continue
		}
		cfg, err := readTopicConfig(filepath.Join(path, partitionDirName(name, 0)))
		if err != nil {
			logger.Warn("topic configs unreadable: using the defaults", "topic", name, "err", err)
		}
		t := &topicLog{Name: name, ID: id, Configs: cfg}
		popts := cfg.logOptions(opts)
		for p := range found[name] {
			pl, err := openPartition(filepath.Join(path, partitionDirName(name, int32(p))), popts, logger, clean)
			if err != nil {
				d.topics[name] = t // so that closeLogs closes what was opened
				return nil, errors.Join(fmt.Errorf("kafka: load topic %q: %w", name, err), d.closeLogs())
			}
			t.Partitions = append(t.Partitions, pl)
		}
		d.topics[name] = t
	}
	if err := d.restoreLogStarts(); err != nil {
		return nil, errors.Join(err, d.closeLogs())
	}
	return d, nil
}

// takeCleanShutdownMarker reports whether the data dir has the clean
// shutdown marker, and removes it durably.
func takeCleanShutdownMarker(dir string) (bool, error) {
	err := os.Remove(filepath.Join(dir, cleanShutdownFile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("kafka: remove clean shutdown marker: %w", err)
	}
	return true, syncDir(dir)
}

// readTopicConfig reads the topic.config in a partition dir; none means
// nothing was set. A config that cannot be read is returned empty, with
// the error: the topic loads with the defaults rather than not at all.
func readTopicConfig(dir string) (topicConfig, error) {
	b, err := os.ReadFile(filepath.Join(dir, topicConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return topicConfig{}, nil
	}
	if err != nil {
		return topicConfig{}, err
	}
	c, err := parseTopicConfigFile(b)
	if err != nil {
		return topicConfig{}, err
	}
	return c, nil
}

// The log start offset checkpoint.
//
// Kafka's format: a version line, a count line, then one line per
// partition, "topic partition offset":
//
//	0
//	2
//	orders 0 1200
//	orders 1 0
//
// Topic names cannot hold spaces (validateTopicName), so the lines split
// cleanly.

// restoreLogStarts applies the checkpoint to the partitions just opened.
// Entries of partitions that no longer exist (a crash between deleting a
// topic and rewriting the file) are dropped by rewriting it, so that a
// topic created later under the same name does not inherit them. A file
// that does not parse is logged and replaced: the partitions start at
// their first segments, which brings back, readable, records that
// DeleteRecords had hidden but not yet deleted. That is better than a
// broker that will not start.
func (d *logDir) restoreLogStarts() error {
	b, err := os.ReadFile(filepath.Join(d.path, logStartCheckpointFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kafka: read %s: %w", logStartCheckpointFile, err)
	}
	starts, err := parseLogStartCheckpoint(b)
	if err != nil {
		d.logger.Warn("ignoring the log start offset checkpoint", "dir", d.path, "err", err)
		return d.checkpointLogStarts()
	}
	stale := false
	for _, e := range starts {
		t := d.topics[e.topic]
		if t == nil || e.partition < 0 || int(e.partition) >= len(t.Partitions) {
			stale = true
			continue
		}
		t.Partitions[e.partition].restoreLogStart(e.offset)
	}
	if stale {
		return d.checkpointLogStarts()
	}
	return nil
}

// checkpointEntry is one line of the checkpoint.
type checkpointEntry struct {
	topic     string
	partition int32
	offset    int64
}

func parseLogStartCheckpoint(b []byte) ([]checkpointEntry, error) {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 || strings.TrimSpace(lines[0]) != "0" || strings.TrimSpace(lines[1]) != strconv.Itoa(len(lines)-2) {
		return nil, fmt.Errorf("kafka: %s: unknown format", logStartCheckpointFile)
	}
	var es []checkpointEntry
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("kafka: %s: bad line %q", logStartCheckpointFile, line)
		}
		p, err1 := strconv.ParseInt(f[1], 10, 32)
		offset, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("kafka: %s: bad line %q", logStartCheckpointFile, line)
		}
		es = append(es, checkpointEntry{f[0], int32(p), offset})
	}
	return es, nil
}

// checkpointLogStarts writes every partition's log start offset to the
// checkpoint file.
func (d *logDir) checkpointLogStarts() error {
	d.checkpointMu.Lock()
	defer d.checkpointMu.Unlock()
	var lines []string
	for _, t := range d.Topics() {
		for p, pl := range t.Partitions {
			lines = append(lines, fmt.Sprintf("%s %d %d\n", t.Name, p, pl.LogStartOffset()))
		}
	}
	data := fmt.Sprintf("0\n%d\n%s", len(lines), strings.Join(lines, ""))
	return writeFileAtomic(filepath.Join(d.path, logStartCheckpointFile), []byte(data))
}

// partitionDir is what the data dir says about one partition dir.
type partitionDir struct {
	partition int32
	id        uuid
	err       error // partition.metadata is missing or unreadable
}

// scanDirs groups the partition dirs of the data dir by topic, and
// finishes deletions a crash interrupted.
func (d *logDir) scanDirs() (map[string][]partitionDir, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("kafka: list data dir: %w", err)
	}
	found := make(map[string][]partitionDir)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if strings.HasSuffix(e.Name(), deleteSuffix) {
			d.logger.Info("removing deleted partition dir", "dir", d.path, "name", e.Name())
			if err := os.RemoveAll(filepath.Join(d.path, e.Name())); err != nil {
				d.logger.Warn("removing deleted partition dir", "dir", d.path, "name", e.Name(), "err", err)
			}
			continue
		}
		topic, p, ok := parsePartitionDirName(e.Name())
		if !ok {
			d.logger.Debug("ignoring entry of data dir", "dir", d.path, "name", e.Name())
			continue
		}
		id, err := readPartitionMetadata(filepath.Join(d.path, e.Name()))
		found[topic] = append(found[topic], partitionDir{partition: p, id: id, err: err})
	}
	return found, nil
}

// checkPartitionDirs checks that a topic's dirs are partitions 0..N-1 with
// one topic id, sorts them, and returns the id.
func checkPartitionDirs(parts []partitionDir) (uuid, error) {
	slices.SortFunc(parts, func(a, b partitionDir) int { return cmp.Compare(a.partition, b.partition) })
	for i, p := range parts {
		switch {
		case p.partition != int32(i):
			return uuid{}, fmt.Errorf("partition %d is missing", i)
		case p.err != nil:
			return uuid{}, fmt.Errorf("partition %d: %w", i, p.err)
		case p.id != parts[0].id:
			return uuid{}, fmt.Errorf("partition %d has topic id %s, partition 0 has %s", i, p.id, parts[0].id)
		}
	}
	return parts[0].id, nil
}

// partitionDirName is Kafka's name for a partition dir.
func partitionDirName(topic string, partition int32) string {
	return topic + "-" + strconv.Itoa(int(partition))
}

// parsePartitionDirName splits a dir name at its last '-'. The partition
// must be written as Kafka writes it (no sign, no leading zeros), and the
// topic must be a valid name.
func parsePartitionDirName(name string) (topic string, partition int32, ok bool) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return "", 0, false
	}
	topic, num := name[:i], name[i+1:]
	n, err := strconv.ParseInt(num, 10, 32)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != num || validateTopicName(topic) != nil {
		return "", 0, false
	}
	return topic, int32(n), true
}

// validateTopicName applies Kafka's Topic.validate: 1 to 249 characters of
// [a-zA-Z0-9._-], and not "." or "..". The rule matters here beyond
// compatibility: the name becomes a directory name.
func validateTopicName(name string) error {
	if name == "" || name == "." || name == ".." || len(name) > maxTopicNameLength {
		return fmt.Errorf("%w: %q", errInvalidTopic, name)
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q has %q", errInvalidTopic, name, c)
		}
	}
	return nil
}

// collides reports whether two topic names are the same once '.' is read
// as '_'.
func collides(a, b string) bool {
	return strings.ReplaceAll(a, ".", "_") == strings.ReplaceAll(b, ".", "_")
}

// partitionMetadata is the content of partition.metadata for a topic id.
func partitionMetadata(id uuid) []byte {
	return []byte("version: 0\ntopic_id: " + id.String() + "\n")
}

// readPartitionMetadata reads the topic id from a partition dir.
func readPartitionMetadata(dir string) (uuid, error) {
	var id uuid
	b, err := os.ReadFile(filepath.Join(dir, partitionMetadataFile))
	if err != nil {
		return id, err
	}
	version, rest, _ := strings.Cut(string(b), "\n")
	idLine, _, _ := strings.Cut(rest, "\n")
	text, ok := strings.CutPrefix(idLine, "topic_id:")
	if strings.TrimSpace(version) != "version: 0" || !ok {
		return id, fmt.Errorf("kafka: %s: unknown format", partitionMetadataFile)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(raw) != len(id) || uuid(raw) == (uuid{}) {
		return id, fmt.Errorf("kafka: %s: bad topic id %q", partitionMetadataFile, strings.TrimSpace(text))
	}
	return uuid(raw), nil
}

// newTopicID draws a random topic id as Kafka's Uuid.randomUuid does: a
// version-4 UUID, drawn again if its string form starts with '-', which a
// command line would read as an option. The version bits rule out the
// zero id ("no id") and the reserved metadata topic id 0...01.
func newTopicID() (uuid, error) {
	for {
		var u uuid
		if _, err := rand.Read(u[:]); err != nil {
			return u, fmt.Errorf("kafka: topic id: %w", err)
		}
		u[6] = u[6]&0x0f | 0x40 // version 4
		u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
		if !strings.HasPrefix(u.String(), "-") {
			return u, nil
		}
	}
}

// Topic returns the named topic, or nil.
func (d *logDir) Topic(name string) *topicLog {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.topics[name]
}

// TopicByID returns the topic with the given id (KIP-516), or nil. Newer
// Fetch, Metadata and DeleteTopics versions name topics this way; a scan is
// fine for the handful of topics a local broker holds.
func (d *logDir) TopicByID(id uuid) *topicLog {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for _, t := range d.topics {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Topics returns every topic, sorted by name.
func (d *logDir) Topics() []*topicLog {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ts := slices.Collect(maps.Values(d.topics))
	slices.SortFunc(ts, func(a, b *topicLog) int { return strings.Compare(a.Name, b.Name) })
	return ts
}

// CreateTopic creates a topic with a new random id and the given number of
// partitions, and no configs of its own.
func (d *logDir) CreateTopic(name string, partitions int32) (*topicLog, error) {
	return d.CreateTopicWithConfigs(name, partitions, nil)
}

// CreateTopicWithConfigs creates a topic with configs already checked
// (newTopicConfig).
func (d *logDir) CreateTopicWithConfigs(name string, partitions int32, cfg topicConfig) (*topicLog, error) {
	if err := validateTopicName(name); err != nil {
		return nil, err
	}
	if partitions < 1 {
		return nil, fmt.Errorf("%w: %d for topic %q", errInvalidPartitions, partitions, name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.topics[name] != nil {
		return nil, fmt.Errorf("%w: %q", errTopicExists, name)
	}
	// Kafka refuses names that differ only in '.' versus '_', because its
	// metric names replace one with the other (Topic.hasCollision).
	for other := range d.topics {
		if collides(name, other) {
			return nil, fmt.Errorf("%w: %q collides with existing topic %q", errInvalidTopic, name, other)
		}
	}
	id, err := newTopicID()
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		cfg = topicConfig{}
	}
	ps, err := d.createPartitions(name, id, cfg, 0, partitions)
	if err != nil {
		return nil, err
	}
	t := &topicLog{Name: name, ID: id, Partitions: ps, Configs: cfg}
	d.topics[name] = t
	return t, nil
}

// CreatePartitions grows a topic to total partitions.
func (d *logDir) CreatePartitions(name string, total int32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.topics[name]
	if t == nil {
		return fmt.Errorf("%w: %q", errUnknownTopic, name)
	}
	have := int32(len(t.Partitions))
	if total <= have {
		return fmt.Errorf("%w: topic %q has %d partitions, asked for %d", errInvalidPartitions, name, have, total)
	}
	ps, err := d.createPartitions(name, t.ID, t.Configs, have, total)
	if err != nil {
		return err
	}
	d.topics[name] = &topicLog{Name: t.Name, ID: t.ID, Partitions: append(slices.Clip(t.Partitions), ps...), Configs: t.Configs}
	return nil
}

// AlterTopicConfigs replaces a topic's configs with what change makes of
// them, unless validateOnly, and returns change's refusal if it refuses.
// The read, the change and the write happen under mu, so two concurrent
// alterations cannot lose one another's changes. The file is written
// before the new configs are published: what a client was told took
// effect survives a crash.
func (d *logDir) AlterTopicConfigs(name string, change func(topicConfig) (topicConfig, *configError), validateOnly bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.topics[name]
	if t == nil {
		return fmt.Errorf("%w: %q", errUnknownTopic, name)
	}
	cfg, cerr := change(t.Configs)
	if cerr != nil {
		return cerr
	}
	if validateOnly {
		return nil
	}
	dir := filepath.Join(d.path, partitionDirName(name, 0))
	if err := writeFileAtomic(filepath.Join(dir, topicConfigFile), cfg.encode()); err != nil {
		return err
	}
	d.topics[name] = &topicLog{Name: t.Name, ID: t.ID, Partitions: t.Partitions, Configs: cfg}
	for _, pl := range t.Partitions {
		pl.SetSegmentOptions(cfg.logOptions(d.opts))
	}
	return nil
}

// createPartitions makes the dirs of partitions from..to-1 and opens their
// logs; partition 0 also gets the topic's configs. A dir that already
// exists is an error, never reused: it holds data of a topic that did not
// load. On failure, what was made is removed.
func (d *logDir) createPartitions(topic string, id uuid, cfg topicConfig, from, to int32) ([]*partitionLog, error) {
	opts := cfg.logOptions(d.opts)
	var made []*partitionLog
	undo := func(err error) ([]*partitionLog, error) {
		for i, pl := range made {
			pl.Close()
			os.RemoveAll(filepath.Join(d.path, partitionDirName(topic, from+int32(i))))
		}
		return nil, err
	}
	for p := from; p < to; p++ {
		dir := filepath.Join(d.path, partitionDirName(topic, p))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return undo(fmt.Errorf("kafka: create partition %d of %q: %w", p, topic, err))
		}
		err := writeFileAtomic(filepath.Join(dir, partitionMetadataFile), partitionMetadata(id))
		if err == nil && p == 0 && len(cfg) > 0 {
			err = writeFileAtomic(filepath.Join(dir, topicConfigFile), cfg.encode())
		}
		var pl *partitionLog
		if err == nil {
			pl, err = openPartitionLog(dir, opts, d.logger)
		}
		if err != nil {
			os.RemoveAll(dir)
			return undo(fmt.Errorf("kafka: create partition %d of %q: %w", p, topic, err))
		}
		made = append(made, pl)
	}
	if err := syncDir(d.path); err != nil {
		return undo(err)
	}
	return made, nil
}

// DeleteTopic closes the topic's logs and removes its dirs, and its log
// start offsets from the checkpoint.
func (d *logDir) DeleteTopic(name string) error {
	if err := d.deleteTopic(name); err != nil {
		return err
	}
	if err := d.checkpointLogStarts(); err != nil {
		return fmt.Errorf("kafka: delete topic %q: %w", name, err)
	}
	return nil
}

func (d *logDir) deleteTopic(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.topics[name]
	if t == nil {
		return fmt.Errorf("%w: %q", errUnknownTopic, name)
	}
	delete(d.topics, name)
	var errs []error
	var renamed []string
	for p, pl := range t.Partitions {
		if err := pl.Close(); err != nil && !errors.Is(err, errLogClosed) {
			errs = append(errs, err)
		}
		dir := filepath.Join(d.path, partitionDirName(name, int32(p)))
		gone := fmt.Sprintf("%s.%x%s", dir, t.ID[:], deleteSuffix)
		if err := os.Rename(dir, gone); err != nil {
			errs = append(errs, err)
			continue
		}
		renamed = append(renamed, gone)
	}
	if err := syncDir(d.path); err != nil {
		errs = append(errs, err)
	}
	for _, dir := range renamed {
		if err := os.RemoveAll(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kafka: delete topic %q: %w", name, err)
	}
	return nil
}

// DeleteRecords moves a partition's log start offset up to offset
// (DeleteRecords, KIP-107), makes it durable in the checkpoint, deletes the
// segments wholly below it, and returns the log start offset after: the
// low watermark.
func (d *logDir) DeleteRecords(t *topicLog, partition int32, offset int64) (int64, error) {
	pl := t.Partitions[partition]
	start, moved, err := pl.AdvanceLogStart(offset)
	if err != nil || !moved {
		return start, err
	}
	if err := d.checkpointLogStarts(); err != nil {
		return -1, err
	}
	if _, _, err := pl.DeleteSegments(keepAll, time.Time{}); err != nil {
		// The start has moved, durably; the next retention check deletes
		// what is left.
		d.logger.Warn("deleting segments below the log start offset", "topic", t.Name, "partition", partition, "err", err)
	}
	return start, nil
}

// EnforceRetention deletes, in every partition, the old segments its
// topic's retention no longer keeps (see the design note on retention).
func (d *logDir) EnforceRetention(now time.Time) {
	for _, t := range d.Topics() {
		r := t.Configs.retention()
		for p, pl := range t.Partitions {
			bases, start, err := pl.DeleteSegments(r, now)
			if errors.Is(err, errLogClosed) {
				continue // the topic was deleted meanwhile
			}
			if err != nil {
				d.logger.Warn("deleting old segments", "topic", t.Name, "partition", p, "err", err)
			}
			if len(bases) > 0 {
				d.logger.Info("deleted old segments", "topic", t.Name, "partition", p,
					"segments", len(bases), "first", bases[0], "log_start_offset", start,
					"retention_ms", r.ms, "retention_bytes", r.bytes)
			}
		}
	}
}

// SyncAll fsyncs whatever every partition has appended since its last
// fsync, for Config.Fsync's interval policy.
func (d *logDir) SyncAll() error {
	var errs []error
	for _, t := range d.Topics() {
		for _, pl := range t.Partitions {
			if err := pl.SyncTo(pl.HighWatermark()); err != nil && !errors.Is(err, errLogClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Close closes every partition log and, if all of them closed cleanly,
// leaves the clean shutdown marker for the next open.
func (d *logDir) Close() error {
	if err := d.closeLogs(); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(d.path, cleanShutdownFile), nil); err != nil {
		return fmt.Errorf("kafka: write clean shutdown marker: %w", err)
	}
	return nil
}

// closeLogs closes every partition log.
func (d *logDir) closeLogs() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, t := range d.topics {
		for _, pl := range t.Partitions {
			if err := pl.Close(); err != nil && !errors.Is(err, errLogClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
