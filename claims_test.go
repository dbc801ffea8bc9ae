// Tests that a request's length prefixes cannot buy memory: whatever an
// array, string or bytes length claims, the broker allocates in proportion
// to the bytes it was sent, for every API and version of the apis table.
// wire.go's reader refuses a length larger than the bytes left; these
// tests check that every decoder built on it keeps that promise, both
// when a small frame claims gigabytes and when a frame's claim is as
// large as its padding allows.
package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// claimPadding is the filler after a claimed length in
// TestRequestClaimsAllocateByBytes: 0x80 ends every element that tries
// to read it, as a negative classic length or an unterminated varint, so
// what a decoder allocates before it notices is what the claim bought.
const claimPadding = 0x80

// TestRequestClaimsAllocateByBytes puts a length claiming as many
// elements as the rest of the frame has bytes at every offset of every
// golden request, in both the classic (int32) and the flexible (varint)
// encoding, and parses it. The claim passes the reader's check, since the
// padding is there; a decoder that sized a slice of structs by it would
// allocate the claim times the struct's size, tens of times the frame,
// which for a 100 MiB frame (MaxFrameBytes) is gigabytes.
func TestRequestClaimsAllocateByBytes(t *testing.T) {
	const padding = 16 << 10
	pad := bytes.Repeat([]byte{claimPadding}, padding)
	classic := binary.BigEndian.AppendUint32(nil, padding)
	flexible := binary.AppendUvarint(nil, padding+1)
	paths, _ := filepath.Glob("testdata/golden/*.txt")
	if len(paths) == 0 {
		t.Fatal("no golden files")
	}
	var before, after runtime.MemStats
	for _, p := range paths {
		g := readGolden(t, p)
		frame := g.sections["request.frame.hex"]
		if len(frame) <= 4 {
			continue
		}
		frame = frame[4:]
		worst, worstAt := uint64(0), 0
		for at := 8; at < len(frame); at++ {
			for _, claim := range [][]byte{classic, flexible} {
				f := append(append(append(make([]byte, 0, at+len(claim)+padding), frame[:at]...), claim...), pad...)
				runtime.ReadMemStats(&before)
				parseRequest(f)
				runtime.ReadMemStats(&after)
				if n := after.TotalAlloc - before.TotalAlloc; n > worst {
					worst, worstAt = n, at
				}
			}
		}
		// Where the claim lands on a fixed-width field, elements of
		// fixed-width fields really decode from the padding (Fetch v4's
		// partitions, 16 bytes on the wire, about 100 in memory, and
		// append's doubling): about 12 times the frame. A slice sized by
		// the claim was 40 times and more, growing with the struct.
		if limit := uint64(16*(len(frame)+padding)) + 64<<10; worst > limit {
			t.Errorf("%s: a claim at offset %d allocated %d bytes for a %d-byte frame (limit %d)",
				g.name, worstAt, worst, len(frame)+padding, limit)
		}
	}
}

// TestHugeClaimsEveryAPI sends, for every API and version the broker
// serves, a small frame whose body is nothing but huge lengths: each
// connection must be answered or closed, the broker's heap must not grow
// by what the lengths claim, and the broker must still answer a new
// connection afterwards.
func TestHugeClaimsEveryAPI(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	// 0x7fffffff as an int32, 0x7fff as an int16, and a varint of 2^35:
	// any length a decoder reads first from these is beyond the frame.
	classicBody := bytes.Repeat([]byte{0x7f, 0xff, 0xff, 0xff}, 8)
	flexibleBody := bytes.Repeat([]byte{0xff, 0xff, 0xff, 0xff, 0x7f}, 8)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	sent := 0
	for _, a := range apis {
		for v := a.minVersion; v <= a.maxVersion; v++ {
			body := classicBody
			if v >= a.flexibleFrom {
				body = flexibleBody
			}
			hugeClaimAnsweredOrClosed(t, tb.addr, a, v, body)
			sent++
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// A connection's buffers and goroutine are a few KiB and are gone
	// once it closes; one honoured claim would be 2 GiB.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 16<<20 {
		t.Errorf("heap grew by %d bytes over %d requests", grown, sent)
	}
	if total := after.TotalAlloc - before.TotalAlloc; total > uint64(sent)*(1<<20) {
		t.Errorf("%d bytes allocated for %d requests", total, sent)
	}
	c := dial(t, tb.addr)
	if code, n := c.apiVersionsAt(3, "claims", "1"); code != 0 || n != len(apis) {
		t.Fatalf("ApiVersions after the claims: code %d, %d APIs", code, n)
	}
}

// hugeClaimAnsweredOrClosed sends a request of a at version v with body
// on a new connection and fails t unless the broker answers it with the
// request's correlation id or closes the connection.
func hugeClaimAnsweredOrClosed(t *testing.T, addr string, a api, v int16, body []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := &writer{}
	w.Int16(a.key)
	w.Int16(v)
	w.Int32(4242)
	w.NullableString(ptr("claims"))
	if v >= a.flexibleFrom {
		w.flexible = true
		w.Tags()
	}
	w.buf = append(w.buf, body...)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(w.buf)))
	if _, err := conn.Write(append(frame, w.buf...)); err != nil {
		t.Fatalf("%s v%d: write: %v", a.name, v, err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var head [8]byte
	_, err = io.ReadFull(conn, head[:])
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), isConnReset(err):
		// Closed: the frame was malformed.
	case err != nil:
		t.Errorf("%s v%d: neither answered nor closed: %v", a.name, v, err)
	default:
		if corr := int32(binary.BigEndian.Uint32(head[4:])); corr != 4242 {
			t.Errorf("%s v%d: answered with correlation id %d", a.name, v, corr)
		}
	}
}

// isConnReset reports whether err is the peer resetting the connection,
// which is how a close with unread bytes in the broker's buffer arrives.
func isConnReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}
