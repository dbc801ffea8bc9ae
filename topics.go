// This file holds the data dir: topics as sets of partition directories,
// their ids and configs, the log start offset checkpoint, and the creation,
// growth and deletion of topics on disk. The APIs that change topics,
// CreateTopics, DeleteTopics and CreatePartitions, are in topicadmin.go.
// log.go has what happens inside one partition.
//
// Place in the book: Part I, after log.go (a partition's log) and before
// handlers.go, which finds topics here.

package kafka

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
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
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf16"
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
// the old value reads a consistent, if shorter, list without a lock.
//
// Design note: topic changes are crash-atomic. Kafka writes every topic
// change to its metadata log before it touches a partition dir; this broker
// has no metadata log, so the names of the dirs have to carry the change.
// Three rules do it.
//  1. A partition counts only if its dir holds a partition.metadata, and
//     only within its topic's run: partitions 0, 1, 2, ... with partition
//     0's topic id, up to the first one missing.
//  2. New partitions are made under a staging name,
//     <topic>-<partition>.<id>-create, each complete with its
//     partition.metadata (and partition 0 with the topic's configs). They
//     are renamed into place all but the first, then the data dir is
//     fsynced, then the first is renamed: that rename is the commit. Before
//     it, the run stops short of the new partitions; after it, the run
//     takes in all of them. The topics of one CreateTopics request go
//     through these steps together, sharing the fsyncs (logDir.grow):
//     each topic is still made whole or not at all, but a crash may
//     leave some of the request's topics made and others not.
//  3. A topic is deleted by renaming partition 0 to
//     <topic>-0.<id>-delete (Kafka's LocalLog.DeleteDirSuffix) and
//     fsyncing the data dir, which is the commit, then the other
//     partitions likewise. The renamed dirs are removed in the background.
//
// Opening the data dir settles whatever a crash cut short:
//
//	crash during              left on disk                     at open
//	CreateTopics t, 3         t-2, t-1 (id X), t-0.X-create     t-0.X-create removed, t-1 and t-2 hold
//	                                                            no records: removed; t is absent
//	CreatePartitions t, 2->4  t-0, t-1, t-3 (X), t-2.X-create   t-2.X-create and t-3 removed; t has 2
//	DeleteTopics t            t-0.X-delete, t-1 (X)             t-1 renamed and removed; t is absent
//
// Staging and -delete dirs are removed. A partition of a topic id whose
// partition 0 is in a -delete dir is renamed and removed, finishing the
// deletion. A partition dir past its topic's run that holds no records is
// what a creation cut short leaves, and is removed, with a log line. A
// dir in the run whose partition.metadata reads as another topic id than
// partition 0's is damage (the rules never put another topic's dir
// there): it stays in its topic, offline, with an ERROR log line. Any
// other dir the rules cannot place (no partition.metadata, records past a
// missing partition) is logged and left alone, and the topics beside it
// load: recovery never deletes a record that no DeleteTopics committed.
//
// Design note: the data dir is locked, as Kafka locks it, with an flock on
// its .lock file, taken before anything in it is read or written. Two
// brokers on one data dir would hand out the same offsets twice; the
// second one stops at once instead. The lock belongs to the open file, so
// it goes with the process however the process ends.

// Errors of topic management, which the admin APIs answer as error codes.
var (
	errInvalidTopic      = errors.New("kafka: invalid topic name")      // INVALID_TOPIC_EXCEPTION
	errTopicExists       = errors.New("kafka: topic already exists")    // TOPIC_ALREADY_EXISTS
	errUnknownTopic      = errors.New("kafka: unknown topic")           // UNKNOWN_TOPIC_OR_PARTITION
	errInvalidPartitions = errors.New("kafka: invalid partition count") // INVALID_PARTITIONS
)

// Suffixes of partition dirs in the middle of a topic change: deleteSuffix
// marks a dir whose topic is deleted, as Kafka's LocalLog.DeleteDirSuffix
// does, and createSuffix one staged for a creation that has not committed.
const (
	deleteSuffix = "-delete"
	createSuffix = "-create"
)

// maxFileNameLength is the longest file name Linux file systems take.
const maxFileNameLength = 255

// lockFile is the data dir's lock, Kafka's LogManager.LockFileName.
const lockFile = ".lock"

// errDataDirLocked means another process holds the data dir's lock.
var errDataDirLocked = errors.New("kafka: data dir is in use by another broker")

// maxTopicNameLength is Kafka's Topic.MAX_NAME_LENGTH: 255 bytes of file
// name, less room for "-<partition>" and the ".<id>-delete" suffix.
const maxTopicNameLength = 249

// topicLog is a topic, its partition logs, indexed by partition number,
// and the configs set on it (topicconfigs.go).
type topicLog struct {
	Name string
	// ID tells a topic from an earlier one of the same name (KIP-516): a
	// consumer that fetches by id after the topic was deleted and made
	// again gets UNKNOWN_TOPIC_ID instead of reading someone else's
	// records.
	ID uuid
	// Partitions and Configs are replaced, never changed in place, since
	// handlers read them without holding mu (the first design note above).
	Partitions []*partitionLog
	Configs    topicConfig
	// ConfigsUnread is set when the topic's topic.config did not read at
	// start: Configs are then what of it could be trusted, over defaults
	// that may keep less than the topic's own did (a retention.ms of -1),
	// so retention deletes nothing of it until its configs are set again.
	ConfigsUnread bool
	// brokerDefaults is the logDir's: the broker's dynamic defaults of
	// topic configs, which Settings lays Configs over.
	brokerDefaults *atomic.Pointer[topicConfig]
	// settings caches Settings' merge for the defaults it was made from:
	// Configs never changes (a config change replaces the topicLog), so
	// the merge is made again only when the defaults change.
	settings atomic.Pointer[mergedSettings]
}

// mergedSettings is a topic's Configs laid over the dynamic defaults
// from.
type mergedSettings struct {
	from   *topicConfig
	merged topicConfig
}

// Settings is what the topic runs on: its own configs over the broker's
// dynamic defaults (brokerconfigs.go), each config either of them lacks
// at its static default. Whatever acts on a topic config reads it here,
// at the moment it acts, so that a change of either takes effect at once;
// Configs alone is what the topic set, for topic.config and
// DescribeConfigs. Without dynamic defaults, the common case, it is
// Configs itself, at no cost; with them, a map made once per change of
// the defaults, so that the produce path allocates nothing for it.
func (t *topicLog) Settings() topicConfig {
	if t.brokerDefaults == nil {
		return t.Configs
	}
	defaults := t.brokerDefaults.Load()
	if defaults == nil || len(*defaults) == 0 {
		return t.Configs
	}
	if m := t.settings.Load(); m != nil && m.from == defaults {
		return m.merged
	}
	merged := maps.Clone(*defaults)
	maps.Copy(merged, t.Configs)
	t.settings.Store(&mergedSettings{defaults, merged})
	return merged
}

// logDir is the broker's data directory: every topic's partitions. It is
// safe for concurrent use.
type logDir struct {
	// opts are the broker-wide log options; a topic's own configs are laid
	// over them (topicConfig.logOptions) when its partitions open.
	path   string
	opts   logOptions
	logger *slog.Logger

	// mu guards topics and names. Creating and deleting hold it across their disk
	// work, so they are serialized with each other; lookups wait for them,
	// which admin operations are rare enough to allow.
	mu     sync.RWMutex
	topics map[string]*topicLog
	// names maps each topic id to its topic's name, so that a lookup by id
	// (every Fetch from v13 names its topics so, KIP-516) costs what one by
	// name does. Kept with topics: set where a topic is made, dropped where
	// it is deleted; a topic's id never changes.
	names map[uuid]string

	// brokerDefaults holds the broker's dynamic defaults of topic configs,
	// by their topic names, which every topicLog shares (Settings).
	// Replaced whole by SetBrokerDefaults under mu, never changed in place.
	brokerDefaults atomic.Pointer[topicConfig]

	// lock holds the flock on the data dir's .lock file until Close.
	lock *os.File

	// removals counts the background removals of -delete dirs, which
	// Close waits for.
	removals sync.WaitGroup

	// checkpointMu serializes writes of the log start offset checkpoint.
	// Each write reads every partition's start afresh while holding it, so
	// the last one written is never older than the last change. Lock
	// order: checkpointMu, then mu.
	checkpointMu sync.Mutex
	// checkpointStale is set while the last write of the checkpoint
	// failed (a full disk): the file may still name partitions of a
	// deleted topic, which a topic created under its name would inherit
	// at the next start, so creations write it first (freshCheckpoint).
	checkpointStale atomic.Bool

	// endsAtOpen is the log end offset checkpoint a clean start read:
	// Close writes it again for the partitions that are offline, whose
	// ends it cannot read (see checkLogEnds).
	endsAtOpen []checkpointEntry
}

// Files of the data dir itself, named as Kafka names them.
const (
	// cleanShutdownFile exists only between a clean Close and the next
	// open; see the design note on crash safety.
	cleanShutdownFile = ".kafka_cleanshutdown"
	// logStartCheckpointFile holds the log start offsets of the
	// partitions, in Kafka's OffsetCheckpointFile format.
	logStartCheckpointFile = "log-start-offset-checkpoint"
	// recoveryPointCheckpointFile holds, in the same format, each
	// partition's log end offset at the last clean Close, which is
	// what Kafka's recovery point is after a clean shutdown: every
	// record below it was synced (see checkLogEnds).
	recoveryPointCheckpointFile = "recovery-point-offset-checkpoint"
)

// String formats a topic id as Kafka's Uuid.toString does.
func (u uuid) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// openLogDir locks the data dir at path, creating it if missing, settles
// the topic changes a crash cut short and loads every topic in it (see the
// design note on crash-atomic topic changes). Entries that are not
// partition dirs are ignored, such as Kafka's meta.properties and
// *-checkpoint files. A partition whose log fails to open is loaded
// offline: it answers KAFKA_STORAGE_ERROR, and the others are served.
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
	// The lock comes before anything is read, so that a second broker
	// started on the same dir stops here, before its recovery could rename
	// or remove dirs that the first broker is writing to.
	lock, err := lockDataDir(path)
	if err != nil {
		return nil, err
	}
	d := &logDir{path: path, opts: opts, logger: logger, topics: make(map[string]*topicLog), names: make(map[uuid]string), lock: lock}
	if err := d.load(); err != nil {
		// Recovery may have started background removals; they finish before
		// the lock is released, so that none is still running in the dir
		// once another process may own it.
		d.removals.Wait()
		return nil, errors.Join(err, d.closeLogs(), lock.Close())
	}
	return d, nil
}

// lockDataDir takes the data dir's lock, or fails at once if another
// process holds it, with Kafka's advice in the message.
func lockDataDir(path string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(path, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kafka: lock data dir %s: %w", path, err)
	}
	locked, err := tryLock(f)
	if err == nil && !locked {
		f.Close()
		return nil, fmt.Errorf("%w: %s is locked (%s); is another broker running on it?", errDataDirLocked, path, lockFile)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("kafka: lock data dir %s: %w", path, err)
	}
	return f, nil
}

// load reads the data dir into d.topics; d holds the lock.
func (d *logDir) load() error {
	// The marker goes before anything is written, so that a crash from
	// here on is seen as one by the next open.
	clean, err := takeCleanShutdownMarker(d.path)
	if err != nil {
		return err
	}
	// Recovery settles the dirs before any partition opens, so that a
	// partition never opens in a dir that is about to be removed.
	runs, err := d.recoverDirs()
	if err != nil {
		return err
	}
	if !clean && len(runs) > 0 {
		d.logger.Info("no clean shutdown marker: scanning the last two segments of every partition", "dir", d.path)
	}
	// The partitions open from a pool of workers (inParallel): opening
	// one is a few small reads and opens, mostly waiting on the file
	// system, and a clean restart of 10,000 of them one at a time took
	// most of its time in those waits.
	type opening struct {
		t    *topicLog
		p    int
		id   uuid // what the partition's partition.metadata says
		opts logOptions
	}
	var all []opening
	for _, name := range slices.Sorted(maps.Keys(runs)) {
		cfg, err := readTopicConfig(filepath.Join(d.path, partitionDirName(name, 0)))
		if err != nil {
			d.logger.Warn("topic configs unreadable: using what could be read over the defaults, but retention deletes nothing of the topic until its configs are set again",
				"topic", name, "file", filepath.Join(d.path, partitionDirName(name, 0), topicConfigFile), "err", err)
		}
		t := &topicLog{Name: name, ID: runs[name][0].id, Configs: cfg, ConfigsUnread: err != nil, Partitions: make([]*partitionLog, len(runs[name])), brokerDefaults: &d.brokerDefaults}
		popts := t.Settings().logOptions(d.opts)
		for p, pd := range runs[name] {
			all = append(all, opening{t, p, pd.id, popts})
		}
		d.topics[name] = t
		d.names[t.ID] = name
	}
	open := func(o opening, last bool) bool {
		dir := filepath.Join(d.path, partitionDirName(o.t.Name, int32(o.p)))
		if o.id != o.t.ID {
			o.t.Partitions[o.p] = d.inconsistentPartition(o.t, o.p, o.id)
			return true
		}
		pl, err := openPartition(dir, o.opts, d.logger, clean)
		if err != nil && !last && outOfDescriptors(err) {
			return false
		}
		if err != nil {
			d.logger.Error("partition is offline: its log does not open", "topic", o.t.Name, "partition", o.p, "err", err)
			pl = offlinePartition(dir, d.logger, err)
		}
		o.t.Partitions[o.p] = pl
		return true
	}
	retry := make([]bool, len(all))
	inParallel(len(all), func(i int) { retry[i] = !open(all[i], false) })
	// The pool's workers hold several descriptors each while they open
	// a partition, and under a low ulimit -n they run out of them
	// together: those that found none open again, one at a time, now
	// that the pool's are closed.
	d.openAgainAlone(retry, func(i int) { open(all[i], true) })
	d.keepOffsetsTopic(runs)
	d.checkLogEnds(clean)
	// The checkpoint is applied after the logs open: restoreLogStart checks
	// each start against its log's high watermark, which is known only once
	// the log has been read.
	if err := d.restoreLogStarts(); err != nil {
		return err
	}
	d.restoreCleaned()
	return nil
}

// keepOffsetsTopic keeps __consumer_offsets, offline, when something
// other than a dir is in the place of its partition 0, where runs, from
// dirs only, has no such topic. The group coordinator makes the topic at
// its first start (offsets.go), so the entry is damage, not a stray file:
// in Kafka the topic is in the metadata log whatever becomes of its log
// dir, and KRaftMetadataCache.getTopicMetadata lists it with its
// partition offline. Kept as a partition whose log does not open, it is
// answered as every offline partition is (describeTopic), the group
// coordinator finds it offline (openCoordinator), and the checkpoints,
// applied after this, carry its entries over to the start that opens it
// again. Its topic id and configs were in the dir, so it has neither: its
// id is the zero one, which Kafka answers for a topic it has none of.
func (d *logDir) keepOffsetsTopic(runs map[string][]partitionDir) {
	if runs[offsetsTopic] != nil {
		return
	}
	dir := filepath.Join(d.path, partitionDirName(offsetsTopic, 0))
	fi, err := os.Lstat(dir)
	if err != nil || fi.IsDir() {
		return
	}
	err = fmt.Errorf("%s is not a directory", dir)
	d.logger.Error("partition is offline: something other than its dir is in its place", "topic", offsetsTopic, "partition", 0, "err", err)
	d.topics[offsetsTopic] = &topicLog{Name: offsetsTopic, Partitions: []*partitionLog{offlinePartition(dir, d.logger, err)},
		ConfigsUnread: true, brokerDefaults: &d.brokerDefaults}
}

// checkLogEnds compares, after a clean stop, each partition's log end
// offset with the one Close checkpointed. Close synced every record
// below it, and nothing has run since, so a log that ends before it lost
// records outside the broker: a segment file deleted, emptied or cut.
// Such a partition is taken offline (KAFKA_STORAGE_ERROR), with an
// ERROR naming what is missing: served, it would give the lost offsets
// to new records, and a consumer past them would be reset. Kafka does not
// check this (its LogLoader trusts the logs after a clean shutdown); its
// answer to a log it cannot trust is to take the log dir offline, which
// this does for the partition alone. After a crash the checkpoint is
// stale, and a tail lost without an fsync is expected, so it is not read.
func (d *logDir) checkLogEnds(clean bool) {
	if !clean {
		return
	}
	path := filepath.Join(d.path, recoveryPointCheckpointFile)
	ends, err := readCheckpoint(path)
	if err != nil {
		d.logger.Warn("log end offsets of the last clean stop unreadable: not checked", "file", path, "err", err)
		return
	}
	d.endsAtOpen = ends
	for _, e := range ends {
		t := d.topics[e.topic]
		if t == nil || e.partition < 0 || int(e.partition) >= len(t.Partitions) {
			continue
		}
		pl := t.Partitions[e.partition]
		if pl.failed() != nil || pl.HighWatermark() >= e.offset {
			continue
		}
		name := partitionDirName(e.topic, e.partition)
		end := pl.HighWatermark()
		d.logger.Error("partition is offline: its log ends before where it ended at the last clean stop, so records were lost outside the broker "+
			"(a segment file deleted, emptied or cut). Restore the partition's segment files from a backup and restart, "+
			"or, to serve what is left, remove the partition's line from "+recoveryPointCheckpointFile+" and restart",
			"dir", filepath.Join(d.path, name), "topic", e.topic, "partition", e.partition, "log_end_offset", end, "log_end_offset_at_stop", e.offset)
		if err := pl.Discard(); err != nil && !errors.Is(err, errLogClosed) {
			d.logger.Warn("closing a partition taken offline", "dir", filepath.Join(d.path, name), "err", err)
		}
		t.Partitions[e.partition] = offlinePartition(filepath.Join(d.path, name), d.logger,
			fmt.Errorf("log ends at %d, and ended at %d at the last clean stop", end, e.offset))
	}
}

// checkpointLogEnds writes every partition's log end offset for the next
// start's checkLogEnds; an offline partition keeps the entry it had.
func (d *logDir) checkpointLogEnds() error {
	var es []checkpointEntry
	for _, t := range d.Topics() {
		for p, pl := range t.Partitions {
			if pl.failed() == nil {
				es = append(es, checkpointEntry{t.Name, int32(p), pl.HighWatermark()})
				continue
			}
			for _, e := range d.endsAtOpen {
				if e.topic == t.Name && e.partition == int32(p) {
					es = append(es, e)
				}
			}
		}
	}
	return writeCheckpoint(filepath.Join(d.path, recoveryPointCheckpointFile), es)
}

// inconsistentPartition is the offline log of partition p of t, whose
// partition.metadata says topic id id where partition 0's says t.ID: one
// of the two files is damaged, and which one cannot be told here. Kafka
// checks a log's id against the metadata's (LogManager.getOrCreateLog's
// InconsistentTopicIdException) and moves a log of an id the metadata
// lacks aside as a stray, to be recreated empty; with no metadata log,
// this broker keeps the partition in its topic, offline
// (KAFKA_STORAGE_ERROR) and untouched, so that no acknowledged record is
// hidden or written over, and says how to recover.
func (d *logDir) inconsistentPartition(t *topicLog, p int, id uuid) *partitionLog {
	name := partitionDirName(t.Name, int32(p))
	err := fmt.Errorf("%s of %s says topic id %s, and partition 0's says %s", partitionMetadataFile, name, id, t.ID)
	d.logger.Error("partition is offline: its topic id differs from partition 0's, so one of the two partition.metadata files is damaged; "+
		"its records are kept. Correct or remove the damaged file and restart: a removed one is restored from the partitions that agree",
		"dir", d.path, "name", name, "topic", t.Name, "partition", p, "topic_id", id, "partition_0_topic_id", t.ID)
	return offlinePartition(filepath.Join(d.path, name), d.logger, err)
}

// openAgainAlone calls open, one at a time, for each i that retry marks:
// the partitions whose first open found no file descriptor free. The log
// says so, since a start that ran out of descriptors is worth raising the
// limit for, even when the second try succeeds.
func (d *logDir) openAgainAlone(retry []bool, open func(i int)) {
	var again []int
	for i, r := range retry {
		if r {
			again = append(again, i)
		}
	}
	if len(again) > 0 {
		d.logger.Warn("no file descriptor free while the partitions opened: opening them again one at a time", "partitions", len(again))
	}
	for _, i := range again {
		open(i)
	}
}

// outOfDescriptors reports whether err is the process's or the system's
// open file limit.
func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
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
	// The removal is made durable before anything else is written:
	// otherwise a crash could keep the marker on disk while the writes
	// after it, torn, reached the disk too, and the next open would skip
	// the scan of the last segments that the torn writes need.
	return true, syncDir(dir)
}

// readTopicConfig reads the topic.config in a partition dir; none means
// nothing was set. A config that cannot be read whole is returned with
// the error and what of it could be trusted (parseTopicConfigFile): the
// topic loads with that over the defaults rather than not at all.
func readTopicConfig(dir string) (topicConfig, error) {
	b, err := os.ReadFile(filepath.Join(dir, topicConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return topicConfig{}, nil
	}
	if err != nil {
		return topicConfig{}, err
	}
	c, err := parseTopicConfigFile(b)
	if c == nil {
		c = topicConfig{}
	}
	return c, err
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
// topic created later under the same name does not inherit them, with a
// WARN naming them: a damaged name looks the same, and takes its
// partition's log start with it. A file
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
	starts, err := parseCheckpoint(b)
	if err != nil {
		d.logger.Warn("ignoring the log start offset checkpoint", "file", filepath.Join(d.path, logStartCheckpointFile), "err", err)
		d.rewriteCheckpointAtOpen()
		return nil
	}
	stale := false
	for _, e := range starts {
		t := d.topics[e.topic]
		if t == nil || e.partition < 0 || int(e.partition) >= len(t.Partitions) {
			d.logger.Warn("the log start offset checkpoint names a partition that does not exist: dropped. "+
				"It is a topic deleted just before a crash, or damage to the file, which cost a partition its log start",
				"file", filepath.Join(d.path, logStartCheckpointFile), "topic", e.topic, "partition", e.partition, "log_start_offset", e.offset)
			stale = true
			continue
		}
		if t.Partitions[e.partition].restoreLogStart(e.offset) {
			stale = true
		}
	}
	if stale {
		d.rewriteCheckpointAtOpen()
	}
	return nil
}

// rewriteCheckpointAtOpen replaces a checkpoint that named partitions that
// are gone, was behind a partition's first segment, or did not parse. A
// failure is logged, not returned: on a full disk the broker must still
// start, to serve what it holds, and the old file does no harm meanwhile,
// since every later checkpoint is written whole from the partitions then
// open.
func (d *logDir) rewriteCheckpointAtOpen() {
	if err := d.checkpointLogStarts(); err != nil {
		d.logger.Warn("log start offset checkpoint not rewritten at start; the next checkpoint will be", "dir", d.path, "err", err)
	}
}

// checkpointEntry is one line of the checkpoint.
type checkpointEntry struct {
	topic     string
	partition int32
	offset    int64
}

// parseCheckpoint parses a file in the checkpoint format, which the log
// start offsets, the log ends and the cleaner's checkpoints all share
// (writeCheckpoint); its errors name no file, which the caller knows. A
// partition named twice does not parse: a byte flipped in one name made
// it another's, and which of the two offsets is the partition's cannot
// be told. A line whose name is no topic's, or whose partition is
// negative, does parse, and names no partition: each caller drops such
// an entry (restoreLogStarts with a WARN), so that the byte flipped in it
// costs its own partition its offset, not every partition of the file,
// as Kafka's CheckpointFile, which reads any name, costs only that one.
func parseCheckpoint(b []byte) ([]checkpointEntry, error) {
	// The count line must match the lines that follow, as Kafka's
	// CheckpointFile reader insists: a file short of lines was cut, and
	// applying part of it would be silently wrong.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 || strings.TrimSpace(lines[0]) != "0" || strings.TrimSpace(lines[1]) != strconv.Itoa(len(lines)-2) {
		return nil, errors.New("kafka: checkpoint: unknown format")
	}
	var es []checkpointEntry
	seen := make(map[topicPartition]bool, len(lines)-2)
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("kafka: checkpoint: bad line %q", line)
		}
		p, err1 := strconv.ParseInt(f[1], 10, 32)
		offset, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("kafka: checkpoint: bad line %q", line)
		}
		e := checkpointEntry{f[0], int32(p), offset}
		if seen[topicPartition{e.topic, e.partition}] {
			return nil, fmt.Errorf("kafka: checkpoint: %s-%d twice", e.topic, e.partition)
		}
		seen[topicPartition{e.topic, e.partition}] = true
		es = append(es, e)
	}
	return es, nil
}

// checkpointLogStarts writes every partition's log start offset to the
// checkpoint file.
func (d *logDir) checkpointLogStarts() error {
	d.checkpointMu.Lock()
	defer d.checkpointMu.Unlock()
	var lines []string
	// The starts are read under checkpointMu, not before it, so that of two
	// writers the one that writes last also read last; d.Topics takes mu
	// for a moment only, after checkpointMu, in the order the struct gives.
	for _, t := range d.Topics() {
		for p, pl := range t.Partitions {
			lines = append(lines, fmt.Sprintf("%s %d %d\n", t.Name, p, pl.LogStartOffset()))
		}
	}
	// writeFileAtomic writes a temporary file, fsyncs it, renames it over
	// the old one and fsyncs the data dir: a crash leaves the old
	// checkpoint or the new one. A torn checkpoint would fail to parse and
	// put every partition back at its first segment, reviving deleted
	// records.
	data := fmt.Sprintf("0\n%d\n%s", len(lines), strings.Join(lines, ""))
	err := writeFileAtomic(filepath.Join(d.path, logStartCheckpointFile), []byte(data))
	d.checkpointStale.Store(err != nil)
	return err
}

// freshCheckpoint rewrites the checkpoint if its last write failed, so
// that partitions about to be created cannot inherit a deleted topic's
// entries; creations fail while it cannot be written.
func (d *logDir) freshCheckpoint() error {
	if !d.checkpointStale.Load() {
		return nil
	}
	if err := d.checkpointLogStarts(); err != nil {
		return fmt.Errorf("%w: the log start offset checkpoint, which names a deleted topic's partitions, cannot be rewritten: %w", errStorage, err)
	}
	return nil
}

// partitionDir is a partition dir with a readable partition.metadata.
type partitionDir struct {
	partition int32
	id        uuid
}

// recoverDirs reads the data dir's entries, settles the topic changes a
// crash cut short, and returns each topic's run of partitions, sorted.
// Dirs to remove are first renamed to -delete names, which is atomic, and
// then removed in the background: a crash halfway through a removal
// leaves a -delete dir, never a partition dir that lost its metadata.
func (d *logDir) recoverDirs() (map[string][]partitionDir, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, fmt.Errorf("kafka: list data dir: %w", err)
	}
	// A deletion commits when partition 0 is renamed, so a -delete dir of
	// partition 0 is what says a topic id is gone; its other partitions may
	// still be under their own names, and are finished off below.
	deleted := map[uuid]bool{} // topic ids whose partition 0 is in a -delete dir
	var doomed []string        // -delete and staging dirs
	byTopic := map[string][]partitionDir{}
	damaged := map[string][]damagedDir{} // partition dirs whose partition.metadata does not read
	// The partition.metadata files are read from a pool of workers
	// first, one small read each, as load opens the partitions.
	ids, idErrs := make([]uuid, len(entries)), make([]error, len(entries))
	inParallel(len(entries), func(i int) {
		if _, _, ok := parsePartitionDirName(entries[i].Name()); ok && entries[i].IsDir() {
			ids[i], idErrs[i] = readPartitionMetadata(filepath.Join(d.path, entries[i].Name()))
		}
	})
	for i, e := range entries {
		if !e.IsDir() {
			continue
		}
		if c, ok := parseChangeDirName(e.Name()); ok {
			if c.kind == deleteSuffix && c.partition == 0 {
				deleted[c.id] = true
			}
			if c.kind == createSuffix {
				d.logger.Info("removing a partition staged by a topic creation that did not finish", "dir", d.path, "name", e.Name())
			}
			doomed = append(doomed, e.Name())
			continue
		}
		topic, p, ok := parsePartitionDirName(e.Name())
		if !ok {
			d.logger.Debug("ignoring entry of data dir", "dir", d.path, "name", e.Name())
			continue
		}
		id, err := ids[i], idErrs[i]
		if err != nil {
			// Only a dir with records is known to be a partition that
			// lost its file; an empty one may be anyone's.
			if holdsRecords(filepath.Join(d.path, e.Name())) {
				damaged[topic] = append(damaged[topic], damagedDir{p, err})
			} else {
				d.logger.Warn("leaving alone a dir that is not a partition", "dir", d.path, "name", e.Name(), "topic", topic, "reason", err)
			}
			continue
		}
		byTopic[topic] = append(byTopic[topic], partitionDir{partition: p, id: id})
	}
	for _, topic := range slices.Sorted(maps.Keys(damaged)) {
		byTopic[topic] = append(byTopic[topic], d.restoreTopicID(topic, byTopic[topic], damaged[topic])...)
	}
	runs := map[string][]partitionDir{}
	for _, topic := range slices.Sorted(maps.Keys(byTopic)) {
		run, rest := splitRun(byTopic[topic], deleted)
		d.writeRestoredIDs(topic, run, damaged[topic])
		for _, pd := range rest {
			if name, ok := d.settleStray(topic, pd, run, deleted); ok {
				doomed = append(doomed, name)
			}
		}
		if len(run) > 0 {
			runs[topic] = run
		}
	}
	// The renames made by settleStray are made durable before any removal
	// starts. Without this fsync a crash could keep the removal's unlinks
	// inside a dir but lose its rename, and bring back a partition dir with
	// no partition.metadata, or with half its segments.
	if err := syncDir(d.path); err != nil {
		return nil, err
	}
	d.removeLater(doomed)
	return runs, nil
}

// damagedDir is a partition dir whose partition.metadata is missing or
// does not read, and why.
type damagedDir struct {
	partition int32
	err       error
}

// restoreTopicID gives the partition dirs of topic whose partition.metadata
// is damaged, and that hold records, their topic id again, and writes the
// file anew. A dir under a partition's own name had the file before it was
// renamed to that name (stagePartition), so one with records and without
// it is damage, not a change cut short, and its records are the topic's. The id is the one its readable sibling
// partitions agree on; with none readable, a new one (clients that knew
// the old one look the topic up again by name). Siblings that disagree
// leave the dirs alone, with a log line, as does a failure to draw an id.
// The file is written anew only for the dirs that then fall in the
// topic's run (writeRestoredIDs): one past a gap is a stray, left alone.
// A failure to write the file is logged: the next start restores it again.
func (d *logDir) restoreTopicID(topic string, siblings []partitionDir, damaged []damagedDir) []partitionDir {
	var id uuid
	for _, pd := range siblings {
		if id != (uuid{}) && pd.id != id {
			for _, dd := range damaged {
				d.logger.Warn("leaving alone a partition whose partition.metadata does not read: its siblings disagree on the topic id",
					"dir", d.path, "name", partitionDirName(topic, dd.partition), "reason", dd.err)
			}
			return nil
		}
		id = pd.id
	}
	if id == (uuid{}) {
		var err error
		if id, err = newTopicID(); err != nil {
			d.logger.Warn("leaving alone partitions whose partition.metadata does not read", "dir", d.path, "topic", topic, "err", err)
			return nil
		}
	}
	var restored []partitionDir
	for _, dd := range damaged {
		restored = append(restored, partitionDir{partition: dd.partition, id: id})
	}
	return restored
}

// writeRestoredIDs writes partition.metadata again for the damaged dirs
// that restoreTopicID gave an id and that fall in the topic's run.
func (d *logDir) writeRestoredIDs(topic string, run []partitionDir, damaged []damagedDir) {
	for _, dd := range damaged {
		i := slices.IndexFunc(run, func(pd partitionDir) bool { return pd.partition == dd.partition })
		if i < 0 {
			continue
		}
		name := partitionDirName(topic, dd.partition)
		d.logger.Warn("partition.metadata missing or damaged: topic id restored", "dir", d.path, "name", name,
			"topic_id", run[i].id, "reason", dd.err)
		if err := writeFileAtomic(filepath.Join(d.path, name, partitionMetadataFile), partitionMetadata(run[i].id)); err != nil {
			d.logger.Warn("partition.metadata not written again", "dir", d.path, "name", name, "err", err)
		}
	}
}

// splitRun sorts a topic's partition dirs and splits them into its run
// (rule 1 of the design note) and the rest. Partitions of a deleted topic
// id are never in a run.
func splitRun(parts []partitionDir, deleted map[uuid]bool) (run, rest []partitionDir) {
	slices.SortFunc(parts, func(a, b partitionDir) int { return cmp.Compare(a.partition, b.partition) })
	for _, pd := range parts {
		// The run ends at its first gap or at a deleted dir; everything
		// after that is the rest, even a dir that would fit, because the
		// rules commit partitions in order and a dir beyond a gap was
		// never part of a committed topic. A dir in the run with another
		// topic id than partition 0's stays in it, to be opened offline
		// (inconsistentPartition): the rules never put another topic's
		// dir there, so one of the two files is damaged, and ending the
		// run at it would hide it and every partition after it.
		if len(rest) == 0 && !deleted[pd.id] && pd.partition == int32(len(run)) {
			run = append(run, pd)
		} else {
			rest = append(rest, pd)
		}
	}
	return run, rest
}

// settleStray decides about a partition dir outside its topic's run: one
// whose topic was deleted, or one a creation cut short (it holds no
// records, and has the run's topic id or there is no run), is renamed for
// removal, and its new name returned; any other is logged and left alone.
func (d *logDir) settleStray(topic string, pd partitionDir, run []partitionDir, deleted map[uuid]bool) (string, bool) {
	dir := partitionDirName(topic, pd.partition)
	var why string
	switch {
	case deleted[pd.id]:
		d.logger.Info("finishing the deletion of a topic", "dir", d.path, "name", dir, "topic", topic, "topic_id", pd.id)
	case len(run) > 0 && pd.id != run[0].id:
		why = fmt.Sprintf("topic id %s differs from partition 0's %s", pd.id, run[0].id)
	case holdsRecords(filepath.Join(d.path, dir)):
		why = fmt.Sprintf("it holds records, but partition %d is missing", len(run))
	default:
		d.logger.Info("removing a partition a topic creation did not finish", "dir", d.path, "name", dir, "topic", topic, "topic_id", pd.id)
	}
	if why != "" {
		d.logger.Warn("leaving alone a partition outside its topic", "dir", d.path, "name", dir, "topic", topic, "reason", why)
		return "", false
	}
	// Renamed, not removed, so that the removal is atomic: a crash in
	// RemoveAll leaves a -delete dir, which the next open removes again.
	gone := changeDirName(topic, pd.partition, pd.id, deleteSuffix)
	if err := os.Rename(filepath.Join(d.path, dir), filepath.Join(d.path, gone)); err != nil {
		d.logger.Warn("leaving alone a partition that could not be renamed for removal", "dir", d.path, "name", dir, "err", err)
		return "", false
	}
	return gone, true
}

// holdsRecords reports whether a partition dir has a non-empty segment.
// A dir that cannot be read counts as holding records: recovery deletes
// only what it knows to be empty.
func holdsRecords(dir string) bool {
	bases, err := listSegments(dir)
	if err != nil {
		return true
	}
	for _, base := range bases {
		// Only .log files are looked at: they hold the records, and the
		// first segment that stagePartition makes is an empty .log.
		fi, err := os.Stat(segmentPath(dir, base, logSuffix))
		if err != nil || fi.Size() > 0 {
			return true
		}
	}
	return false
}

// changeDir is what the name of a dir in the middle of a topic change
// says: <topic>-<partition>.<topic id in hex><kind>.
type changeDir struct {
	partition int32
	id        uuid
	kind      string // deleteSuffix or createSuffix
}

// changeDirName names a partition dir in the middle of a topic change. As
// in Kafka's LocalLog.logDeleteDirName, the topic is cut short if the name
// would pass 255 bytes; recovery reads only the partition and the id.
// Kafka puts a random id in the names of deleted dirs; here it is the topic
// id, so that recovery can tell which topic a -delete or -create dir
// belonged to when a topic of the same name exists beside it.
func changeDirName(topic string, partition int32, id uuid, kind string) string {
	suffix := fmt.Sprintf("-%d.%x%s", partition, id[:], kind)
	return topic[:min(len(topic), maxFileNameLength-len(suffix))] + suffix
}

// parseChangeDirName reads a name made by changeDirName.
func parseChangeDirName(name string) (changeDir, bool) {
	for _, kind := range []string{deleteSuffix, createSuffix} {
		// The id is hex and the topic part may be cut short, so the name is
		// read from the right: kind, then the id after the last '.', then
		// the partition after the last '-'.
		rest, ok := strings.CutSuffix(name, kind)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			return changeDir{}, false
		}
		raw, err := hex.DecodeString(rest[i+1:])
		if err != nil || len(raw) != len(uuid{}) {
			return changeDir{}, false
		}
		_, p, ok := parsePartitionDirName(rest[:i])
		if !ok {
			// The topic part may be cut short, but not to nothing.
			return changeDir{}, false
		}
		return changeDir{partition: p, id: uuid(raw), kind: kind}, true
	}
	return changeDir{}, false
}

// removeAll is os.RemoveAll, a variable so that a test can make it fail.
var removeAll = os.RemoveAll

// removeLater removes dirs of the data dir in the background. A removal
// that fails is logged; the dir keeps its -delete or -create name, and
// the next open tries again.
func (d *logDir) removeLater(names []string) {
	if len(names) == 0 {
		return
	}
	// Removing a large partition can take seconds, and DeleteTopics has
	// already committed with the rename, so the answer does not wait for
	// it; Close does, through removals.
	d.removals.Add(1)
	// remove is read now, not in the goroutine, so that a test that swaps
	// removeAll back after the call cannot race with the removal.
	remove := removeAll
	go func() {
		defer d.removals.Done()
		for _, name := range names {
			if err := remove(filepath.Join(d.path, name)); err != nil {
				d.logger.Warn("removing a deleted partition dir failed; the next start tries again", "dir", d.path, "name", name, "err", err)
			}
		}
	}()
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
	// Only the form Kafka writes is accepted, so that t-1 and t-01 cannot
	// be two dirs of one partition; any other dir is not a partition here.
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != num || validateTopicName(topic) != nil {
		return "", 0, false
	}
	return topic, int32(n), true
}

// validateTopicName applies Kafka's Topic.validate: 1 to 249 characters of
// [a-zA-Z0-9._-], and not "." or "..". The rule matters here beyond
// compatibility: the name becomes a directory name. The error says why in
// Kafka's words (Topic.detectInvalidTopic), since CreateTopics hands it to
// the client as INVALID_TOPIC_EXCEPTION's message.
func validateTopicName(name string) error {
	switch {
	case name == "":
		return invalidTopicName("the empty string is not allowed")
	case name == ".":
		return invalidTopicName("'.' is not allowed")
	case name == "..":
		return invalidTopicName("'..' is not allowed")
	case javaLength(name) > maxTopicNameLength:
		return invalidTopicName(fmt.Sprintf("the length of '%s' is longer than the max allowed length %d", name, maxTopicNameLength))
	}
	// The name becomes part of a path, so the byte set rules out '/', and
	// with "." and ".." refused above no name can climb out of the data
	// dir. Kafka checks the length before the characters, in UTF-16 units,
	// so a long name of other characters is refused for its length; the
	// byte length, which the file name needs, is bounded by this check.
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return invalidTopicName("'" + name + "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'")
		}
	}
	return nil
}

// topicNameError is an invalid topic name, with Kafka's message; it is
// errInvalidTopic to errors.Is.
type topicNameError struct{ msg string }

// Error is Kafka's message, which CreateTopics answers as it is.
func (e *topicNameError) Error() string { return e.msg }

// Is lets callers test for errInvalidTopic without knowing the message.
func (e *topicNameError) Is(target error) bool { return target == errInvalidTopic }

// invalidTopicName is Topic.validate's InvalidTopicException.
func invalidTopicName(reason string) error {
	return &topicNameError{"Topic name is invalid: " + reason}
}

// javaLength is the length of s as Java's String.length counts it, in
// UTF-16 code units, which is what Kafka's 249 limits.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n += max(1, utf16.RuneLen(r))
	}
	return n
}

// collides reports whether two topic names are the same once '.' is read
// as '_'.
func collides(a, b string) bool {
	return strings.ReplaceAll(a, ".", "_") == strings.ReplaceAll(b, ".", "_")
}

// topicCollision is the refusal of a name that collides with another, in
// the words of Kafka's ReplicationControlManager.validateNewTopicNames.
func topicCollision(name, other string) error {
	return &topicNameError{"Topic '" + name + "' collides with existing topic: " + other}
}

// collidingTopic returns a topic that name collides with, if any.
func (d *logDir) collidingTopic(name string) (string, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for other := range d.topics {
		if other != name && collides(name, other) {
			return other, true
		}
	}
	return "", false
}

// partitionMetadata is the content of partition.metadata for a topic id.
// partitionMetadata is written only into staged dirs, so it needs no atomic
// write of its own: a staged dir does not count until its rename.
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
	// The zero id means "no id" on the wire; a file holding it was not
	// written by a broker, and a topic loaded with it could not be fetched
	// by id.
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
// Topic is the lookup of every Produce and Fetch; RLock lets those run in
// parallel, and they wait only while a topic is made or deleted.
func (d *logDir) Topic(name string) *topicLog {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.topics[name]
}

// TopicByID returns the topic with the given id (KIP-516), or nil. Newer
// Fetch, Metadata and DeleteTopics versions name topics this way.
func (d *logDir) TopicByID(id uuid) *topicLog {
	d.mu.RLock()
	defer d.mu.RUnlock()
	name, ok := d.names[id]
	if !ok {
		return nil
	}
	return d.topics[name]
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
// CreateTopic is what auto-creation (handlers.go) uses; CreateTopics is the
// batch form under it.
func (d *logDir) CreateTopic(name string, partitions int32) (*topicLog, error) {
	return d.CreateTopicWithConfigs(name, partitions, nil)
}

// CreateTopicWithConfigs creates a topic with configs already checked
// (newTopicConfig).
func (d *logDir) CreateTopicWithConfigs(name string, partitions int32, cfg topicConfig) (*topicLog, error) {
	ts, errs := d.CreateTopics([]newTopic{{Name: name, Partitions: partitions, Configs: cfg}})
	return ts[0], errs[0]
}

// newTopic is one topic for CreateTopics to make.
type newTopic struct {
	Name       string
	Partitions int32
	Configs    topicConfig // checked by newTopicConfig; nil for none
}

// CreateTopics creates topics, each with a new random id, and returns for
// each either the topic or why it was not made. Each topic is made whole
// or not at all; the batch is not atomic: a crash may leave some of its
// topics made and others not, as Kafka's own CreateTopics may. Making
// them together is what makes it cheap (grow).
func (d *logDir) CreateTopics(specs []newTopic) ([]*topicLog, []error) {
	made, errs := make([]*topicLog, len(specs)), make([]error, len(specs))
	if err := d.freshCheckpoint(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return made, errs
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var gs []*growth
	var of []int // of[j] is the index in specs of gs[j]
	// taken holds the names accepted so far in this batch, so two entries
	// of one request cannot both pass the checks against d.topics.
	taken := make(map[string]bool, len(specs))
	for i, spec := range specs {
		g, err := d.newTopicGrowth(spec, taken)
		if err != nil {
			errs[i] = err
			continue
		}
		taken[spec.Name] = true
		gs, of = append(gs, g), append(of, i)
	}
	// The topics are published below only once grow has committed them and
	// opened every partition, so no request finds a topic that a crash
	// could still undo.
	d.grow(gs)
	for j, g := range gs {
		i := of[j]
		if g.err != nil {
			errs[i] = g.err
			continue
		}
		made[i] = &topicLog{Name: g.topic, ID: g.id, Partitions: g.made, Configs: g.cfg, brokerDefaults: &d.brokerDefaults}
		d.topics[g.topic] = made[i]
		d.names[g.id] = g.topic
	}
	return made, errs
}

// newTopicGrowth checks a topic to make against the topics there are and
// those taken earlier in the same batch, and draws its id; d.mu is held.
func (d *logDir) newTopicGrowth(spec newTopic, taken map[string]bool) (*growth, error) {
	name := spec.Name
	if err := validateTopicName(name); err != nil {
		return nil, err
	}
	if spec.Partitions < 1 {
		return nil, fmt.Errorf("%w: %d for topic %q", errInvalidPartitions, spec.Partitions, name)
	}
	if d.topics[name] != nil || taken[name] {
		return nil, fmt.Errorf("%w: %q", errTopicExists, name)
	}
	// Kafka refuses names that differ only in '.' versus '_', because its
	// metric names replace one with the other (Topic.hasCollision).
	for other := range d.topics {
		if collides(name, other) {
			return nil, topicCollision(name, other)
		}
	}
	for other := range taken {
		if collides(name, other) {
			return nil, topicCollision(name, other)
		}
	}
	// The id is drawn before any disk work, because it names the staged
	// dirs (<topic>-<partition>.<id>-create) and goes into each
	// partition.metadata.
	id, err := newTopicID()
	if err != nil {
		return nil, err
	}
	cfg := spec.Configs
	if cfg == nil {
		cfg = topicConfig{}
	}
	return &growth{topic: name, id: id, cfg: cfg, from: 0, to: spec.Partitions}, nil
}

// CreatePartitions grows a topic to total partitions.
func (d *logDir) CreatePartitions(name string, total int32) error {
	if err := d.freshCheckpoint(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.topics[name]
	if t == nil {
		return fmt.Errorf("%w: %q", errUnknownTopic, name)
	}
	if t.ID == (uuid{}) {
		// A topic kept offline without its dir (keepOffsetsTopic): new
		// partitions would name the zero id, and disagree with partition
		// 0 once it is repaired.
		return fmt.Errorf("%w: topic %q has no known id while its partition 0 is offline", errStorage, name)
	}
	have := int32(len(t.Partitions))
	if total <= have {
		return fmt.Errorf("%w: topic %q has %d partitions, asked for %d", errInvalidPartitions, name, have, total)
	}
	g := &growth{topic: name, id: t.ID, cfg: t.Configs, from: have, to: total}
	if d.grow([]*growth{g}); g.err != nil {
		return g.err
	}
	// slices.Clip makes append copy: writing into spare capacity of the old
	// slice would change what a handler still holding the old topicLog
	// sees.
	d.topics[name] = &topicLog{Name: t.Name, ID: t.ID, Partitions: append(slices.Clip(t.Partitions), g.made...), Configs: t.Configs, ConfigsUnread: t.ConfigsUnread, brokerDefaults: &d.brokerDefaults}
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
	// The configs live in partition 0's dir, the one whose rename commits a
	// topic, so they are created and deleted with the topic. A topic's
	// configs in Kafka live in the metadata log instead.
	dir := filepath.Join(d.path, partitionDirName(name, 0))
	if err := writeFileAtomic(filepath.Join(dir, topicConfigFile), cfg.encode()); err != nil {
		return err
	}
	nt := &topicLog{Name: t.Name, ID: t.ID, Partitions: t.Partitions, Configs: cfg, brokerDefaults: &d.brokerDefaults}
	d.topics[name] = nt
	for _, pl := range t.Partitions {
		// The open logs take the new segment and retention options at once,
		// as Kafka's LogManager.updateTopicConfig does; records already
		// written are not rewritten.
		pl.SetSegmentOptions(nt.Settings().logOptions(d.opts))
	}
	return nil
}

// SetBrokerDefaults replaces the broker's dynamic defaults of topic
// configs (brokerconfigs.go), by their topic names, and hands every open
// log its new segment options, as Kafka's DynamicLogConfig.reconfigure
// updates every log's config: a topic that set none of its own rolls by
// the new segment.bytes from its next append. Retention, the cleaner and
// the produce path read Settings when they act, so they follow at once.
// Under mu, so that an AlterTopicConfigs at the same time cannot hand a
// log options made from the old defaults after this.
func (d *logDir) SetBrokerDefaults(defaults topicConfig) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.brokerDefaults.Store(&defaults)
	for _, t := range d.topics {
		opts := t.Settings().logOptions(d.opts)
		for _, pl := range t.Partitions {
			pl.SetSegmentOptions(opts)
		}
	}
}

// growth is partitions from..to-1 of a topic in the making: a new topic
// (from 0) or more partitions of one (CreatePartitions). grow fills in
// the rest: staged and placed as it goes, then made, or err.
type growth struct {
	topic    string
	id       uuid
	cfg      topicConfig
	from, to int32
	// staged and placed are what unstage needs to take a failed growth
	// back: placed dirs are renamed back in the reverse order of their
	// placing.
	staged []string // staged dir names, index p-from
	placed []int    // indexes into staged renamed into place, in order
	made   []*partitionLog
	err    error
}

// fail records why g failed; the first reason wins. Every reason but a
// dir in the way is the data dir failing to write (a full disk, most
// often), which wraps errStorage: CreateTopics and CreatePartitions then
// answer KAFKA_STORAGE_ERROR, Kafka's code for a failed log dir.
func (g *growth) fail(err error) {
	if g.err != nil {
		return
	}
	if !errors.Is(err, fs.ErrExist) && !errors.Is(err, errStorage) {
		err = fmt.Errorf("%w: %w", errStorage, err)
	}
	g.err = fmt.Errorf("kafka: create partitions %d to %d of %q: %w", g.from, g.to-1, g.topic, err)
}

// grow makes the partitions of every growth, committing each growth in
// one rename (rule 2 of the design note), and opens their logs; partition
// 0 also gets the topic's configs. A dir already at one of their names is
// an error, never reused: it holds data the recovery left alone. A growth
// that fails is taken back before grow returns, with err saying why; the
// others go on.
//
// Design note: fsyncs are what creation costs, about a millisecond each
// on the benchmark's disk, and doing them one partition at a time made
// 10,000 partitions take 20 s. grow batches them over every growth: the
// staged files and dirs are written without an fsync, then fsynced all
// together by concurrent workers (syncAll), which the file system folds
// into a few journal commits; then the data dir is fsynced twice for the
// whole batch, before the commits and after. Each partition's first
// segment is made, empty, in its staged dir, so that opening the log after
// the commit creates no file that needs an fsync of its dir.
func (d *logDir) grow(gs []*growth) {
	toSync := make([][]string, len(gs))
	inParallel(len(gs), func(i int) { toSync[i] = d.stage(gs[i]) })
	var paths []string
	var owner []*growth // owner[i] is the growth paths[i] belongs to
	for i, g := range gs {
		for _, p := range toSync[i] {
			paths, owner = append(paths, p), append(owner, g)
		}
	}
	// Every staged file and dir is durable before any rename. A rename may
	// reach the disk before the data of the files in the dir it moves, and
	// a crash would then leave a committed partition with an empty
	// partition.metadata.
	for i, err := range syncAll(paths) {
		if err != nil {
			owner[i].fail(err)
		}
	}
	live := d.dropFailed(gs)
	for _, g := range live {
		// All but the first, last first, so that the run never has a gap.
		// Partitions 1..n-1 go first: until partition 0 is in place they
		// are past the run (rule 1), so a crash now leaves them to be
		// removed at open.
		for i := len(g.staged) - 1; i >= 1; i-- {
			if !d.place(g, i) {
				break
			}
		}
	}
	live = d.dropFailed(live)
	// This fsync makes the renames of partitions 1..n-1 durable before the
	// commit. Without it the commit could reach the disk first, and a crash
	// would leave partition 0 with a gap after it: a topic one partition
	// short, committed.
	if err := syncDir(d.path); err != nil {
		d.failAll(live, err)
		return
	}
	for _, g := range live {
		d.place(g, 0) // the commit
	}
	live = d.dropFailed(live)
	// The second fsync makes the commit durable before the client is told
	// the topic exists; a producer must not see a topic that a crash then
	// undoes.
	if err := syncDir(d.path); err != nil {
		d.failAll(live, err)
		return
	}
	inParallel(len(live), func(i int) { d.openGrown(live[i]) })
}

// stage makes g's staged dirs and returns what to fsync before they are
// committed. On failure it takes back what it made and fails g.
func (d *logDir) stage(g *growth) []string {
	var paths []string
	for p := g.from; p < g.to; p++ {
		final := filepath.Join(d.path, partitionDirName(g.topic, p))
		// Lstat, not Stat: a symlink at the name is in the way too, even
		// one that points nowhere.
		if _, err := os.Lstat(final); !errors.Is(err, fs.ErrNotExist) {
			g.fail(fmt.Errorf("%s is in the way (see the log of the last start): %w", final, cmp.Or(err, fs.ErrExist)))
			d.unstage(g)
			return nil
		}
		name := changeDirName(g.topic, p, g.id, createSuffix)
		var pcfg topicConfig
		if p == 0 {
			pcfg = g.cfg
		}
		// Only partition 0 gets the configs: it is the one recovery reads
		// them from (load), and one copy cannot disagree with another.
		made, err := stagePartition(filepath.Join(d.path, name), g.id, pcfg)
		if err != nil {
			os.RemoveAll(filepath.Join(d.path, name))
			g.fail(err)
			d.unstage(g)
			return nil
		}
		g.staged = append(g.staged, name)
		paths = append(paths, made...)
	}
	return paths
}

// place renames g's staged dir i into place, or fails g and takes it
// back.
func (d *logDir) place(g *growth, i int) bool {
	err := os.Rename(filepath.Join(d.path, g.staged[i]), filepath.Join(d.path, partitionDirName(g.topic, g.from+int32(i))))
	if err != nil {
		g.fail(err)
		d.unstage(g)
		return false
	}
	g.placed = append(g.placed, i)
	return true
}

// unstage takes back what was made of g: placed dirs are renamed back to
// their staged names, none of them counted, and the staged dirs, which
// hold nothing, are removed. What a crash leaves of that goes at open.
func (d *logDir) unstage(g *growth) {
	for _, i := range slices.Backward(g.placed) {
		// Errors are ignored: this runs on a path that is failing already,
		// and the next open settles whatever is left, as the table in the
		// design note shows.
		os.Rename(filepath.Join(d.path, partitionDirName(g.topic, g.from+int32(i))), filepath.Join(d.path, g.staged[i]))
	}
	g.placed = nil
	for _, name := range g.staged {
		os.RemoveAll(filepath.Join(d.path, name))
	}
	g.staged = nil
}

// dropFailed returns the growths that have not failed.
func (d *logDir) dropFailed(gs []*growth) []*growth {
	return slices.DeleteFunc(slices.Clone(gs), func(g *growth) bool { return g.err != nil })
}

// failAll fails and takes back every growth in gs.
func (d *logDir) failAll(gs []*growth, err error) {
	for _, g := range gs {
		g.fail(err)
		d.unstage(g)
	}
}

// openGrown opens the logs of g's committed partitions. If one fails,
// the partitions are retired again, as DeleteTopics would, and g fails.
func (d *logDir) openGrown(g *growth) {
	opts := (&topicLog{Configs: g.cfg, brokerDefaults: &d.brokerDefaults}).Settings().logOptions(d.opts)
	g.made = make([]*partitionLog, 0, g.to-g.from)
	for p := g.from; p < g.to; p++ {
		pl, err := openPartitionLog(filepath.Join(d.path, partitionDirName(g.topic, p)), opts, d.logger)
		if err != nil {
			for _, pl := range g.made {
				pl.Close()
			}
			g.made = nil
			// The partitions are committed on disk by now, so taking them
			// back is a deletion, with its own commit; leaving them would
			// bring a topic the client was told failed back at the next
			// start.
			if uerr := d.retire(g.topic, g.id, g.from, g.to); uerr != nil {
				d.logger.Error("taking back partitions that failed to open", "topic", g.topic, "err", uerr)
			}
			g.fail(err)
			return
		}
		g.made = append(g.made, pl)
	}
}

// stagePartition makes a staged partition dir: its partition.metadata,
// the topic's configs if any, and an empty first segment. Nothing is
// fsynced; it returns the files and the dir to fsync before the commit.
// The dir is not counted until renamed, so its files are written in place,
// not through writeFileAtomic. The empty segment needs no fsync of its
// own, having no data; the dir's fsync makes its name durable.
func stagePartition(dir string, id uuid, cfg topicConfig) ([]string, error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	sync := []string{filepath.Join(dir, partitionMetadataFile)}
	if err := os.WriteFile(sync[0], partitionMetadata(id), 0o644); err != nil {
		return nil, err
	}
	if len(cfg) > 0 {
		path := filepath.Join(dir, topicConfigFile)
		if err := os.WriteFile(path, cfg.encode(), 0o644); err != nil {
			return nil, err
		}
		sync = append(sync, path)
	}
	// The segment is made here, not when the log opens, so its name is
	// covered by the fsync of the staged dir; made after the commit, it
	// would need an fsync of the partition dir of its own.
	if err := os.WriteFile(segmentPath(dir, 0, logSuffix), nil, 0o644); err != nil {
		return nil, err
	}
	return append(sync, dir), nil
}

// syncWorkers is how many fsyncs syncAll keeps in flight. ext4 and XFS
// commit concurrent fsyncs in one journal transaction, so more workers
// mean fewer commits, up to a point: on the benchmark's machine, 4,000
// fsyncs took 3.5 s one at a time and 0.36 s with 64 workers.
const syncWorkers = 64

// syncAll fsyncs every path, files or dirs, concurrently, and returns
// each one's error.
func syncAll(paths []string) []error {
	errs := make([]error, len(paths))
	inParallel(len(paths), func(i int) { errs[i] = syncPath(paths[i]) })
	return errs
}

// inParallel calls do(0) to do(n-1) from up to syncWorkers goroutines and
// returns when all have returned. Making files and dirs is mostly waiting
// on the file system, as fsyncs are, so workers overlap those waits even
// with few cores.
func inParallel(n int, do func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	// The workers share one counter instead of a channel of indexes: each
	// takes the next i with one atomic add, and none is started for work
	// that is not there.
	for range min(syncWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				do(i)
			}
		}()
	}
	wg.Wait()
}

// syncPath fsyncs a file or a dir.
func syncPath(path string) error {
	// A read-only descriptor is enough for fsync on Linux, and the only
	// kind a directory can be opened with.
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("kafka: sync: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("kafka: sync %s: %w", path, err)
	}
	return nil
}

// retire renames partitions from..to-1 of a topic to -delete names, the
// first one first with an fsync after it (rule 3 of the design note), and
// removes them in the background. A failing rename stops it, and the
// renames done are put back; so does a failing fsync of the first. If
// the first cannot be put back, its -delete name commits the deletion at
// the next start whatever the caller is told, so the error is a
// *deletionStands, which the caller must finish rather than go on serving
// records that the next start deletes.
func (d *logDir) retire(topic string, id uuid, from, to int32) error {
	var gone []string
	undo := func(err error) error {
		var stuck []string
		for i := len(gone) - 1; i >= 0; i-- {
			p := from + int32(i)
			if rerr := renameDir(filepath.Join(d.path, gone[i]), filepath.Join(d.path, partitionDirName(topic, p))); rerr != nil {
				err = errors.Join(err, fmt.Errorf("putting back partition %d: %w", p, rerr))
				stuck = append(stuck, gone[i])
			}
		}
		err = errors.Join(err, syncDir(d.path))
		if len(stuck) > 0 && stuck[len(stuck)-1] == gone[0] {
			return &deletionStands{err: err, stuck: stuck}
		}
		return err
	}
	// The first partition's rename is fsynced at once: for a whole topic
	// that is partition 0's, the commit. The others follow without an fsync
	// each, since recovery finishes a deletion whose first partition is
	// gone.
	for p := from; p < to; p++ {
		name := changeDirName(topic, p, id, deleteSuffix)
		if err := renameDir(filepath.Join(d.path, partitionDirName(topic, p)), filepath.Join(d.path, name)); err != nil {
			return undo(fmt.Errorf("rename partition %d: %w", p, err))
		}
		gone = append(gone, name)
		if p == from {
			if err := syncDir(d.path); err != nil {
				return undo(err)
			}
		}
	}
	if err := syncDir(d.path); err != nil {
		// Every rename is done; the next open finishes what this
		// fsync did not make durable.
		d.logger.Warn("fsync of the data dir after deleting a topic", "dir", d.path, "topic", topic, "err", err)
	}
	d.removeLater(gone)
	return nil
}

// renameDir is os.Rename, a variable so that a test can make a rename of
// retire fail.
var renameDir = os.Rename

// deletionStands is a deletion that failed part way and could not be
// undone: the first partition keeps its -delete name, which the next
// start takes for a committed deletion. stuck are the dirs still under
// -delete names; the others are under their own (finishStandingDeletion).
type deletionStands struct {
	err   error
	stuck []string
}

// Error says that the deletion stands, and why it could not be undone.
func (e *deletionStands) Error() string {
	return "the deletion could not be undone, so it stands: " + e.err.Error()
}

// Unwrap is the error that stopped the undo, so that errors.Is finds a
// storage error behind it.
func (e *deletionStands) Unwrap() error { return e.err }

// finishStandingDeletion renames the partitions of a deletion that stands
// that are still under their own names, the ones put back and the ones
// never renamed, to -delete names, and removes them with the stuck ones.
// Partition 0's -delete dir is what tells the next start that the topic
// id was deleted, so it is removed only once no partition is left under
// its own name: removed first, it would leave them to a start that keeps
// a partition with records and no partition 0 (settleStray), and in the
// way of a topic created again under the name. One whose rename fails
// again is left, with partition 0's dir, for the next start to finish.
func (d *logDir) finishStandingDeletion(topic string, id uuid, n int32, stuck []string) {
	first := changeDirName(topic, 0, id, deleteSuffix)
	gone, left := []string{}, 0
	for p := range n {
		name := changeDirName(topic, p, id, deleteSuffix)
		if p == 0 || slices.Contains(stuck, name) {
			continue
		}
		if err := renameDir(filepath.Join(d.path, partitionDirName(topic, p)), filepath.Join(d.path, name)); err != nil {
			d.logger.Warn("a partition of a deleted topic could not be renamed for removal; the next start removes it",
				"dir", d.path, "topic", topic, "partition", p, "err", err)
			left++
			continue
		}
		gone = append(gone, name)
	}
	if err := syncDir(d.path); err != nil {
		d.logger.Warn("fsync of the data dir after deleting a topic", "dir", d.path, "topic", topic, "err", err)
	}
	for _, name := range stuck {
		if name != first || left == 0 {
			gone = append(gone, name)
		}
	}
	d.removeLater(gone)
}

// DeleteTopic deletes a topic: its dirs are renamed out of the way at
// once, which commits the deletion (see the design note), and removed in
// the background. Its log start offsets leave the checkpoint. If a rename
// fails, the topic stays as it was, and the error says why; unless the
// renames done cannot be put back either, when the deletion stands
// (deletionStands) and DeleteTopic succeeds.
func (d *logDir) DeleteTopic(name string) error {
	if err := d.deleteTopic(name); err != nil {
		return err
	}
	// The checkpoint is rewritten after the deletion commits. A crash
	// between the two leaves entries for a topic that is gone, which
	// restoreLogStarts drops at the next open. A failure to write it (a
	// full disk) does not undo the deletion, which is answered as done;
	// the next creation writes it first (freshCheckpoint).
	if err := d.checkpointLogStarts(); err != nil {
		d.logger.Warn("log start offset checkpoint not rewritten after deleting a topic; it will be before the next creation", "topic", name, "err", err)
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
	// The logs stay open across the renames, so that a failure leaves
	// the topic serving; open files do not mind their dir's new name.
	// Their cleanings are aborted first: a cleaning writes new files by
	// the dir's path, which the rename takes away.
	for _, pl := range t.Partitions {
		pl.abortCleaning()
	}
	var stands *deletionStands
	if err := d.retire(name, t.ID, 0, int32(len(t.Partitions))); errors.As(err, &stands) {
		// Served on, the topic would take records that the next start
		// deletes with it; so the deletion is finished here, as it will
		// be on disk.
		d.logger.Error("deleting topic: a rename failed and could not be undone, so the deletion stands",
			"topic", name, "err", err)
		d.finishStandingDeletion(name, t.ID, int32(len(t.Partitions)), stands.stuck)
	} else if err != nil {
		for _, pl := range t.Partitions {
			pl.resumeCleaning()
		}
		return fmt.Errorf("kafka: delete topic %q: %w: %w", name, errStorage, err)
	}
	delete(d.topics, name)
	delete(d.names, t.ID)
	// The logs close only once the topic is out of d.topics, so that no new
	// request finds them; one already holding a log gets errLogClosed.
	for p, pl := range t.Partitions {
		if err := pl.Discard(); err != nil && !errors.Is(err, errLogClosed) {
			d.logger.Warn("closing a deleted partition", "topic", name, "partition", p, "err", err)
		}
	}
	return nil
}

// DeleteRecords moves a partition's log start offset up to offset
// (DeleteRecords, KIP-107), makes it durable in the checkpoint, deletes the
// segments wholly below it, and returns the log start offset after: the
// low watermark.
func (d *logDir) DeleteRecords(t *topicLog, partition int32, offset int64) (int64, error) {
	pl := t.Partitions[partition]
	// The new start is made durable in the checkpoint before any segment is
	// deleted and before the client is answered. In the other order, a
	// crash after the deletion could bring the log back starting at a
	// segment below the offset, with records DeleteRecords was told were
	// gone. A request that finds the start moved already (a retry of one
	// whose checkpoint failed, or one racing another's write) writes the
	// checkpoint as well: the start it answers with may be in none yet.
	start, _, err := pl.AdvanceLogStart(offset)
	if err != nil {
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
	var deleted, leftover bool
	defer func() { d.keepStartPastLeftovers(deleted, leftover) }()
	for _, t := range d.Topics() {
		if t.ConfigsUnread {
			continue
		}
		// Each topic's retention comes from its own configs over the
		// broker's defaults, read afresh each run, so an AlterConfigs takes
		// effect at the next check without a restart.
		r := t.Settings().retention()
		for p, pl := range t.Partitions {
			bases, start, err := pl.DeleteSegments(r, now)
			if errors.Is(err, errLogClosed) {
				continue // the topic was deleted meanwhile
			}
			if err != nil {
				d.logger.Warn("deleting old segments", "topic", t.Name, "partition", p, "err", err)
				leftover = leftover || len(bases) > 0
			}
			deleted = deleted || len(bases) > 0
			if len(bases) > 0 {
				d.logger.Info("deleted old segments", "topic", t.Name, "partition", p,
					"segments", len(bases), "first", bases[0], "log_start_offset", start,
					"retention_ms", r.ms, "retention_bytes", r.bytes)
			}
		}
	}
}

// keepStartPastLeftovers writes the log start offsets to the checkpoint
// after a retention pass that deleted segments but could not remove all
// of their files (leftover). A start takes a log's first segment for its
// start unless the checkpoint says otherwise, so a .log left behind would
// bring back, at the next start, records that retention deleted and a gap
// after them that reads as damage. With the start checkpointed, the
// leftover lies below it, unread, and the next retention check deletes
// it. Once a checkpoint exists, every pass that deletes (deleted) keeps
// it current, so that the next start does not find it behind the first
// segment and warn of a crash that never happened. (Kafka
// renames a deleted segment to .deleted before it removes it, removes
// .deleted files at load, and starts the log at the greater of the
// checkpoint and the first segment: LogLoader.load and
// removeTempFilesAndCollectSwapFiles, read at trunk,
// https://github.com/apache/kafka/blob/trunk/storage/src/main/java/org/apache/kafka/storage/internals/log/LogLoader.java.)
func (d *logDir) keepStartPastLeftovers(deleted, leftover bool) {
	if !leftover {
		if _, err := os.Stat(filepath.Join(d.path, logStartCheckpointFile)); !deleted || err != nil {
			return
		}
	}
	if err := d.checkpointLogStarts(); err != nil && leftover {
		d.logger.Error("log start offsets not checkpointed after a segment file was left behind: the next start may serve its records again", "err", err)
	} else if err != nil {
		d.logger.Warn("log start offsets not checkpointed after retention: the next start finds the checkpoint behind the first segment and says so", "err", err)
	}
}

// SyncAll fsyncs whatever every partition has appended since its last
// fsync, for Config.Fsync's interval policy.
func (d *logDir) SyncAll() error {
	var errs []error
	for _, t := range d.Topics() {
		for _, pl := range t.Partitions {
			// errLogClosed is a topic deleted while the loop ran, not a
			// failure.
			if err := pl.SyncTo(pl.HighWatermark()); err != nil && !errors.Is(err, errLogClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Close closes every partition log and, if all of them closed cleanly,
// leaves the clean shutdown marker for the next open.
// The lock is released last, once the removals in the background are done.
func (d *logDir) Close() error {
	// The lock is released last, after the removals: a broker that starts
	// on the dir the moment it is free finds no removal still running in
	// it.
	defer d.lock.Close()
	defer d.removals.Wait()
	if err := d.closeLogs(); err != nil {
		return err
	}
	// The log ends go before the marker, which vouches for them. One that
	// cannot be written (a full disk) must not leave the last one in
	// place, which the next start would check against.
	if err := d.checkpointLogEnds(); err != nil {
		d.logger.Warn("log end offsets not checkpointed: the next start cannot check them", "dir", d.path, "err", err)
		if rerr := os.Remove(filepath.Join(d.path, recoveryPointCheckpointFile)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return fmt.Errorf("kafka: remove a stale %s: %w", recoveryPointCheckpointFile, rerr)
		}
	}
	// The marker is written only after every log closed cleanly, so its
	// presence promises that every segment ends on a whole batch and the
	// next open may skip the scan (Kafka's CleanShutdownFileHandler).
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
