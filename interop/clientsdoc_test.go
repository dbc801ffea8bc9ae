// This file holds the Go client snippets of docs/clients.md, each a
// function that produces one record and reads it back, and the test that
// runs them against the broker and keeps the page's copies equal to them.

package interop

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// franzGoRoundTrip produces k1=hello to topic with franz-go and reads it
// back, as "key=value@offset".
func franzGoRoundTrip(ctx context.Context, addr, topic string) (string, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.AllowAutoTopicCreation(),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	if err != nil {
		return "", err
	}
	defer cl.Close()
	rec := &kgo.Record{Topic: topic, Key: []byte("k1"), Value: []byte("hello")}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return "", err
	}
	fetches := cl.PollFetches(ctx)
	if err := fetches.Err(); err != nil {
		return "", err
	}
	got := ""
	fetches.EachRecord(func(r *kgo.Record) { got = fmt.Sprintf("%s=%s@%d", r.Key, r.Value, r.Offset) })
	return got, nil
}

// saramaRoundTrip produces k1=hello to topic with sarama and reads it
// back, as "key=value@offset".
func saramaRoundTrip(addr, topic string) (string, error) {
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true // a SyncProducer needs it
	producer, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		return "", err
	}
	defer producer.Close()
	msg := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder("k1"), Value: sarama.StringEncoder("hello")}
	partition, offset, err := producer.SendMessage(msg)
	if err != nil {
		return "", err
	}
	consumer, err := sarama.NewConsumer([]string{addr}, cfg)
	if err != nil {
		return "", err
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, partition, offset)
	if err != nil {
		return "", err
	}
	defer pc.Close()
	select {
	case m := <-pc.Messages():
		return fmt.Sprintf("%s=%s@%d", m.Key, m.Value, m.Offset), nil
	case <-time.After(10 * time.Second):
		return "", errors.New("no message within 10s")
	}
}

// kafkaGoRoundTrip produces k1=hello to topic with segmentio/kafka-go and
// reads it back, as "key=value@offset".
func kafkaGoRoundTrip(ctx context.Context, addr, topic string) (string, error) {
	w := &kafka.Writer{Addr: kafka.TCP(addr), Topic: topic, AllowAutoTopicCreation: true}
	defer w.Close()
	// The write that creates the topic fails with UnknownTopicOrPartition,
	// as against Kafka: the broker answers before the topic exists. So
	// retry, as kafka-go's README does.
	msg := kafka.Message{Key: []byte("k1"), Value: []byte("hello")}
	err := w.WriteMessages(ctx, msg)
	for tries := 1; errors.Is(err, kafka.UnknownTopicOrPartition) && tries < 20; tries++ {
		time.Sleep(100 * time.Millisecond)
		err = w.WriteMessages(ctx, msg)
	}
	if err != nil {
		return "", err
	}
	// MaxWait bounds a fetch's wait for new records, which Close waits
	// out (kafka-go's default is 10s).
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: 0, MaxWait: 500 * time.Millisecond})
	defer r.Close()
	m, err := r.ReadMessage(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s=%s@%d", m.Key, m.Value, m.Offset), nil
}

// TestClientsDoc runs each snippet of docs/clients.md against a broker and
// checks that the page, and README.md for franz-go, show each function
// exactly as this file has it.
func TestClientsDoc(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runs := map[string]func(topic string) (string, error){
		"franzGoRoundTrip": func(topic string) (string, error) { return franzGoRoundTrip(ctx, addr, topic) },
		"saramaRoundTrip":  func(topic string) (string, error) { return saramaRoundTrip(addr, topic) },
		"kafkaGoRoundTrip": func(topic string) (string, error) { return kafkaGoRoundTrip(ctx, addr, topic) },
	}
	for name, run := range runs {
		got, err := run("clients-" + name)
		if err != nil || got != "k1=hello@0" {
			t.Errorf("%s: %q, %v; want k1=hello@0", name, got, err)
		}
	}

	page, err := os.ReadFile("../docs/clients.md")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("clientsdoc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "clientsdoc_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || runs[fn.Name.Name] == nil {
			continue
		}
		want := string(src[fset.Position(fn.Doc.Pos()).Offset:fset.Position(fn.End()).Offset]) + "\n"
		docs := map[string][]byte{"docs/clients.md": page}
		if fn.Name.Name == "franzGoRoundTrip" {
			docs["README.md"] = readme // the Quickstart's snippet
		}
		for doc, text := range docs {
			start := strings.Index(string(text), "```go\n// "+fn.Name.Name+" ")
			if start < 0 {
				t.Errorf("%s has no %s snippet", doc, fn.Name.Name)
				continue
			}
			block := string(text[start+len("```go\n"):])
			block = block[:strings.Index(block, "```")]
			if diff := cmp.Diff(want, block); diff != "" {
				t.Errorf("%s's %s differs from clientsdoc_test.go's (-test +page):\n%s", doc, fn.Name.Name, diff)
			}
		}
	}
}
