// This file is the data dir's meta.properties: which cluster and which
// node the dir belongs to. It is in Part I, the core, after topics.go and
// the dir lock, and assumes the data dir they open and writeFileAtomic
// (flush.go).
//
// A Kafka cluster is named by a cluster id, a random Uuid in base64url
// form (22 characters, as `kafka-storage.sh random-uuid` prints), fixed
// when `kafka-storage.sh format` prepares each log dir and kept there in
// meta.properties with the node's id and the dir's own random id:
//
//	version=1
//	cluster.id=q1Sh-9_ISia_zwGINzRvyQ
//	node.id=0
//	directory.id=DVO1lRS5RZ6cXm8bKvMF7g
//
// Metadata and DescribeCluster report the cluster id, and AddRaftVoter
// and RemoveRaftVoter check the one a request names against it; tools
// show it (kafka-cluster.sh cluster-id, kcat -L) and clients compare it
// to notice they reached another cluster than before. Here there is no
// format step: Open writes the file into a data dir that has none, which
// is a new dir or one from before the file was kept, with a new cluster
// id (or Config.ClusterID if one is given, as `kafka-storage.sh format
// --cluster-id` gives one) and a new directory id. After that every
// start checks the file with MetaPropertiesEnsemble.verify's checks and
// words: another node id than Config.NodeID is refused, as
// KafkaRaftServer refuses one against node.id, and another cluster id
// than Config.ClusterID, when one is given, as the Formatter refuses one
// against --cluster-id (Kafka has no cluster.id setting, so a broker
// start never compares one). A broker started on the wrong dir would
// otherwise serve another node's data under its own name.
// https://github.com/apache/kafka/blob/4.0.0/metadata/src/main/java/org/apache/kafka/metadata/properties/MetaPropertiesEnsemble.java
//
// Design note: Kafka's directory id (KIP-858) tells the controller
// which of a broker's several log dirs holds a replica. This broker has
// one dir and a static quorum whose voter has no directory id
// (quorum.go), so the id is kept and checked but not yet reported; it is
// written now so that a dir keeps the same id once something reports it.

package kafka

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

const (
	// metaPropertiesFile is Kafka's MetaPropertiesEnsemble.META_PROPERTIES_NAME.
	metaPropertiesFile = "meta.properties"
	// metaPropertiesHolds is what a start without the file lacks, for
	// storeUnreadable.
	metaPropertiesHolds = "cluster id (a new one is made, and clients that knew the old one see another cluster)"
)

// metaProperties is what meta.properties holds, version 1
// (MetaPropertiesVersion.V1, the KRaft version, which always has a
// cluster id and a node id).
type metaProperties struct {
	clusterID   string
	nodeID      int32
	directoryID uuid
}

// openMetaProperties reads the data dir's meta.properties and checks it
// against the configured ids, clusterID "" when none is configured; a dir
// without the file gets one. The caller holds the dir's lock.
func openMetaProperties(dataDir, clusterID string, nodeID int32) (metaProperties, error) {
	path := filepath.Join(dataDir, metaPropertiesFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newMetaProperties(path, clusterID, nodeID)
	}
	if err != nil {
		return metaProperties{}, storeUnreadable(path, metaPropertiesHolds, err)
	}
	m, err := parseMetaProperties(data)
	if err != nil {
		return metaProperties{}, storeUnreadable(path, metaPropertiesHolds, err)
	}
	// MetaPropertiesEnsemble.verify's two checks, with its words
	// (https://github.com/apache/kafka/blob/4.0.0/core/src/main/scala/kafka/server/KafkaRaftServer.scala
	// asks it for node.id).
	if clusterID != "" && m.clusterID != clusterID {
		return metaProperties{}, fmt.Errorf("kafka: Invalid cluster.id in: %s. Expected %s, but read %s", path, clusterID, m.clusterID)
	}
	if m.nodeID != nodeID {
		return metaProperties{}, fmt.Errorf("kafka: Stored node id %d doesn't match previous node id %d in %s. "+
			"If you moved your data, make sure your configured node id matches. "+
			"If you intend to create a new node, you should remove all data in your data directories.", m.nodeID, nodeID, path)
	}
	return m, nil
}

// newMetaProperties writes the file of a dir that has none: the
// configured cluster id or a new one, and a new directory id, each drawn
// as Kafka's Uuid.randomUuid draws one (newTopicID). Neither can be a
// reserved id of DirectoryId (the first 100): the version bits make the
// first half nonzero.
func newMetaProperties(path, clusterID string, nodeID int32) (metaProperties, error) {
	m := metaProperties{clusterID: clusterID, nodeID: nodeID}
	if m.clusterID == "" {
		id, err := newTopicID()
		if err != nil {
			return m, err
		}
		m.clusterID = id.String()
	}
	var err error
	if m.directoryID, err = newTopicID(); err != nil {
		return m, err
	}
	// directory.id last, so that a file cut short loses the one value
	// that is checked to its last character.
	data := fmt.Appendf(nil, "version=1\ncluster.id=%s\nnode.id=%d\ndirectory.id=%s\n", m.clusterID, m.nodeID, m.directoryID)
	return m, writeFileAtomic(path, data)
}

// parseMetaProperties reads a version-1 file, as MetaProperties.Builder
// reads one, and requires each key: Kafka adds a missing directory.id
// where this broker, which writes all four together, takes a missing one
// for damage.
func parseMetaProperties(data []byte) (metaProperties, error) {
	var m metaProperties
	props, err := ReadProperties(bytes.NewReader(data))
	if err != nil {
		return m, err
	}
	kv := make(map[string]string, len(props))
	for _, p := range props {
		kv[p.Key] = p.Value
	}
	for _, key := range []string{"version", "cluster.id", "node.id", "directory.id"} {
		if _, ok := kv[key]; !ok {
			return m, fmt.Errorf("%s was not found", key)
		}
	}
	if kv["version"] != "1" {
		return m, fmt.Errorf("version %q, want 1", kv["version"])
	}
	m.clusterID = kv["cluster.id"]
	if !printableID(m.clusterID) {
		return m, fmt.Errorf("cluster.id %q is not an id", m.clusterID)
	}
	node, err := strconv.ParseInt(kv["node.id"], 10, 32)
	if err != nil || node < 0 {
		return m, fmt.Errorf("node.id %q is not a node id", kv["node.id"])
	}
	m.nodeID = int32(node)
	raw, err := base64.RawURLEncoding.DecodeString(kv["directory.id"])
	if err != nil || len(raw) != len(m.directoryID) {
		return m, fmt.Errorf("Unable to read directory.id as a Uuid: %q", kv["directory.id"])
	}
	m.directoryID = uuid(raw)
	if reservedDirectoryID(m.directoryID) {
		return m, fmt.Errorf("Invalid reserved directory ID %s", m.directoryID)
	}
	return m, nil
}

// printableID reports whether s could be a cluster id: a Uuid's 22
// characters, or any id a user configured, but not empty and not
// holding blanks, control characters or bytes past ASCII, which only
// damage puts there.
func printableID(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return s != ""
}

// reservedDirectoryID is DirectoryId.reserved: the first 100 ids, of
// which Kafka gives MIGRATING (0), UNASSIGNED (1) and LOST (2) a meaning.
func reservedDirectoryID(u uuid) bool {
	for _, b := range u[:15] {
		if b != 0 {
			return false
		}
	}
	return u[15] < 100
}
