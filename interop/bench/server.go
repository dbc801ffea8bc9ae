package bench

// The child's side of a benchmark server: the three targets (Kind), the
// Stats a server reports of itself, and ServerMain, which serves one
// target and answers the parent's commands.

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"kafka"
)

// Kind names one of the three targets a workload runs against.
type Kind string

const (
	Ours     Kind = "ours"     // this repository's broker, kafka.Open + Serve
	KFake    Kind = "kfake"    // franz-go's in-memory fake cluster, one broker
	Loopback Kind = "loopback" // a plain TCP sink, source and relay: the floor

	// LoopbackFile is not a target of its own but a second floor the
	// loopback server measures for produce: its sink, storing what it
	// reads in a file of its data dir with one pwrite per MiB, as the
	// broker stores a frame's batches. What ours costs above it is the
	// broker's own work: parsing, the CRC check, offsets, the answer.
	LoopbackFile Kind = "loopback+file"
)

// Kinds is every target, in the order reports list them.
var Kinds = []Kind{Ours, KFake, Loopback}

// Stats is what a server process says about itself. The counters (alloc,
// mallocs, CPU) only grow; subtract two snapshots to get a workload's share.
// The peaks are since the last reset.
type Stats struct {
	TotalAlloc uint64  `json:"total_alloc"` // runtime.MemStats.TotalAlloc: bytes ever allocated on the heap
	Mallocs    uint64  `json:"mallocs"`     // runtime.MemStats.Mallocs: heap objects ever allocated
	HeapInuse  uint64  `json:"heap_inuse"`  // runtime.MemStats.HeapInuse now
	PeakHeap   uint64  `json:"peak_heap"`   // largest HeapInuse seen since the last reset (sampled every 5ms)
	NumGC      uint32  `json:"num_gc"`      // runtime.MemStats.NumGC
	RSS        uint64  `json:"rss"`         // VmRSS now, bytes
	PeakRSS    uint64  `json:"peak_rss"`    // VmHWM: peak RSS since the last reset (or the start), bytes
	CPU        float64 `json:"cpu_seconds"` // user+system CPU time of the whole process
	FDs        int     `json:"fds"`         // open file descriptors now (/proc/self/fd)
}

// Sub returns the growth of the counters from old to s; peaks and levels
// are those of s.
func (s Stats) Sub(old Stats) Stats {
	d := s
	d.TotalAlloc -= old.TotalAlloc
	d.Mallocs -= old.Mallocs
	d.NumGC -= old.NumGC
	d.CPU -= old.CPU
	return d
}

// ServerMain runs a benchmark server of the given kind until its standard
// input closes or says "quit". It is the whole of a server process: the
// parent starts it (see StartServer) and talks to it over stdin and stdout,
// one line each way:
//
//	first line out       addr 127.0.0.1:PORT
//	stats                a JSON Stats
//	reset                ok (peak heap and peak RSS start over)
//	cpuprofile PATH      ok (a CPU profile runs until cpuprofile-stop)
//	cpuprofile-stop      ok
//	heapprofile PATH     ok (writes the allocation profile since the start)
//	sampler off          ok (the peak-heap sampler stops until "sampler on")
//	sampler on           ok
//	quit                 shuts down and exits 0
//
// addr is where to listen ("127.0.0.1:0" for a free port); dataDir is
// where our broker keeps its logs (kfake keeps its own in memory).
func ServerMain(kind Kind, addr, dataDir string, in io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	stop, err := serve(kind, ln, dataDir)
	if err != nil {
		ln.Close()
		return err
	}
	defer stop()

	var peak peakHeap
	peak.start()
	defer peak.stop()

	w := bufio.NewWriter(out)
	reply := func(format string, args ...any) error {
		fmt.Fprintf(w, format+"\n", args...)
		return w.Flush()
	}
	if err := reply("addr %s", ln.Addr()); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch cmd {
		case "":
			continue
		case "stats":
			b, err := json.Marshal(readStats(&peak))
			if err != nil {
				return err
			}
			err = reply("%s", b)
			if err != nil {
				return err
			}
		case "reset":
			peak.reset()
			// Writing 5 to clear_refs resets VmHWM to the current RSS
			// (Linux 4.0 and later). Where that fails the peak is the
			// process's lifetime peak, which the report still shows.
			os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
			err = reply("ok")
		case "cpuprofile":
			f, ferr := os.Create(arg)
			if ferr == nil {
				ferr = pprof.StartCPUProfile(f)
			}
			err = replyErr(reply, ferr)
		case "cpuprofile-stop":
			pprof.StopCPUProfile()
			err = reply("ok")
		case "heapprofile":
			f, ferr := os.Create(arg)
			if ferr == nil {
				ferr = pprof.Lookup("allocs").WriteTo(f, 0)
				if cerr := f.Close(); ferr == nil {
					ferr = cerr
				}
			}
			err = replyErr(reply, ferr)
		case "sampler":
			// The sampler wakes every 5ms, which is about 3% of a core
			// on its own: the idle measurements turn it off, so that
			// what they see is the broker's CPU and not the benchmark's.
			switch arg {
			case "off":
				peak.stop()
				err = reply("ok")
			case "on":
				peak.start()
				err = reply("ok")
			default:
				err = reply("error sampler %q: want on or off", arg)
			}
		case "quit":
			return nil
		default:
			err = reply("error unknown command %q", cmd)
		}
		if err != nil {
			return err
		}
	}
	return sc.Err()
}

func replyErr(reply func(string, ...any) error, err error) error {
	if err != nil {
		return reply("error %s", strings.ReplaceAll(err.Error(), "\n", " "))
	}
	return reply("ok")
}

// serve starts the target on ln and returns a function that stops it.
func serve(kind Kind, ln net.Listener, dataDir string) (stop func(), err error) {
	switch kind {
	case Ours:
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		b, err := kafka.Open(kafka.Config{DataDir: dataDir, Logger: logger})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Serve(ctx, ln) }()
		return func() {
			cancel()
			if err := <-done; err != nil {
				fmt.Fprintf(os.Stderr, "benchserver: Serve: %v\n", err)
			}
		}, nil
	case KFake:
		// kfake listens itself; hand it our listener so that the parent
		// learns the port the same way for every kind.
		var once sync.Once
		c, err := kfake.NewCluster(
			kfake.NumBrokers(1),
			kfake.ListenFn(func(network, address string) (net.Listener, error) {
				var l net.Listener
				once.Do(func() { l = ln })
				if l == nil {
					return nil, errors.New("benchserver: kfake asked for a second listener")
				}
				return l, nil
			}),
		)
		if err != nil {
			return nil, err
		}
		return c.Close, nil
	case Loopback:
		s := &loopServer{ln: ln, dir: dataDir, relay: make(map[uint64]chan net.Conn)}
		go s.accept()
		return s.close, nil
	}
	return nil, fmt.Errorf("benchserver: unknown kind %q", kind)
}

// readStats gathers Stats; ReadMemStats stops the world briefly, which is
// fine between workloads, where the parent asks for it.
func readStats(p *peakHeap) Stats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := Stats{
		TotalAlloc: ms.TotalAlloc,
		Mallocs:    ms.Mallocs,
		HeapInuse:  ms.HeapInuse,
		PeakHeap:   max(p.max.Load(), ms.HeapInuse),
		NumGC:      ms.NumGC,
	}
	s.RSS, s.PeakRSS = procStatus()
	s.CPU = processCPU()
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		s.FDs = len(fds)
	}
	return s
}

// processCPU is the user plus system CPU time of this process so far, in
// seconds (children not included).
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// procStatus returns VmRSS and VmHWM from /proc/self/status, in bytes, or
// zeros where there is no /proc.
func procStatus() (rss, hwm uint64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(val) // "1234 kB"
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}

// peakHeap samples the in-use heap (HeapInuse: heap objects plus the free
// space inside their spans) every 5ms through runtime/metrics, which does
// not stop the world, and keeps the largest value seen. It can be stopped
// and started again; both are no-ops when it is already in that state.
// Only ServerMain's command loop calls them.
type peakHeap struct {
	max  atomic.Uint64
	done chan struct{} // nil while stopped
	wg   sync.WaitGroup
}

func (p *peakHeap) start() {
	if p.done != nil {
		return
	}
	done := make(chan struct{})
	p.done = done
	p.wg.Go(func() {
		samples := []metrics.Sample{
			{Name: "/memory/classes/heap/objects:bytes"},
			{Name: "/memory/classes/heap/unused:bytes"},
		}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			var inuse uint64
			for _, s := range samples {
				if s.Value.Kind() == metrics.KindUint64 {
					inuse += s.Value.Uint64()
				}
			}
			for {
				old := p.max.Load()
				if inuse <= old || p.max.CompareAndSwap(old, inuse) {
					break
				}
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
}

func (p *peakHeap) reset() { p.max.Store(0) }

func (p *peakHeap) stop() {
	if p.done == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	p.done = nil
}

// loopServer is the loopback target: it moves bytes and nothing else. A
// connection's first byte says what it wants:
//
//	'P' sink: read and discard until EOF, then write the byte count (8 bytes)
//	'W' storing sink: as 'P', but each MiB read is written to a new file in
//	    the server's data dir with one pwrite, before the next is read
//	'C' source: read a byte count (8 bytes), write that many bytes, close
//	'I' relay in, 'O' relay out, each followed by an 8-byte pair id: bytes
//	    written to the 'I' connection are copied to the 'O' one of the
//	    same id, as a broker carries a producer's records to a consumer
type loopServer struct {
	ln    net.Listener
	dir   string // where 'W' stores what it reads
	mu    sync.Mutex
	relay map[uint64]chan net.Conn
	conns sync.WaitGroup
}

func (s *loopServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Go(func() {
			defer c.Close()
			s.serveConn(c)
		})
	}
}

func (s *loopServer) close() {
	s.ln.Close()
	s.conns.Wait()
}

func (s *loopServer) serveConn(c net.Conn) {
	var hdr [1]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	var num [8]byte
	switch hdr[0] {
	case 'P':
		n, _ := io.CopyBuffer(io.Discard, c, make([]byte, 256<<10))
		binary.BigEndian.PutUint64(num[:], uint64(n))
		c.Write(num[:])
	case 'W':
		n, err := s.store(c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchserver: loopback store: %v\n", err)
			return
		}
		binary.BigEndian.PutUint64(num[:], uint64(n))
		c.Write(num[:])
	case 'C':
		if _, err := io.ReadFull(c, num[:]); err != nil {
			return
		}
		left := binary.BigEndian.Uint64(num[:])
		buf := make([]byte, 256<<10)
		for left > 0 {
			chunk := buf[:min(uint64(len(buf)), left)]
			if _, err := c.Write(chunk); err != nil {
				return
			}
			left -= uint64(len(chunk))
		}
	case 'I', 'O':
		if _, err := io.ReadFull(c, num[:]); err != nil {
			return
		}
		ch := s.pair(binary.BigEndian.Uint64(num[:]))
		if hdr[0] == 'O' {
			ch <- c
			// The 'I' side copies into c; keep it open until it is done,
			// which it signals by handing c back.
			<-ch
			return
		}
		out := <-ch
		io.CopyBuffer(out, c, make([]byte, 64<<10))
		ch <- out
	}
}

// store reads c to its end in 1 MiB pieces, about a producer's request,
// and writes each to a new file at the next offset, as the broker appends
// a frame's batches to a segment. The file stays until the data dir is
// removed, as a segment does, so that its page cache is freed at the same
// point of the run.
func (s *loopServer) store(c net.Conn) (int64, error) {
	f, err := os.CreateTemp(s.dir, "sink-*.log")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var off int64
	for {
		n, rerr := io.ReadFull(c, buf)
		if n > 0 {
			if _, err := f.WriteAt(buf[:n], off); err != nil {
				return off, err
			}
			off += int64(n)
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return off, nil
		case rerr != nil:
			return off, rerr
		}
	}
}

func (s *loopServer) pair(id uint64) chan net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.relay[id]
	if !ok {
		ch = make(chan net.Conn)
		s.relay[id] = ch
	}
	return ch
}
