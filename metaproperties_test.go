package kafka

import (
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetaPropertiesNewDir: a new data dir gets a random cluster id in
// Kafka's form, which Metadata reports, meta.properties keeps, and the
// next start on the dir reports again.
func TestMetaPropertiesNewDir(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	id := deref(dial(t, tb.addr).metadataAt(12, nil, false).ClusterID)
	tb.stop()
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if len(id) != 22 || err != nil || len(raw) != 16 || strings.HasPrefix(id, "-") || uuid(raw) == (uuid{}) || raw[6]>>4 != 4 {
		t.Fatalf("cluster id %q (%v): want a random version-4 Uuid, 22 characters of base64url not starting with '-'", id, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, metaPropertiesFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseMetaProperties(data)
	if err != nil || m.clusterID != id || m.nodeID != 0 || reservedDirectoryID(m.directoryID) || m.directoryID == uuid(raw) {
		t.Fatalf("meta.properties %q: %+v, %v; want cluster.id %s, node.id 0 and a directory id of its own", data, m, err, id)
	}

	tb = startBroker(t, dir)
	if again := deref(dial(t, tb.addr).metadataAt(12, nil, false).ClusterID); again != id {
		t.Errorf("cluster id after a restart %q, want %q", again, id)
	}
	tb.stop()
	if other := startBroker(t, t.TempDir()); other.cfg.ClusterID == id {
		t.Errorf("a second new dir got the same cluster id %s", id)
	}
}

// TestMetaPropertiesConfigured: a configured cluster id is what a new
// dir is given; another cluster id or node id than the dir's stops the
// start with Kafka's message, and leaves the dir to a broker that has
// the right ones.
func TestMetaPropertiesConfigured(t *testing.T) {
	dir := t.TempDir()
	startBrokerWith(t, Config{DataDir: dir, ClusterID: "MkU3OEVBNTcwNTJENDM2Qk", NodeID: 3}).stop()
	path := filepath.Join(dir, metaPropertiesFile)
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{ClusterID: "other", NodeID: 3}, "kafka: Invalid cluster.id in: " + path + ". Expected other, but read MkU3OEVBNTcwNTJENDM2Qk"},
		{Config{NodeID: 0}, "kafka: Stored node id 3 doesn't match previous node id 0 in " + path + ". If you moved your data"},
		{Config{ClusterID: "MkU3OEVBNTcwNTJENDM2Qk", NodeID: 4}, "kafka: Stored node id 3 doesn't match previous node id 4"},
	} {
		tc.cfg.DataDir, tc.cfg.Logger = dir, slog.New(slog.NewTextHandler(io.Discard, nil))
		b, err := Open(tc.cfg)
		if err == nil {
			stopOpened(b)
			t.Errorf("Open with cluster id %q, node %d: started, want %q", tc.cfg.ClusterID, tc.cfg.NodeID, tc.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Open with cluster id %q, node %d: %v, want %q", tc.cfg.ClusterID, tc.cfg.NodeID, err, tc.want)
		}
	}
	tb := startBrokerWith(t, Config{DataDir: dir, NodeID: 3})
	if tb.cfg.ClusterID != "MkU3OEVBNTcwNTJENDM2Qk" {
		t.Errorf("cluster id %q, want the dir's", tb.cfg.ClusterID)
	}
}

// TestMetaPropertiesDamaged: a meta.properties that does not hold what
// the broker writes stops the start, naming the file and the way out.
// TestDamageMatrix damages the file a broker wrote; these are the
// damages no byte flip makes.
func TestMetaPropertiesDamaged(t *testing.T) {
	const good = "version=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\nnode.id=0\ndirectory.id=DVO1lRS5RZ6cXm8bKvMF7g\n"
	for _, content := range []string{
		strings.Replace(good, "version=1", "version=0", 1),
		strings.Replace(good, "cluster.id=MkU3OEVBNTcwNTJENDM2Qk", "cluster.id=", 1),
		strings.Replace(good, "node.id=0", "node.id=-1", 1),
		strings.Replace(good, "node.id=0", "node.id=2147483648", 1),
		strings.Replace(good, "node.id=0\n", "", 1),
		strings.Replace(good, "DVO1lRS5RZ6cXm8bKvMF7g", "AAAAAAAAAAAAAAAAAAAAAQ", 1), // UNASSIGNED
		strings.Replace(good, "DVO1lRS5RZ6cXm8bKvMF7g", "DVO1lRS5RZ6cXm8bKvMF7", 1),
		strings.Replace(good, "directory.id", "directory.ib", 1),
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, metaPropertiesFile)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil {
			stopOpened(b)
			t.Errorf("%q: started, want a refusal", content)
			continue
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "restore it from a backup, or move it away") {
			t.Errorf("%q: %v; want the file's path and the way out", content, err)
		}
	}
	// The same file undamaged opens.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, metaPropertiesFile), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if tb := startBroker(t, dir); tb.cfg.ClusterID != "MkU3OEVBNTcwNTJENDM2Qk" {
		t.Errorf("cluster id %q, want the file's", tb.cfg.ClusterID)
	}
}
