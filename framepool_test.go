package kafka

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
)

// TestFramePoolMixedSizes reads Produce frames of the sizes a producer
// of 1,000-byte records to one partition sends, batches cut wherever
// linger or the 1 MB batch limit cut them, and gives each back to the
// pool as the connection loop does. Once every size has been seen, no
// frame may need new memory. Frames used to miss: the buffer a miss grew
// (by append's rounding, not doubling) to hold a frame ended short of the
// frame's class, e.g. 983,040 bytes for a 700,000-byte frame of the 1 MiB
// class, so put filed it in the class below, and the next frame of that
// size missed again. The frame's size prefix and put's argument were
// moved to the heap at every frame too.
func TestFramePoolMixedSizes(t *testing.T) {
	for _, sizes := range [][]int{
		{700_000},
		{300_000},
		{700_000, 600_000, 300_000, 850_000, 16 << 10, 350_000, 540_000, 140_000, 1_000_012, 900_000},
	} {
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			var stream []byte
			for _, n := range sizes {
				stream = append(stream, produceFrame("t", bytes.Repeat([]byte{1}, n))...)
			}
			br := &Broker{cfg: Config{MaxFrameBytes: defaultMaxFrameBytes}}
			c := &conn{broker: br, r: bufio.NewReader(&repeatReader{data: stream})}
			pass := func() {
				for range sizes {
					buf, err := c.readFrame()
					if err != nil {
						t.Fatal(err)
					}
					br.frames.put(buf)
				}
			}
			pass() // the first pass allocates each size's buffer
			if allocs := testing.AllocsPerRun(5, pass); allocs > 0 {
				t.Errorf("%.1f allocations per pass over frames already seen, want 0", allocs)
			}
		})
	}
}
