package bench

// The parent's side of a benchmark server: StartServer runs a target in a
// child process of this binary (MaybeServe is the child's entry), and
// Server asks it for its counters, profiles and restarts over a pipe.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"
)

// childEnv, when set in a process's environment, makes MaybeServe turn that
// process into a benchmark server of the kind it names. StartServer runs
// the current executable (cmd/bench, or a test binary) again with it set,
// so no separate server binary has to be built.
const childEnv = "KAFKA_BENCH_SERVER"

// MaybeServe runs a benchmark server and exits if this process was started
// as one by StartServer; otherwise it returns at once. Call it first thing
// in main, or in TestMain.
func MaybeServe() {
	kind := os.Getenv(childEnv)
	if kind == "" {
		return
	}
	// Ctrl-C in a terminal signals the whole process group. The parent
	// stops its servers itself (a "quit", or end of input if it dies), and
	// only after the workload in progress has ended, so the child waits
	// for that rather than dying under its clients.
	signal.Ignore(os.Interrupt)
	if err := ServerMain(Kind(kind), "127.0.0.1:0", os.Getenv(childEnv+"_DATA"), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "benchserver %s: %v\n", kind, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Server is a benchmark server running in a child process, so that its
// allocations and memory are its own and not the client's.
type Server struct {
	Kind Kind
	Addr string

	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	data string
}

// StartServer starts a server of the given kind in a child process. The
// child is this same executable, which must call MaybeServe first thing.
func StartServer(kind Kind) (*Server, error) {
	data, err := os.MkdirTemp("", "kafka-bench-")
	if err != nil {
		return nil, err
	}
	return startServerIn(kind, data)
}

// Restart stops the server, keeping its data, and starts a new one of the
// same kind on it. It returns how long the new server took from its start
// to listening with its logs loaded.
func (s *Server) Restart() (time.Duration, error) {
	if err := s.stop(); err != nil {
		return 0, err
	}
	start := time.Now()
	ns, err := startServerIn(s.Kind, s.data)
	if err != nil {
		return 0, err
	}
	*s = *ns
	return time.Since(start), nil
}

// startServerIn starts a server of kind on the data dir data, which the
// server's Close removes.
func startServerIn(kind Kind, data string) (*Server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(kind), childEnv+"_DATA="+data)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(data)
		return nil, err
	}
	s := &Server{Kind: kind, cmd: cmd, in: in, out: bufio.NewReader(outp), data: data}
	line, err := s.readLine()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("starting %s server: %w", kind, err)
	}
	addr, ok := strings.CutPrefix(line, "addr ")
	if !ok {
		s.Close()
		return nil, fmt.Errorf("starting %s server: it said %q, want addr", kind, line)
	}
	s.Addr = addr
	return s, nil
}

func (s *Server) readLine() (string, error) {
	line, err := s.out.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(line, "\n"), nil
}

// do sends one command and returns the answer line.
func (s *Server) do(cmd string) (string, error) {
	if _, err := io.WriteString(s.in, cmd+"\n"); err != nil {
		return "", fmt.Errorf("%s server: %s: %w", s.Kind, cmd, err)
	}
	line, err := s.readLine()
	if err != nil {
		return "", fmt.Errorf("%s server: %s: %w", s.Kind, cmd, err)
	}
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return "", fmt.Errorf("%s server: %s: %s", s.Kind, cmd, msg)
	}
	return line, nil
}

// Stats asks the server for its counters.
func (s *Server) Stats() (Stats, error) {
	line, err := s.do("stats")
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	err = json.Unmarshal([]byte(line), &st)
	return st, err
}

// Reset starts the server's peak heap and peak RSS over.
func (s *Server) Reset() error {
	_, err := s.do("reset")
	return err
}

// StartCPUProfile starts a CPU profile in the server, written to path.
func (s *Server) StartCPUProfile(path string) error {
	_, err := s.do("cpuprofile " + path)
	return err
}

// StopCPUProfile ends the profile StartCPUProfile began.
func (s *Server) StopCPUProfile() error {
	_, err := s.do("cpuprofile-stop")
	return err
}

// WriteHeapProfile writes the server's allocation profile to path.
func (s *Server) WriteHeapProfile(path string) error {
	_, err := s.do("heapprofile " + path)
	return err
}

// Close stops the server, waits for it to exit and removes its data.
func (s *Server) Close() error {
	err := s.stop()
	os.RemoveAll(s.data)
	return err
}

// stop stops the server and waits for it to exit.
func (s *Server) stop() error {
	io.WriteString(s.in, "quit\n")
	s.in.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		err = errors.Join(errors.New(string(s.Kind)+" server did not exit within 30s of quit"), <-done)
	}
	return err
}

// PauseSampler stops the server's 5ms peak-heap sampler, so that an idle
// server's CPU is its own; ResumeSampler starts it again. The peak heap
// is not tracked in between.
func (s *Server) PauseSampler() error {
	_, err := s.do("sampler off")
	return err
}

// ResumeSampler undoes PauseSampler.
func (s *Server) ResumeSampler() error {
	_, err := s.do("sampler on")
	return err
}
