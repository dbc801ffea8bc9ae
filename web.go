// This file belongs to Part IV, operations, and assumes observe.go and
// the record format of wire.go. It is the web page that Broker.Handler
// serves at /: what a developer running a local broker wants to see
// without installing anything, rendered on the server with html/template
// (the template is web.html) and no JavaScript beyond a five-line
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
// Records are decoded here, with the codecs of codecs.go (gzip, snappy,
// lz4); a batch in zstd, which the broker has no decoder for, is shown as
// one row saying so, with its offsets and record count.

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
	Offset    int64
	Timestamp time.Time
	Key       []byte // nil is null
	Value     []byte // nil is null: a tombstone
	Headers   []RecordHeader

	// The batch the record came in.
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
var errNoSuchPartition = errors.New("kafka: no such topic or partition")

// maxDecodedBatch bounds what one compressed batch may inflate to on the
// page, so that a batch built to decompress to gigabytes costs this much
// at most.
const maxDecodedBatch = 16 << 20

// Records returns up to limit records of a partition from offset on, for
// reading, not consuming: no group or offset is touched.
func (b *Broker) Records(topic string, partition int32, offset int64, limit int) ([]Record, error) {
	pl := b.topicPartition(b.logs.Topic(topic), partition)
	if pl == nil {
		return nil, fmt.Errorf("%w: %s-%d", errNoSuchPartition, topic, partition)
	}
	var out []Record
	for at := offset; len(out) < limit; {
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
			at = h.LastOffset() + 1
			data = data[h.Size():]
		}
	}
	return out, nil
}

// decodeBatch decodes the records of one batch, or returns one Record with
// a Note when it cannot.
func decodeBatch(batch []byte, h batchHeader) []Record {
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
	if h.isControl() {
		if typ, ok := markerType(batch, h); ok {
			return note("%s marker of producer %d", map[int16]string{markerAbort: "ABORT", markerCommit: "COMMIT"}[typ], h.ProducerID)
		}
		return note("control batch")
	}
	body, err := decodedRecords(batch, h, maxDecodedBatch)
	if err != nil {
		return note("%d records, offsets %d-%d, not decoded: %v (the broker decodes gzip, snappy and lz4)",
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
		rr := newReader(r.next(int(n)), false)
		rec := proto
		rr.Int8() // attributes: none are defined
		ts := h.BaseTimestamp + rr.Varint()
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

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"bytes":  formatBytes,
	"sub":    func(a, b int64) int64 { return a - b },
	"shown":  showBytes,
	"time":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") },
	"since":  func(t time.Time) string { return time.Since(t).Round(time.Second).String() },
	"script": func() template.HTML { return template.HTML("<script>" + refreshScript + "</script>") },
}).Parse(pageTemplateText))

// pageSize is how many records a records page shows.
const pageSize = 20

// page is what the template renders; one of Topic and Records is set
// for the topic and records pages, neither for the overview.
type page struct {
	Title     string
	NodeID    int32
	ClusterID string
	Snapshot  Snapshot
	Producers []ProducerSnapshot
	Topic     *TopicSnapshot
	Configs   []shownConfig
	Records   *recordsPage
}

type shownConfig struct{ Name, Value, Source string }

type recordsPage struct {
	Partition            PartitionSnapshot
	From                 int64
	Records              []Record
	Older, Newer, Latest string // links, "" when there is nowhere to go
	Error                string
}

func (b *Broker) registerPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", b.serveOverview)
	mux.HandleFunc("GET /topics/{topic}", b.serveTopic)
	mux.HandleFunc("GET /topics/{topic}/{partition}", b.serveRecords)
}

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

func (b *Broker) serveOverview(w http.ResponseWriter, r *http.Request) {
	b.render(w, &page{Title: "kafka", Snapshot: b.Snapshot(), Producers: b.Producers()})
}

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

func configSourceName(s int8) string {
	switch s {
	case sourceTopic:
		return "topic"
	case sourceStaticBroker:
		return "broker flag"
	}
	return "default"
}

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
