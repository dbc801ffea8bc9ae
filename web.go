// This file belongs to Part IV, operations, and assumes observe.go and
// the record format of wire.go. It is the web page that Broker.Handler
// serves at /: what a developer running a local broker wants to see
// without installing anything, rendered on the server with html/template
// (the template is web.html) and no JavaScript beyond a four-line
// auto-refresh:
//
//	/                              topics, consumer groups with their lag,
//	                               transactions and producers
//	/topics/{topic}                partitions, offsets, sizes and configs
//	/topics/{topic}/{partition}    the latest records, paged by offset
//
// The page only reads. Every value on it is escaped by html/template,
// which matters most for records: their keys, values and headers are
// whatever a producer sent, including markup. Keys and values show as
// UTF-8 text when they are printable and as hex otherwise. A
// Content-Security-Policy that allows only the refresh script, by its
// hash, backs the escaping up: markup that slipped through could not run.
//
// Records are decoded here, with the codecs of codecs.go and zstd.go
// (gzip, snappy, lz4, zstd); a batch that does not decode is shown as one
// row saying why, with its offsets and record count.

package kafka

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Record is one record of a partition, decoded for display.
type Record struct {
	// Offset and Timestamp are what a consumer would see: the timestamp is
	// the producer's CreateTime, or the broker's append time when the topic
	// has message.timestamp.type=LogAppendTime.
	Offset    int64
	Timestamp time.Time
	Key       []byte // nil is null
	Value     []byte // nil is null: a tombstone
	Headers   []RecordHeader

	// The batch the record came in.
	// These show what the producer chose, which is what an operator looks
	// for when a topic's disk use or a consumer's decoding surprises them:
	// the codec, and whether the producer was idempotent or transactional.
	Compression   string // none, gzip, snappy, lz4 or zstd
	ProducerID    int64  // -1 for a producer that is not idempotent
	ProducerEpoch int16
	Transactional bool
	Control       bool // a transaction marker, never handed to applications

	// Note, when set, says why the batch's records were not decoded; the
	// Record then stands for the whole batch, at its first offset.
	Note string
}

// RecordHeader is one header of a record.
type RecordHeader struct {
	Key   string
	Value []byte
}

// Errors of Records.
// errNoSuchPartition is what the page gets for a topic or partition that
// does not exist, or that was deleted between the snapshot and the read.
var errNoSuchPartition = errors.New("kafka: no such topic or partition")

// maxDecodedBatch bounds what one compressed batch may inflate to on the
// page, so that a batch built to decompress to gigabytes costs this much
// at most.
const maxDecodedBatch = 16 << 20

// Records returns up to limit records of a partition from offset on, for
// reading, not consuming: no group or offset is touched.
func (b *Broker) Records(topic string, partition int32, offset int64, limit int) ([]Record, error) {
	// The log is read straight, as a Fetch with isolation level
	// read_uncommitted would: records of open or aborted transactions show,
	// marked Transactional, and the markers show as Control rows, because
	// seeing them is the point of a debugging page.
	pl := b.topicPartition(b.logs.Topic(topic), partition)
	if pl == nil {
		return nil, fmt.Errorf("%w: %s-%d", errNoSuchPartition, topic, partition)
	}
	var out []Record
	for at := offset; len(out) < limit; {
		// A megabyte a read bounds the memory one page view takes while
		// still holding many batches of the usual size; the loop reads on
		// until limit records are found or the log ends.
		data, err := pl.Read(at, 1<<20)
		if err != nil {
			return out, err
		}
		if len(data) == 0 {
			break
		}
		for len(data) > 0 && len(out) < limit {
			h, err := parseBatchHeader(data)
			if err != nil {
				return out, err
			}
			for _, r := range decodeBatch(data[:h.Size()], h) {
				// The first batch may begin before offset; a Note stands
				// for its whole batch, which reaches offset.
				if len(out) < limit && (r.Offset >= offset || r.Note != "") {
					out = append(out, r)
				}
			}
			// The next read starts after the batch, not after the last
			// record kept: a compacted batch may have gaps, and offsets
			// past the last record of a batch belong to no other batch.
			at = h.LastOffset() + 1
			data = data[h.Size():]
		}
	}
	return out, nil
}

// decodeBatch decodes the records of one batch, or returns one Record with
// a Note when it cannot.
func decodeBatch(batch []byte, h batchHeader) []Record {
	// Every record of a batch shares the batch's fields, so they are set
	// once here and copied into each record.
	proto := Record{
		Offset: h.BaseOffset, Compression: codecName(int(h.Attributes & compressionCodecMask)),
		ProducerID: h.ProducerID, ProducerEpoch: h.ProducerEpoch,
		Transactional: h.Attributes&transactionalFlag != 0, Control: h.isControl(),
		Timestamp: time.UnixMilli(h.MaxTimestamp),
	}
	note := func(format string, args ...any) []Record {
		proto.Note = fmt.Sprintf(format, args...)
		return []Record{proto}
	}
	// A control batch holds one record whose key says COMMIT or ABORT
	// (Kafka's ControlRecordType); showing the marker's type tells an
	// operator how a transaction ended without reading the transaction
	// state.
	if h.isControl() {
		if typ, ok := markerType(batch, h); ok {
			return note("%s marker of producer %d", map[int16]string{markerAbort: "ABORT", markerCommit: "COMMIT"}[typ], h.ProducerID)
		}
		return note("control batch")
	}
	// A batch that cannot be decoded still gets a row, so that its offsets
	// do not look like a hole in the log.
	body, err := decodedRecords(batch, h, maxDecodedBatch)
	if err != nil {
		return note("%d records, offsets %d-%d, not decoded: %v",
			h.NumRecords, h.BaseOffset, h.LastOffset(), err)
	}
	out, err := decodeRecords(body, h, proto)
	if err != nil {
		out = append(out, Record{Offset: h.BaseOffset, Note: err.Error()})
	}
	return out
}

// decodeRecords reads the h.NumRecords records of an uncompressed batch
// body (DefaultRecord.java: length, attributes, timestamp and offset
// deltas, key, value, headers; all varints).
func decodeRecords(body []byte, h batchHeader, proto Record) ([]Record, error) {
	r := newReader(body, false)
	var out []Record
	for i := range h.NumRecords {
		n := r.Varint()
		if r.err != nil || n < 0 || n > int64(r.left()) {
			return out, fmt.Errorf("%w: record %d has a bad length", errRecordMalformed, i)
		}
		// Each record is read from a reader of its own length, so a record
		// whose fields claim more bytes than its length stops at its own
		// end and cannot spill into the next record.
		rr := newReader(r.next(int(n)), false)
		rec := proto
		rr.Int8() // attributes: none are defined
		ts := h.BaseTimestamp + rr.Varint()
		// Under LogAppendTime the broker stamps the batch's MaxTimestamp
		// and the records' deltas are whatever the producer sent; consumers
		// take the batch's time, as Kafka's DefaultRecordBatch does, and so
		// does the page.
		if h.Attributes&timestampTypeFlag != 0 {
			ts = h.MaxTimestamp
		}
		rec.Timestamp = time.UnixMilli(ts)
		rec.Offset = h.BaseOffset + rr.Varint()
		rec.Key, rec.Value = rr.VarintBytes(), rr.VarintBytes()
		headers := rr.Varint()
		for ; headers > 0 && rr.err == nil; headers-- {
			rec.Headers = append(rec.Headers, RecordHeader{Key: string(rr.VarintBytes()), Value: rr.VarintBytes()})
		}
		if err := rr.complete(); err != nil || headers < 0 {
			return out, fmt.Errorf("%w: record %d: %v", errRecordMalformed, i, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// The pages.

// The template lives in web.html so that the markup can be read and edited
// as HTML; embedding it keeps the broker one binary with nothing to
// install.
//
//go:embed web.html
var pageTemplateText string

// refreshScript is the page's only script: it reloads the page every five
// seconds while the box is ticked, and remembers the box.
const refreshScript = `const box = document.getElementById("refresh");
box.checked = localStorage.getItem("refresh") === "1";
box.onchange = () => localStorage.setItem("refresh", box.checked ? "1" : "0");
setInterval(() => { if (box.checked) location.reload(); }, 5000);`

// contentSecurityPolicy lets the page run refreshScript and nothing else,
// load nothing from elsewhere, and be framed by no one.
var contentSecurityPolicy = func() string {
	sum := sha256.Sum256([]byte(refreshScript))
	return "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// pageTemplate is parsed once, at start-up, so that a broken template stops
// the program there rather than on the first page view.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"bytes":  formatBytes,
	"sub":    func(a, b int64) int64 { return a - b },
	"shown":  showBytes,
	"time":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") },
	"since":  func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
	"script": func() template.HTML { return template.HTML("<script>" + refreshScript + "</script>") },
}).Parse(pageTemplateText))

// pageSize is how many records a records page shows.
// Twenty records fit on a screen; a page that needs more is one click on
// "older" or "newer" away, and a larger page would make each refresh decode
// more batches.
const pageSize = 20

// page is what the template renders; one of Topic and Records is set
// for the topic and records pages, neither for the overview.
type page struct {
	Title     string
	NodeID    int32
	ClusterID string
	// Snapshot is taken once per request and shared by the parts of the
	// page, so that the numbers on one page agree with each other.
	Snapshot  Snapshot
	Producers []ProducerSnapshot
	Topic     *TopicSnapshot
	Configs   []shownConfig
	Records   *recordsPage
}

// shownConfig is one row of a topic's configuration table, with where the
// value comes from, as kafka-configs.sh --describe --all shows it.
type shownConfig struct{ Name, Value, Source string }

// recordsPage is the records view of one partition, starting at From.
type recordsPage struct {
	Partition            PartitionSnapshot
	From                 int64
	Records              []Record
	Older, Newer, Latest string // links, "" when there is nowhere to go
	Error                string
}

// registerPages adds the pages to the mux of Broker.Handler. The method
// patterns answer GET only (and HEAD, which net/http derives), since the
// pages change nothing; {$} keeps / from catching every unknown path.
func (b *Broker) registerPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", b.serveOverview)
	mux.HandleFunc("GET /topics/{topic}", b.serveTopic)
	mux.HandleFunc("GET /topics/{topic}/{partition}", b.serveRecords)
}

// render executes the template into a buffer first, so that a template
// error becomes a clean 500 instead of half a page with status 200. The
// headers forbid content sniffing, which could turn a record's bytes into a
// script, and caching, which would defeat the refresh.
func (b *Broker) render(w http.ResponseWriter, p *page) {
	var buf bytes.Buffer
	p.NodeID, p.ClusterID = b.cfg.NodeID, b.cfg.ClusterID
	if err := pageTemplate.Execute(&buf, p); err != nil {
		b.log.Error("rendering the web page", "err", err)
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// serveOverview is the front page: topics, groups with their lag,
// transactions and producers, the first things to look at when a consumer
// seems stuck.
func (b *Broker) serveOverview(w http.ResponseWriter, r *http.Request) {
	b.render(w, &page{Title: "kafka", Snapshot: b.Snapshot(), Producers: b.Producers()})
}

// serveTopic shows one topic's partitions and its effective configuration,
// every config with the value in force, so that an operator sees what a
// retention or segment setting really is without adding up defaults.
func (b *Broker) serveTopic(w http.ResponseWriter, r *http.Request) {
	s := b.Snapshot()
	t := s.Topic(r.PathValue("topic"))
	if t == nil {
		http.NotFound(w, r)
		return
	}
	var configs []shownConfig
	for _, e := range b.topicConfigEntries(topicConfig(t.Configs)) {
		configs = append(configs, shownConfig{e.name, e.value, configSourceName(e.source)})
	}
	b.render(w, &page{Title: t.Name, Snapshot: s, Topic: t, Configs: configs})
}

// configSourceName names a config's source in words, for the Source column;
// these are the sources DescribeConfigs reports for a topic
// (DYNAMIC_TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG,
// DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG).
func configSourceName(s int8) string {
	switch s {
	case sourceTopic:
		return "topic"
	case sourceDynamicBroker:
		return "broker, dynamic"
	case sourceDynamicDefaultBroker:
		return "cluster default, dynamic"
	case sourceStaticBroker:
		return "broker flag"
	}
	return "default"
}

// serveRecords shows pageSize records of one partition. Without ?offset it
// shows the newest ones, which is what someone checking that a producer
// works wants; an offset outside the log is clamped into it rather than
// refused, so a stale link still lands somewhere useful.
func (b *Broker) serveRecords(w http.ResponseWriter, r *http.Request) {
	s := b.Snapshot()
	t := s.Topic(r.PathValue("topic"))
	partition, err := strconv.Atoi(r.PathValue("partition"))
	if t == nil || err != nil || partition < 0 || partition >= len(t.Partitions) {
		http.NotFound(w, r)
		return
	}
	ps := t.Partitions[partition]
	from := max(ps.LogStartOffset, ps.HighWatermark-pageSize)
	if q := r.URL.Query().Get("offset"); q != "" {
		if from, err = strconv.ParseInt(q, 10, 64); err != nil {
			http.Error(w, "offset is not a number", http.StatusBadRequest)
			return
		}
		from = min(max(from, ps.LogStartOffset), ps.HighWatermark)
	}
	rp := &recordsPage{Partition: ps, From: from}
	rp.Records, err = b.Records(t.Name, int32(partition), from, pageSize)
	if err != nil {
		rp.Error = err.Error()
	}
	link := func(offset int64) string { return "?offset=" + strconv.FormatInt(offset, 10) }
	if from > ps.LogStartOffset {
		rp.Older = link(max(ps.LogStartOffset, from-pageSize))
	}
	if n := len(rp.Records); n > 0 && rp.Records[n-1].Offset+1 < ps.HighWatermark {
		rp.Newer = link(rp.Records[n-1].Offset + 1)
		// "?" drops the offset from the link and so returns to the newest
		// records.
		rp.Latest = "?"
	}
	b.render(w, &page{Title: fmt.Sprintf("%s-%d", t.Name, partition), Snapshot: s, Topic: t, Records: rp})
}

// formatBytes writes a size for people: 1.5 KiB.
func formatBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, unit := float64(n), 0
	for f >= 1024 && unit < 4 {
		f, unit = f/1024, unit+1
	}
	return fmt.Sprintf("%.1f %s", f, [...]string{"B", "KiB", "MiB", "GiB", "TiB"}[unit])
}

// shownBytes is a key, value or header value as the page shows it.
type shownBytes struct {
	Text string
	Hex  bool   // Text is hex, because the bytes are not printable UTF-8
	Null bool   // the bytes are null
	More string // what was cut off, if anything
}

// maxShownBytes is how much of a value the page shows.
const maxShownBytes = 1024

// showBytes shows b as UTF-8 text when it is printable, else as hex, cut
// at maxShownBytes.
func showBytes(b []byte) shownBytes {
	if b == nil {
		return shownBytes{Null: true}
	}
	var s shownBytes
	if len(b) > maxShownBytes {
		s.More = fmt.Sprintf("… %d more bytes", len(b)-maxShownBytes)
		b = b[:maxShownBytes]
	}
	// A key or value is either text or hex, never a mix, so that the page
	// never shows a string that looks like text but hides bytes.
	if printable(b) {
		s.Text = string(b)
	} else {
		s.Text, s.Hex = hex.EncodeToString(b), true
	}
	return s
}

// printable reports whether b is UTF-8 made of printable characters and
// ordinary white space. A cut in the middle of a character (at
// maxShownBytes) still counts as text.
func printable(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
		b = b[n:]
	}
	return true
}
