package interop

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// kversionSkipped are the keys kversion.VersionGuess leaves out by
// default (versionGuess2 in franz-go's pkg/kversion/requests.go):
// broker-to-broker APIs, UpdateFeatures, and client telemetry, which a
// broker advertises only with a metrics reporter. SkipKeys replaces this
// list rather than adding to it, so it is repeated here.
var kversionSkipped = []int16{4, 5, 6, 7, 27, 56, 57, 58, 67, 71, 72}

// aboveKafka40 are the keys this broker serves beyond Kafka 4.0, on
// purpose: AlterPartitionReassignments v1 and ListConfigResources v1
// (Kafka 4.1), the share-group APIs at their 4.1 versions, and the
// share-group offset APIs 90-92.
var aboveKafka40 = []int16{45, 74, 76, 77, 78, 79, 90, 91, 92}

// TestKversionGuessesKafka40: franz-go's kversion, which kadm, kcl and
// Redpanda Console use to say which Kafka they talk to, takes this
// broker's ApiVersions for Kafka 4.0 once the keys it serves beyond 4.0
// are set aside, and a Kafka 4.0 broker's own versions give the same
// answer. The whole list is pinned too, so
// that a version dropped or added anywhere shows here.
func TestKversionGuessesKafka40(t *testing.T) {
	addr, stop := startBroker(t, t.TempDir())
	defer stop()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatal(err)
	}
	ours := kversion.FromApiVersionsResponse(resp)

	skip := append(append([]int16{}, kversionSkipped...), aboveKafka40...)
	if got := kversion.V4_0_0().VersionGuess(kversion.SkipKeys(skip...)); got != "v4.0" {
		t.Fatalf("Kafka 4.0's own versions guess %q with these keys skipped; the skip list no longer fits kversion", got)
	}
	if got := ours.VersionGuess(kversion.SkipKeys(skip...)); got != "v4.0" {
		t.Errorf("VersionGuess = %q, want v4.0", got)
	}
	// Every key of Kafka 4.0 that is not skipped is served at 4.0's
	// maximum, and none above it.
	kversion.V4_0_0().EachMaxKeyVersion(func(key, max int16) {
		for _, k := range skip {
			if k == key {
				return
			}
		}
		if got, ok := ours.LookupMaxKeyVersion(key); !ok || got != max {
			t.Errorf("%s (key %d): max %d (served %v), Kafka 4.0 has %d", kmsg.NameForKey(key), key, got, ok, max)
		}
	})
	// Unskipped, the zk chain's answer wins (VersionGuess prefers an
	// "at least" there to the broker chain's custom guess). With the
	// quorum APIs served, what keeps the broker chain from v4.0 is only
	// the keys served beyond it, which are some of 4.1's and not all:
	// served, each one of them alone turns the guess to this.
	if got, want := ours.VersionGuess(), "at least v3.9"; got != want {
		t.Errorf("VersionGuess without skips = %q, want %q", got, want)
	}
}
