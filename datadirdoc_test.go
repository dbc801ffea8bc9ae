package kafka

// The table of data dir files that docs/disk.md ends with: every file the
// broker writes, how it is written, and what a start does when it finds
// it damaged. TestDiskDoc (diskdoc_test.go) puts it on the page through
// DataDirFilesDoc; TestDataDirFilesDocumented checks that every file the
// damage fixture leaves matches a row, and TestDamageMatrix checks the
// last column against the broker, its known gaps listed under the table.

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// dataDirDocRow is a row of the table.
type dataDirDocRow struct {
	names   []string // base names, or filepath.Match patterns
	where   string
	written string
	damaged string // what a start does with it damaged, missing or unreadable
}

var dataDirFiles = []dataDirDocRow{
	{[]string{lockFile}, "data dir", "created at open and flocked while the broker runs; never read",
		"a second broker on the dir stops at once; a directory in its place stops the start, naming it"},
	{[]string{cleanShutdownFile}, "data dir", "empty, by a clean Close (atomically), and removed at open",
		"missing means a crash: the last two segments of every partition are scanned and torn tails cut, with a WARN"},
	{[]string{recoveryPointCheckpointFile}, "data dir", "every partition's log end offset, by Close before the marker",
		"after a clean stop, a partition whose log ends before its line starts offline (KAFKA_STORAGE_ERROR) with an ERROR; unreadable: WARN, not checked"},
	{[]string{logStartCheckpointFile}, "data dir", "after DeleteRecords and retention (atomically)",
		"does not parse (a partition named twice included): WARN, rewritten, partitions start at their first segments; a line naming a partition that does not exist (a negative one or a name no topic can have included): WARN, dropped; behind a first segment: WARN; unreadable: the start stops, naming it"},
	{[]string{cleanerCheckpointFile, horizonCheckpointFile}, "data dir", "after each cleaning (atomically)",
		"does not parse (as the log start checkpoint): WARN; partitions are cleaned again from their start"},
	{[]string{producerIDsFile}, "data dir", "when a block of producer ids is reserved (atomically)",
		"damaged or missing: WARN, ids restart past the highest in use; unreadable: the start stops, naming it"},
	{[]string{txnStateFile}, "data dir", "appended, a checksummed record per transaction change",
		"a torn or damaged tail is cut with a WARN; transactions go back to their last whole state: Ongoing ones stay open, Prepare ones are completed; unreadable or of no known form (the form before records, one JSON document, is read strictly: an unknown key, a key twice in an object, a byte that is not UTF-8 or more after it is damage): ERROR, the transactional APIs answer COORDINATOR_NOT_AVAILABLE, nothing is aborted and the file is left as it is"},
	{[]string{shareStateFile}, "data dir", "appended, a JSON line per share-partition snapshot; compacted at open",
		"a last line that does not parse (strictly: an unknown key, a key twice in an object, a byte that is not UTF-8 or more after the object is damage) is dropped with a WARN; an earlier one, or unreadable: ERROR naming it, the share-group APIs answer COORDINATOR_NOT_AVAILABLE, so do JoinGroup, ConsumerGroupHeartbeat and the offset commits that would make a new group (its id may be a share group's), and the file is left as it is"},
	{[]string{aclsFile, credentialsFile, clientQuotasFile, groupConfigFile, brokerConfigFile, clientMetricsFile, finalizedFeaturesFile}, "data dir", "replaced whole on every change (atomically)",
		"does not parse (strictly: an unknown key, a key twice in an object, a byte that is not UTF-8 or more after the value is damage), holds what the APIs would refuse or an ACL or quota entity twice, or is unreadable: the start stops, naming the file and the way out (restore it, or move it away to run without it); missing: nothing was ever set"},
	{[]string{metaPropertiesFile}, "data dir", "once, by the first start on the dir (atomically): version, cluster.id, node.id, directory.id",
		"does not parse or is unreadable: the start stops, naming the file and the way out; another node.id, or another cluster.id than Config.ClusterID: the start stops with Kafka's message; missing: a new cluster id"},
	{[]string{quorumStateFile}, "data dir", "at every start and every metadata change (atomically; on a full disk, in place)",
		"does not parse (strictly, as the JSON files above) or is unreadable: the start stops, naming the file and the way out; missing: a new quorum, whose leader epoch and metadata offset start again from 1"},
	{[]string{devTLSDir, devCAFile, devCertFile, devKeyFile}, "data dir, dev-tls/", "at the first start with a TLS listener and no certificate configured",
		"missing: made again (clients must trust the new CA)"},
	{[]string{"*" + tmpSuffix}, "beside any file written atomically", "the new content before its rename",
		"a leftover of a crash mid-write; written over by the next write"},
	{[]string{"*-[0-9]*"}, "data dir", "one dir per partition, <topic>-<partition>; -create and -delete suffixes mark a topic change under way",
		"a change a crash cut short is finished or undone at open; __consumer_offsets-0 offline, or a file in its place: ERROR, the group APIs answer COORDINATOR_NOT_AVAILABLE, and Metadata lists the partition offline (LEADER_NOT_AVAILABLE, leader -1) as any offline partition"},
	{[]string{partitionMetadataFile}, "partition dir", "the topic id, in the staged dir before its rename",
		"does not parse, or differs from partition 0's: the partition is offline with an ERROR, its records kept"},
	{[]string{topicConfigFile}, "partition 0's dir", "the topic's configs (atomically); absent if none was set",
		"does not read or ends mid-line: WARN, the defaults; a line that does not check (a comment after the first line included): WARN, that line left out, the others kept; either way retention deletes nothing of the topic until its configs are set again"},
	{[]string{"*" + logSuffix}, "partition dir", "batches, by positioned writes; fsynced as Config.Fsync says",
		"after a crash a torn tail is cut (WARN); after a clean stop a log shorter than its checkpoint is offline (ERROR); a batch that does not parse where a read needs it: in the last segment KAFKA_STORAGE_ERROR, in an earlier one the read goes on at the next segment (ERROR); a segment found short of the next one by a read: ERROR; a batch of __consumer_offsets that fails its CRC when the start loads the groups: WARN, skipped (the group goes back to its commit before); a transaction marker that fails its CRC when the start rebuilds the transactions: WARN, taken as the type it reads as"},
	{[]string{"*" + offsetIndexSuffix, "*" + timeIndexSuffix}, "partition dir", "at each sync, roll and Close (atomically)",
		"fails its checks (size, order, offsets inside the segment, a time entry for a segment with batches): WARN, rebuilt from the log; in an earlier segment, up to a damaged batch (WARN), whose bytes are kept"},
	{[]string{"*" + cleanedSuffix, "*" + swapSuffix, "*" + groupEndSuffix}, "partition dir", "by the cleaner while it replaces segments",
		"a cleaning a crash cut short is finished (complete .swap files) or dropped at open"},
}

// DataDirFilesDoc is the table and its known gaps, in markdown.
func DataDirFilesDoc() string {
	var b strings.Builder
	b.WriteString("| file | where | written | found damaged, missing or unreadable at a start |\n|---|---|---|---|\n")
	for _, f := range dataDirFiles {
		names := make([]string, len(f.names))
		for i, n := range f.names {
			names[i] = "`" + n + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", strings.Join(names, ", "), f.where, f.written, f.damaged)
	}
	b.WriteString("\nWhat TestDamageMatrix finds short of that, each a known gap it checks is still there:\n\n")
	for _, key := range slices.Sorted(func(yield func(string) bool) {
		for k := range knownGaps {
			if !yield(k) {
				return
			}
		}
	}) {
		if knownGaps[key] != "" {
			fmt.Fprintf(&b, "- %s: %s.\n", key, knownGaps[key])
		}
	}
	b.WriteString("\nAnd what no check can tell from a file never written, so that its loss goes unlogged: " +
		"a deleted topic.config (the topic runs on the defaults), the deleted first segment of a partition " +
		"whose log start no DeleteRecords moved (the log starts at the next), a deleted acls.json, " +
		"scram-credentials.json, client-quotas.json, group-configs.json, broker-configs.json, client-metrics.json or finalized-features.json " +
		"(the broker starts without what it held), a deleted quorum-state.json (a new quorum, whose " +
		"epoch and metadata offset start again from 1, as for a data dir written before the file was), and a deleted " +
		"meta.properties (a new cluster id, which clients that knew the old one take for another cluster). Files made unreadable by their mode are not in the " +
		"matrix: the tests run as root, whom no mode stops.\n")
	return b.String()
}

// TestDataDirFilesDocumented checks that every file and dir in the
// damage fixture, which has something in every file the broker writes,
// matches a row of the table.
func TestDataDirFilesDocumented(t *testing.T) {
	f := buildDamageFixture(t)
	err := filepath.WalkDir(f.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == f.dir {
			return err
		}
		name := d.Name()
		if !slices.ContainsFunc(dataDirFiles, func(row dataDirDocRow) bool {
			return slices.ContainsFunc(row.names, func(p string) bool { ok, _ := filepath.Match(p, name); return ok })
		}) {
			t.Errorf("%s is in no row of dataDirFiles: document it in docs/disk.md's table", strings.TrimPrefix(path, f.dir+"/"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
