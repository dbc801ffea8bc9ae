//go:build !cgo

// Without cgo, confluent-kafka-go cannot link librdkafka, and
// confluent_test.go is not built. This test says so: on CI (CI=true), where
// test.sh installs gcc and sets CGO_ENABLED=1, that is a failure.
package interop

import (
	"os"
	"testing"
)

func TestConfluentGo(t *testing.T) {
	const why = "the confluent-kafka-go tests need cgo (CGO_ENABLED=1 and a C compiler; test.sh installs gcc)"
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}
