// This file runs Burrow, LinkedIn's consumer-lag monitor (Debian's package
// burrow, 1.2.1, built on sarama), against the broker. Burrow reads
// __consumer_offsets itself, record by record, in Kafka's on-disk format
// (its consumer module decodes the offset commit keys and values), and
// asks the broker for each partition's end offset with ListOffsets; its
// HTTP API then answers each group's committed offsets and lag. So the
// test checks what no client library does: that the records the broker
// writes to __consumer_offsets are the ones a reader of Kafka's format
// decodes, and that the lag Burrow computes from them is franz-go's kadm's.
//
// Two things stand between Debian's Burrow and any Kafka 4.0 broker, this
// one included, and the test works around both:
//
//   - Burrow 1.x keeps its own state in ZooKeeper and will not start
//     without one: the test runs Debian's zookeeper package's server.
//   - Burrow 1.2.1 sends ListOffsets v0 whatever kafka-version it is told,
//     and Kafka 4.0 no longer serves v0 (KIP-896): the broker closes the
//     connection, as Kafka does, and Burrow, knowing no end offsets, drops
//     every commit it reads. Burrow fixed this in 1.9.4 (it sends v1-4 by
//     its kafka-version), which Debian does not ship. The test puts a
//     small proxy between Burrow and the broker that sends such a request
//     on as v1 and answers it in v0's form; everything else passes through
//     unchanged. docs/compatibility.md has the manual run without it.
package interop

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"kafka"
)

// zookeeperJar is Debian's ZooKeeper server; its manifest names the jars
// it needs.
const zookeeperJar = "/usr/share/java/zookeeper.jar"

// TestBurrowLag: a classic group and a KIP-848 group commit offsets on a
// three-partition topic, more is produced, and Burrow lists both groups
// with, for every partition, the committed offset and the lag (end offset
// minus commit) that kadm reports.
func TestBurrowLag(t *testing.T) {
	burrow := requireTool(t, "Burrow")
	java := requireTool(t, "java")
	if _, err := os.Stat(zookeeperJar); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true; test.sh installs the zookeeper package)", zookeeperJar)
		}
		t.Skipf("%s is missing (Debian's zookeeper package)", zookeeperJar)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The broker advertises the proxy, so that Burrow's sarama, which
	// follows Metadata, sends every request through it.
	proxyLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{AdvertisedAddr: proxyLn.Addr().String()})
	go serveListOffsetsV0Proxy(proxyLn, addr)
	t.Cleanup(func() { proxyLn.Close() })
	bootstrap := proxyLn.Addr().String()

	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	const topic = "orders"
	if _, err := adm.CreateTopic(ctx, 3, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	produceN(t, bootstrap, topic, 0, 30)

	dir := t.TempDir()
	zkAddr := startZooKeeper(t, java, dir)
	httpAddr := freeAddr(t)
	burrowExited := startBurrow(t, burrow, dir, zkAddr, bootstrap, httpAddr)
	api := "http://" + httpAddr + "/v3/kafka/local"
	running := func() {
		select {
		case <-burrowExited:
			t.Fatal("Burrow exited")
		default:
		}
	}

	// A commit of a topic Burrow has not seen yet is dropped, so the
	// groups commit only once it lists the topic's end offsets.
	waitFor(ctx, t, "Burrow to list the end offsets of "+topic, func() error {
		running()
		var r struct{ Offsets []int64 }
		if err := getJSON(ctx, api+"/topic/"+topic, &r); err != nil {
			return err
		}
		if len(r.Offsets) != 3 {
			return fmt.Errorf("offsets %v", r.Offsets)
		}
		return nil
	})
	groups := map[string][]kgo.Opt{
		"burrow-classic": nil,
		"burrow-848":     {kgo.ServerSideBalancer(), kgo.Balancers(kgo.CooperativeStickyBalancer())},
	}
	for group, opts := range groups {
		consumeAndCommit(ctx, t, bootstrap, group, topic, 30, opts)
	}
	produceN(t, bootstrap, topic, 30, 12) // lag for both groups

	// kadm's figures: the committed offsets (OffsetFetch) and the end
	// offsets (ListOffsets v1 and up, straight from the broker).
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for group := range groups {
		commits, err := adm.FetchOffsets(ctx, group)
		if err == nil {
			err = commits.Error()
		}
		if err != nil {
			t.Fatalf("%s: %v", group, err)
		}
		want := map[int32]burrowPartition{}
		for _, o := range commits.Sorted() {
			end, _ := ends.Lookup(topic, o.Partition)
			want[o.Partition] = burrowPartition{Partition: o.Partition, Offset: o.At, Lag: end.Offset - o.At}
		}
		if len(want) != 3 {
			t.Fatalf("%s: kadm fetched offsets %+v", group, want)
		}
		waitFor(ctx, t, "Burrow's lag of "+group+" to be kadm's", func() error {
			running()
			got, err := burrowLag(ctx, api, group)
			if err != nil {
				return err
			}
			if len(got) != len(want) {
				return fmt.Errorf("partitions %+v, kadm's %+v", got, want)
			}
			for _, p := range got {
				if p != want[p.Partition] {
					return fmt.Errorf("partitions %+v, kadm's %+v", got, want)
				}
			}
			return nil
		})
	}
	var list struct{ Consumers []string }
	if err := getJSON(ctx, api+"/consumer", &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Consumers) != 2 {
		t.Errorf("Burrow lists consumers %v, want burrow-classic and burrow-848", list.Consumers)
	}
	// Every offset commit record decodes; Burrow 1.2.1 does not know
	// GroupMetadataValue v3 or the KIP-848 record types, which Kafka 4.0
	// writes too, and skips them with a warning.
	log, err := os.ReadFile(filepath.Join(dir, "burrow.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "failed to decode") && strings.Contains(line, `"message_type":"offset"`) {
			t.Errorf("Burrow could not decode an offset commit: %s", line)
		}
	}
}

// burrowPartition is what the test compares of one partition of Burrow's
// lag answer: the last committed offset and the lag.
type burrowPartition struct {
	Partition int32
	Offset    int64
	Lag       int64
}

// burrowLag reads /consumer/<group>/lag: each partition's last commit and
// its current lag.
func burrowLag(ctx context.Context, api, group string) ([]burrowPartition, error) {
	var r struct {
		Status struct {
			Status     string
			Partitions []struct {
				Partition  int32
				End        *struct{ Offset int64 }
				CurrentLag int64 `json:"current_lag"`
			}
		}
	}
	if err := getJSON(ctx, api+"/consumer/"+group+"/lag", &r); err != nil {
		return nil, err
	}
	var ps []burrowPartition
	for _, p := range r.Status.Partitions {
		if p.End == nil {
			return nil, fmt.Errorf("status %s: partition %d has no commit yet", r.Status.Status, p.Partition)
		}
		ps = append(ps, burrowPartition{Partition: p.Partition, Offset: p.End.Offset, Lag: p.CurrentLag})
	}
	return ps, nil
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: %w: %s", url, err, body)
	}
	return nil
}

// waitFor polls check every 200 ms until it returns nil, and fails the
// test with its last error when ctx ends.
func waitFor(ctx context.Context, t *testing.T, what string, check func() error) {
	t.Helper()
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// consumeAndCommit joins group, reads n records of topic, commits them and
// leaves.
func consumeAndCommit(ctx context.Context, t *testing.T, bootstrap, group, topic string, n int, opts []kgo.Opt) {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(bootstrap), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for got := 0; got < n; {
		fs := cl.PollRecords(ctx, n-got)
		if err := fs.Err0(); err != nil {
			t.Fatalf("%s: %v", group, err)
		}
		got += fs.NumRecords()
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("%s: commit: %v", group, err)
	}
}

// freeAddr returns a loopback address with a port free a moment ago, for
// servers (ZooKeeper, Burrow's HTTP API) that cannot be told port 0 and
// then asked which port they got.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startZooKeeper runs a standalone ZooKeeper on loopback with its data in
// dir until the test ends, and returns its address once it accepts
// connections.
func startZooKeeper(t *testing.T, java, dir string) string {
	t.Helper()
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cfg := filepath.Join(dir, "zoo.cfg")
	conf := fmt.Sprintf("tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n",
		filepath.Join(dir, "zookeeper"), port)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	exited := startProcess(t, "zookeeper", exec.Command(java, "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", zookeeperJar+":/usr/share/java/slf4j-simple.jar", "org.apache.zookeeper.server.ZooKeeperServerMain", cfg))
	// It accepts connections a moment before it serves sessions: the
	// four-letter command "srvr" answers its mode once it does.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	waitFor(ctx, t, "ZooKeeper to serve on "+addr, func() error {
		select {
		case <-exited:
			t.Fatal("ZooKeeper exited")
		default:
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		// ZooKeeper can fail to close a command's socket (its
		// NullPointerException while it starts): the read must end.
		c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte("srvr")); err != nil {
			return err
		}
		answer, _ := io.ReadAll(c)
		if !strings.Contains(string(answer), "Mode: standalone") {
			return fmt.Errorf("srvr answered %q", answer)
		}
		return nil
	})
	return addr
}

// startBurrow writes Burrow's configuration to dir and runs it until the
// test ends: one cluster, "local", whose end offsets it polls every second
// and whose __consumer_offsets its consumer module reads from the start.
// kafka-version 2.1.0 is the newest Burrow 1.2.1 knows; it chooses the
// versions sarama sends, all of which Kafka 4.0 serves but ListOffsets.
func startBurrow(t *testing.T, burrow, dir, zkAddr, bootstrap, httpAddr string) <-chan struct{} {
	t.Helper()
	conf := fmt.Sprintf(`[general]
pidfile=%[1]q

[logging]
filename=%[2]q
level="info"

[zookeeper]
servers=[%[3]q]
timeout=6
root-path="/burrow"

[client-profile.local]
client-id="burrow-lagchecker"
kafka-version="2.1.0"

[cluster.local]
class-name="kafka"
servers=[%[4]q]
client-profile="local"
topic-refresh=1
offset-refresh=1

[consumer.local]
class-name="kafka"
cluster="local"
servers=[%[4]q]
client-profile="local"
offsets-topic="__consumer_offsets"

[httpserver.default]
address=%[5]q

[storage.default]
class-name="inmemory"
workers=2
intervals=5
expire-group=604800
min-distance=1

[evaluator.default]
class-name="caching"
expire-cache=1
`, filepath.Join(dir, "burrow.pid"), filepath.Join(dir, "burrow.log"), zkAddr, bootstrap, httpAddr)
	confDir := filepath.Join(dir, "burrow")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confDir, "burrow.toml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	exited := startProcess(t, "burrow", exec.Command(burrow, "-config-dir", confDir))
	t.Cleanup(func() {
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dir, "burrow.log")); err == nil {
				t.Logf("burrow.log:\n%s", log)
			}
		}
	})
	return exited
}

// startProcess starts cmd, logs its output under name, and kills it when
// the test ends. The channel it returns is closed once cmd has exited.
// WaitDelay bounds the wait for its output to close, should a child it
// left behind hold it open.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) <-chan struct{} {
	t.Helper()
	logw := clientLog(t, name+": ")
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	return exited
}

// serveListOffsetsV0Proxy accepts connections on ln and joins each to
// upstream. Frames pass unchanged, except a ListOffsets v0 request, which
// goes up as v1 (the same partitions, without v0's MaxNumOffsets), and its
// answer, which comes back in v0's form: v1's one offset as v0's array of
// offsets. Requests on a connection are answered in order, so the
// correlation id tells which answers to convert.
func serveListOffsetsV0Proxy(ln net.Listener, upstream string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				return
			}
			defer u.Close()
			var converted sync.Map // correlation ids of converted requests
			go func() {
				defer c.Close()
				for {
					frame, err := readFrame(u)
					if err != nil || len(frame) < 4 {
						return
					}
					if _, ok := converted.LoadAndDelete(int32(binary.BigEndian.Uint32(frame))); ok {
						if frame, err = listOffsetsV1ToV0(frame); err != nil {
							return
						}
					}
					if writeFrame(c, frame) != nil {
						return
					}
				}
			}()
			for {
				frame, err := readFrame(c)
				if err != nil {
					return
				}
				if len(frame) >= 10 && binary.BigEndian.Uint16(frame) == 2 && binary.BigEndian.Uint16(frame[2:]) == 0 {
					if frame, err = listOffsetsV0ToV1(frame); err != nil {
						return
					}
					converted.Store(int32(binary.BigEndian.Uint32(frame[4:])), true)
				}
				if writeFrame(u, frame) != nil {
					return
				}
			}
		}()
	}
}

// listOffsetsV0ToV1 rewrites a ListOffsets v0 request frame (header v1:
// key, version, correlation id, client id) as v1.
func listOffsetsV0ToV1(frame []byte) ([]byte, error) {
	clientIDLen := int(int16(binary.BigEndian.Uint16(frame[8:])))
	header := 10 + max(clientIDLen, 0)
	if header > len(frame) {
		return nil, errors.New("short ListOffsets header")
	}
	req := kmsg.ListOffsetsRequest{Version: 0}
	if err := req.ReadFrom(frame[header:]); err != nil {
		return nil, err
	}
	req.Version = 1
	out := append([]byte(nil), frame[:header]...)
	binary.BigEndian.PutUint16(out[2:], 1)
	return req.AppendTo(out), nil
}

// listOffsetsV1ToV0 rewrites a ListOffsets v1 response frame (correlation
// id, body) in v0's form.
func listOffsetsV1ToV0(frame []byte) ([]byte, error) {
	v1 := kmsg.ListOffsetsResponse{Version: 1}
	if err := v1.ReadFrom(frame[4:]); err != nil {
		return nil, err
	}
	v0 := kmsg.ListOffsetsResponse{Version: 0}
	for _, t := range v1.Topics {
		rt := kmsg.ListOffsetsResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			rp := kmsg.ListOffsetsResponseTopicPartition{Partition: p.Partition, ErrorCode: p.ErrorCode}
			if p.ErrorCode == 0 {
				rp.OldStyleOffsets = []int64{p.Offset}
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		v0.Topics = append(v0.Topics, rt)
	}
	return v0.AppendTo(append([]byte(nil), frame[:4]...)), nil
}

func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 64<<20 {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	frame := make([]byte, n)
	_, err := io.ReadFull(r, frame)
	return frame, err
}

func writeFrame(w io.Writer, frame []byte) error {
	_, err := w.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(frame))), frame...))
	return err
}
