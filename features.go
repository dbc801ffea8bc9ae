// This file is the feature flags (KIP-584, KIP-1022) of a Kafka 4.0
// cluster, as this broker has them: the ones ApiVersions advertises, the
// levels UpdateFeatures finalizes, and what each level turns on. It is in
// Part IV, operations, and assumes the features it gates: KIP-848
// consumer groups (consumer.go) and transaction version 2 (txnv2.go).
//
// A feature is a name and a level. Each node says which levels it
// supports; the cluster finalizes one, and behaviour follows the
// finalized level, so that a cluster turns something on only once every
// node can do it. Clients read both from ApiVersions, and admin tools
// (kafka-features.sh describe, kadm's DescribeFeatures) show them. A new
// single-node Kafka 4.0 cluster, and this broker, answer:
//
//	feature              supported  finalized  here
//	metadata.version     7-25       25         25-25, 25: this broker is 4.0-IV3 and nothing older
//	group.version        0-1        1          0-1, 1: KIP-848 consumer groups, off at 0
//	transaction.version  0-2        2          0-2, 2: transaction version 2 (txnv2.go)
//	kraft.version        0-1        0 or 1     0-0, 0: a static quorum of one voter (quorum.go)
//
// metadata.version names the format of KRaft's metadata log, and its
// level 25, 4.0-IV3, is MetadataVersion.LATEST_PRODUCTION in Kafka 4.0.
// This broker keeps no metadata log and behaves as 4.0 in every way, so
// it supports that level alone, and refuses any other as Kafka refuses a
// level its controller does not support. kraft.version is the
// membership format of the controller quorum (KIP-853): at 1 the voters
// are records of the metadata log and AddRaftVoter and RemoveRaftVoter
// change them, at 0 they are fixed. This node is the only voter of its
// quorum and cannot replicate to another (quorum.go), so it supports 0
// alone, and a request for 1 is refused as for any level out of range.
// Level 0 is left out of the finalized list, as for every feature (a
// level of 0 is no record). eligible.leader.replicas.version
// (KIP-966) chooses leaders among replicas that left the ISR cleanly; a
// partition here has one replica, and Kafka 4.0 leaves it off on a new
// cluster, so it stays at 0, unadvertised, as every feature not listed
// above does.
//
// UpdateFeatures (cluster.go) follows FeatureControlManager.updateFeature:
// the checks of featureUpdateRefusal, in its order, then all the updates
// of a request or none. The finalized levels live in the data dir's
// finalized-features.json.

package kafka

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

const (
	metadataVersionFeature = "metadata.version"
	// metadataVersionLevel is 4.0-IV3, the one level served and finalized.
	metadataVersionLevel int16 = 25
	groupVersionFeature        = "group.version"
	// maxGroupVersion is GroupVersion.GV_1, where KIP-848's
	// ConsumerGroupHeartbeat is served, and what a new 4.0 cluster
	// finalizes.
	maxGroupVersion int16 = 1
	// finalizedFeaturesFile keeps the finalized levels in the data dir.
	finalizedFeaturesFile = "finalized-features.json"
)

// servedFeatures is what ApiVersions lists as supported, by name.
var servedFeatures = []supportedFeatureKey{
	{Name: groupVersionFeature, MinVersion: 0, MaxVersion: maxGroupVersion},
	{Name: kraftVersionFeature, MinVersion: kraftVersionStatic, MaxVersion: kraftVersionStatic},
	{Name: metadataVersionFeature, MinVersion: metadataVersionLevel, MaxVersion: metadataVersionLevel},
	{Name: transactionVersionFeature, MinVersion: 0, MaxVersion: maxTransactionVersion},
}

// servedRange is name's supported range, ok false for a feature not
// served.
func servedRange(name string) (r supportedFeatureKey, ok bool) {
	for _, f := range servedFeatures {
		if f.Name == name {
			return f, true
		}
	}
	return r, false
}

// finalizedFeatures is what UpdateFeatures finalized: the levels of
// transaction.version and group.version (metadata.version has one), and
// the epoch of that state, which ApiVersions reports as
// FinalizedFeaturesEpoch and which grows at each change. Kafka takes the
// epoch from the metadata log's offset; here it counts the changes.
type finalizedFeatures struct {
	mu                 sync.Mutex
	path               string
	TransactionVersion int16 `json:"transaction.version"`
	GroupVersion       int16 `json:"group.version"`
	Epoch              int64 `json:"epoch"`
}

// finalizedFeaturesHolds is what a start without finalized-features.json
// lacks, for storeUnreadable.
const finalizedFeaturesHolds = "finalized features (every feature goes back to a new broker's level)"

// openFinalizedFeatures reads the data dir's finalized-features.json, or
// gives a new broker's levels if there is none. A file written before a
// feature was kept there holds that feature at a new broker's level.
func openFinalizedFeatures(dataDir string) (*finalizedFeatures, error) {
	f := &finalizedFeatures{path: filepath.Join(dataDir, finalizedFeaturesFile), TransactionVersion: maxTransactionVersion, GroupVersion: maxGroupVersion}
	data, err := os.ReadFile(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, storeUnreadable(f.path, finalizedFeaturesHolds, err)
	}
	// Strictly (decodeStoredJSON): a key that lost a byte would
	// otherwise leave its feature at a new broker's level, undoing a
	// downgrade with no word of it.
	if err := decodeStoredJSON(data, f); err != nil {
		return nil, storeUnreadable(f.path, finalizedFeaturesHolds, err)
	}
	for _, name := range []string{groupVersionFeature, transactionVersionFeature} {
		level := f.levelLocked(name)
		if r, _ := servedRange(name); level < r.MinVersion || level > r.MaxVersion {
			return nil, storeUnreadable(f.path, finalizedFeaturesHolds, fmt.Errorf("%s %d is not served (%d to %d)", name, level, r.MinVersion, r.MaxVersion))
		}
	}
	return f, nil
}

// advertise fills ApiVersions' feature fields: every served feature as
// supported, and finalized at its level unless that is 0, which Kafka
// leaves out (a level of 0 is no record in its metadata log).
func (f *finalizedFeatures) advertise(resp *apiVersionsResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp.SupportedFeatures = servedFeatures
	resp.FinalizedFeaturesEpoch = f.Epoch
	resp.FinalizedFeatures = nil
	for _, s := range servedFeatures {
		if level := f.levelLocked(s.Name); level > 0 {
			resp.FinalizedFeatures = append(resp.FinalizedFeatures, finalizedFeatureKey{Name: s.Name, MaxVersionLevel: level, MinVersionLevel: level})
		}
	}
}

// level is a feature's finalized level, 0 for one not served.
func (f *finalizedFeatures) level(name string) int16 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.levelLocked(name)
}

func (f *finalizedFeatures) levelLocked(name string) int16 {
	switch name {
	case metadataVersionFeature:
		return metadataVersionLevel
	case transactionVersionFeature:
		return f.TransactionVersion
	case groupVersionFeature:
		return f.GroupVersion
	}
	return 0
}

// transactionVersion is transaction.version's finalized level.
func (f *finalizedFeatures) transactionVersion() int16 { return f.level(transactionVersionFeature) }

// consumerProtocol reports whether KIP-848 consumer groups are on:
// group.version 1, GroupVersion.isConsumerRebalanceProtocolSupported.
func (f *finalizedFeatures) consumerProtocol() bool { return f.level(groupVersionFeature) >= 1 }

// set finalizes the given levels together, on disk first; levels the
// features already have change nothing, and neither does a feature with
// one level, metadata.version. The caller has checked them.
func (f *finalizedFeatures) set(levels map[string]int16) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := finalizedFeatures{TransactionVersion: f.TransactionVersion, GroupVersion: f.GroupVersion, Epoch: f.Epoch + 1}
	for name, level := range levels {
		switch name {
		case transactionVersionFeature:
			next.TransactionVersion = level
		case groupVersionFeature:
			next.GroupVersion = level
		}
	}
	if next.TransactionVersion == f.TransactionVersion && next.GroupVersion == f.GroupVersion {
		return nil
	}
	data, err := json.Marshal(&next)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.path, data); err != nil {
		return err
	}
	f.TransactionVersion, f.GroupVersion, f.Epoch = next.TransactionVersion, next.GroupVersion, next.Epoch
	return nil
}

// featureUpdateRefusal says why an update cannot be made, in
// FeatureControlManager.updateFeature's words and order, or "" if it can.
func (b *Broker) featureUpdateRefusal(f featureUpdate, v int16) string {
	upgradeType := f.UpgradeType
	if v == 0 { // UpdateFeaturesRequest.upgradeType: AllowDowngrade means safe
		upgradeType = upgradeTypeUpgrade
		if f.AllowDowngrade {
			upgradeType = upgradeTypeSafeDowngrade
		}
	}
	if upgradeType < upgradeTypeUpgrade || upgradeType > upgradeTypeUnsafeDowngrade {
		return "The controller does not support the given upgrade type."
	}
	if f.MaxVersionLevel < 0 {
		return "A feature version cannot be less than 0."
	}
	// QuorumFeatures.reasonNotLocallySupported, with Kafka's
	// SupportedVersionRange.toString. Level 0 is "off", which every
	// feature not served already is.
	r, served := servedRange(f.Feature)
	switch {
	case !served && f.MaxVersionLevel > 0:
		return fmt.Sprintf("Local controller %d does not support this feature.", b.cfg.NodeID)
	case served && (f.MaxVersionLevel < r.MinVersion || f.MaxVersionLevel > r.MaxVersion):
		return fmt.Sprintf("Local controller %d only supports versions SupportedVersionRange[min_version:%d, max_version:%d]", b.cfg.NodeID, r.MinVersion, r.MaxVersion)
	}
	current := b.features.level(f.Feature)
	switch {
	case f.MaxVersionLevel < current && upgradeType == upgradeTypeUpgrade:
		return "Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."
	case f.MaxVersionLevel > current && upgradeType != upgradeTypeUpgrade:
		return "Can't downgrade to a newer version."
	}
	return ""
}
