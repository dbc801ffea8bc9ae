package kafka

import (
	"fmt"
	"strings"
	"testing"
)

// Tests of the feature flags a Kafka 4.0 broker advertises and
// UpdateFeatures changes (features.go), against FeatureControlManager,
// BrokerFeatures and KafkaApis.

// featuresOf is a raw ApiVersions v3's feature fields, each supported
// feature as "name min-max", each finalized one as "name=level", sorted
// as the broker sends them.
func (c *testClient) featuresOf() (supported, finalized []string) {
	c.t.Helper()
	c.send(apiVersionsKey, 3, true, func(w *writer) { w.String("t"); w.String("1"); w.Tags() })
	r, err := c.recv(false) // ApiVersions answers with header v0
	if err != nil {
		c.t.Fatal(err)
	}
	r.flexible = true
	r.Int16()
	readArray(r, func(r *reader) int16 { k := r.Int16(); r.Int16(); r.Int16(); r.SkipTags(); return k })
	r.Int32()
	r.Tags(func(tag uint64, f *reader) {
		switch tag {
		case 0:
			supported = readArray(f, func(f *reader) string {
				s := fmt.Sprintf("%s %d-%d", f.String(), f.Int16(), f.Int16())
				f.SkipTags()
				return s
			})
		case 2:
			finalized = readArray(f, func(f *reader) string {
				name, max, min := f.String(), f.Int16(), f.Int16()
				f.SkipTags()
				if min != max {
					return fmt.Sprintf("%s=%d..%d", name, min, max)
				}
				return fmt.Sprintf("%s=%d", name, max)
			})
		}
	})
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return supported, finalized
}

// updateFeature is a raw UpdateFeatures v1 of one feature, answered as
// "code message".
func (c *testClient) updateFeature(name string, level int16, upgradeType int8) string {
	c.t.Helper()
	r := c.roundTrip(57, 1, true, func(w *writer) {
		w.Int32(30000)
		w.ArrayLen(1)
		w.String(name)
		w.Int16(level)
		w.Int8(upgradeType)
		w.Tags()
		w.Bool(false)
		w.Tags()
	})
	r.Int32()
	code, msg := r.Int16(), r.NullableString()
	readArray(r, func(r *reader) int { _, _, _ = r.String(), r.Int16(), r.NullableString(); r.SkipTags(); return 0 })
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return fmt.Sprintf("%d %s", code, deref(msg))
}

// TestFeaturesOfAKafka40Broker: ApiVersions advertises the features a new
// single-node Kafka 4.0 cluster finalizes and this broker honours:
// metadata.version 4.0-IV3 (level 25, MetadataVersion.LATEST_PRODUCTION),
// the only level this broker has, group.version 1 (KIP-848 consumer
// groups, which it serves) and transaction.version 2 (txnv2.go). Each is
// supported, as BrokerFeatures lists them, over the levels the broker can
// be set to; kraft.version only at 0, a static quorum (quorum.go), which
// like every level 0 is not listed as finalized.
func TestFeaturesOfAKafka40Broker(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	supported, finalized := c.featuresOf()
	if got, want := strings.Join(supported, ", "), "group.version 0-1, kraft.version 0-0, metadata.version 25-25, transaction.version 0-2"; got != want {
		t.Errorf("supported: %s, want %s", got, want)
	}
	if got, want := strings.Join(finalized, ", "), "group.version=1, metadata.version=25, transaction.version=2"; got != want {
		t.Errorf("finalized: %s, want %s", got, want)
	}
}

// TestGroupVersionZeroTurnsOffConsumerGroups: group.version 0 turns the
// KIP-848 consumer protocol off, as Kafka's KafkaApis checks
// isConsumerGroupProtocolEnabled before anything else:
// ConsumerGroupHeartbeat and ConsumerGroupDescribe answer
// UNSUPPORTED_VERSION until the level is 1 again. The level survives a
// restart.
func TestGroupVersionZeroTurnsOffConsumerGroups(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	const refusedAsUpgrade = "95 The update failed for all features since the following feature had an error: Invalid update version 0 for feature group.version. Can't downgrade the version of this feature without setting the upgrade type to either safe or unsafe downgrade."
	if got := c.updateFeature("group.version", 0, upgradeTypeUpgrade); got != refusedAsUpgrade {
		t.Errorf("downgrade asked as an upgrade: %q", got)
	}
	if got := c.updateFeature("group.version", 0, upgradeTypeSafeDowngrade); got != "0 " {
		t.Fatalf("safe downgrade to 0: %q", got)
	}
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if _, finalized := c.featuresOf(); strings.Contains(strings.Join(finalized, " "), "group.version") {
		t.Errorf("finalized at level 0: %v, want no group.version", finalized)
	}
	if code, _, err := c.consumerHeartbeatCode("g"); err != nil || code != codeUnsupportedVersion {
		t.Errorf("ConsumerGroupHeartbeat at group.version 0: code %d, %v; want UNSUPPORTED_VERSION", code, err)
	}
	d := tb.handleConsumerGroupDescribe(t.Context(), testRC(0), &consumerGroupDescribeRequest{GroupIDs: []string{"g", "h"}}).(*consumerGroupDescribeResponse)
	if len(d.Groups) != 2 || d.Groups[0].ErrorCode != codeUnsupportedVersion || d.Groups[1].ErrorCode != codeUnsupportedVersion || d.Groups[1].GroupID != "h" {
		t.Errorf("ConsumerGroupDescribe at group.version 0: %+v", d.Groups)
	}
	if got := c.updateFeature("group.version", 1, upgradeTypeUpgrade); got != "0 " {
		t.Fatalf("upgrade to 1: %q", got)
	}
	if code, _, err := c.consumerHeartbeatCode("g"); err != nil || code != codeNone {
		t.Errorf("ConsumerGroupHeartbeat at group.version 1: code %d, %v", code, err)
	}
}

// TestUpdateFeaturesAsFeatureControlManager: the refusals of
// FeatureControlManager.updateFeature for the features served: a level
// outside a feature's supported range, metadata.version's included, and
// a level above the current one asked as a downgrade.
func TestUpdateFeaturesAsFeatureControlManager(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, tc := range []struct {
		name        string
		level       int16
		upgradeType int8
		want        string
	}{
		{"metadata.version", 25, upgradeTypeUpgrade, "0 "},
		{"metadata.version", 24, upgradeTypeSafeDowngrade, "95 The update failed for all features since the following feature had an error: Invalid update version 24 for feature metadata.version. Local controller 0 only supports versions SupportedVersionRange[min_version:25, max_version:25]"},
		{"metadata.version", 26, upgradeTypeUpgrade, "95 The update failed for all features since the following feature had an error: Invalid update version 26 for feature metadata.version. Local controller 0 only supports versions SupportedVersionRange[min_version:25, max_version:25]"},
		{"group.version", 2, upgradeTypeUpgrade, "95 The update failed for all features since the following feature had an error: Invalid update version 2 for feature group.version. Local controller 0 only supports versions SupportedVersionRange[min_version:0, max_version:1]"},
		{"eligible.leader.replicas.version", 1, upgradeTypeUpgrade, "95 The update failed for all features since the following feature had an error: Invalid update version 1 for feature eligible.leader.replicas.version. Local controller 0 does not support this feature."},
		{"transaction.version", 1, upgradeTypeSafeDowngrade, "0 "},
		{"transaction.version", 2, upgradeTypeSafeDowngrade, "95 The update failed for all features since the following feature had an error: Invalid update version 2 for feature transaction.version. Can't downgrade to a newer version."},
		{"transaction.version", 2, upgradeTypeUpgrade, "0 "},
	} {
		if got := c.updateFeature(tc.name, tc.level, tc.upgradeType); got != tc.want {
			t.Errorf("%s to %d (type %d): %q, want %q", tc.name, tc.level, tc.upgradeType, got, tc.want)
		}
	}
}

// setTransactionVersion finalizes transaction.version at level, as an
// UpdateFeatures for it alone would, for tests that need a level set.
func (f *finalizedFeatures) setTransactionVersion(level int16) error {
	return f.set(map[string]int16{transactionVersionFeature: level})
}
