// This file holds the record validator: what the broker checks of
// produced batches and does to them before they are stored, for the
// topic configs that change what a consumer reads back (topicconfigs.go). It
// follows Kafka's LogValidator
// (https://github.com/apache/kafka/blob/4.0.0/storage/src/main/java/org/apache/kafka/storage/internals/log/LogValidator.java)
// and assumes the batch layout of wire.go. It belongs to Part IV,
// operations, with topicconfigs.go, and builds on the produce path of
// handlers.go.
//
// First come the checks that need no config, in Kafka's order: the
// records field holds exactly one batch of magic 2 (producedBatch, as
// ProduceRequest.validateRecords), and the batch's header is sound and,
// if it is uncompressed, its records parse, walked in place
// (checkProducedBatch, as UnifiedLog.analyzeAndValidateRecords and
// LogValidator.validateBatch).
//
// Then three configs act, checked in this order for each batch:
//
//	message.timestamp.before.max.ms   a CreateTime record older than now minus this,
//	message.timestamp.after.max.ms    or newer than now plus this, fails the whole
//	                                  produce with INVALID_TIMESTAMP (32), naming
//	                                  each bad record in RecordErrors
//	compression.type                  producer keeps the batch as sent; uncompressed,
//	                                  gzip, snappy, lz4 and zstd rewrite it when its
//	                                  codec differs (codecs.go, zstd.go)
//	message.timestamp.type            LogAppendTime sets the timestamp-type bit and
//	                                  writes the broker's clock into maxTimestamp
//
// A batch that changed gets a new CRC-32C, since the attributes and the
// timestamps lie inside the checksummed bytes (wire.go). With every
// default (producer, CreateTime, and Kafka 4.0's bounds: none below, an
// hour above, which the batch header settles, headerSuffices) nothing
// here decompresses or copies a batch: an uncompressed one is walked in
// place, and the produce path stays zero-copy.
//
// Whatever the configs, a CreateTime batch is stored with the largest
// timestamp of its records as its maxTimestamp, as LogValidator stores
// it, and not the producer's figure (settleMaxTimestamp).
//
// Where we differ from Kafka: its validator decompresses every
// compressed batch to check its records (LogValidator's
// validateMessagesAndAssignOffsetsCompressed). Here a compressed batch
// is opened only when a config needs its records: to convert it, for a
// timestamp bound its header does not settle, or for the keys a
// compacted topic requires; or when its header's maxTimestamp is below
// its baseTimestamp, which no sound batch has (understatesMaxTimestamp). So a compressed batch whose records do not
// parse is stored, where Kafka refuses it, and the default produce of
// compressed batches costs no decompression.
//
// A worked trace, a topic with message.timestamp.type=LogAppendTime and
// compression.type=gzip, one uncompressed batch of two records sent at
// 10:00:00.000 and 10:00:00.005, appended at 10:00:01.000:
//
//	attributes   0x0000 -> 0x0009  gzip (1) | LogAppendTime (bit 3)
//	baseTimestamp 10:00:00.000     unchanged, as in Kafka
//	maxTimestamp  10:00:00.005 -> 10:00:01.000
//	records       the same bytes, gzipped; batchLength and CRC recomputed
//
// A consumer then reads both records with the timestamp 10:00:01.000, the
// batch's maxTimestamp, and the Produce response carries LogAppendTimeMs.
//
// Decompressed data is capped at the broker's largest request
// (Config.MaxFrameBytes). A batch is written in a topic's codec as Kafka
// writes it: snappy in xerial framing, lz4 in 64 KiB independent blocks;
// zstd in frames every client reads, from an encoder simpler than
// Kafka's (zstd.go says what it leaves out), so that a batch the broker
// rewrites to zstd shrinks about as much as in lz4.

package kafka

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Error codes only the validator sends (Errors.java).
const (
	codeInvalidTimestamp           int16 = 32
	codeUnsupportedCompressionType int16 = 76
)

// Compression codecs, the low three bits of a batch's attributes
// (CompressionType.java).
const (
	codecNone   = 0
	codecGzip   = 1
	codecSnappy = 2
	codecLZ4    = 3
	codecZstd   = 4
)

var codecNames = [...]string{"none", "gzip", "snappy", "lz4", "zstd"}

func codecName(c int) string {
	if c < len(codecNames) {
		return codecNames[c]
	}
	return "codec " + strconv.Itoa(c)
}

// producedPartition is one partition of a Produce request: the batch of
// the last mention whose records field is good (producedBatch), or nil,
// and the refusal of the last malformed one, or NONE. Kafka keeps the two
// in separate maps keyed by partition, so that the last good batch is
// appended and the last refusal answered, merged over the append's
// result (KafkaApis.handleProduceRequest).
type producedPartition struct {
	Index   int32
	Batch   []byte
	Refusal int16
}

// producedTopic is one topic of a Produce request, named once.
type producedTopic struct {
	Name       string
	Partitions []producedPartition
}

// produceTopicsOnce folds the topics and partitions a Produce request of
// version v names more than once into one entry each, in the order of
// their first mention. KafkaApis.handleProduceRequest keys what it
// appends and what it answers by topic partition, so a partition named
// twice is appended once and answered once, under one entry for its topic
// (ProduceResponse groups its answers by topic). Its maps are hash maps,
// so its answers come in no order a client could rely on.
//
// The topics' partitions share one array, each topic's part sized for
// its first mention, so that a request costs the same two allocations
// however many partitions it names; a topic named again grows its part
// by copying it.
func produceTopicsOnce(topics []produceTopic, v int16) []producedTopic {
	type at struct{ topic, partition int }
	total := 0
	for _, t := range topics {
		total += len(t.PartitionData)
	}
	out := make([]producedTopic, 0, len(topics))
	parts := make([]producedPartition, total)
	topicAt := make(map[string]int, len(topics))
	partitionAt := map[topicPartitionKey]at{}
	for _, t := range topics {
		ti, ok := topicAt[t.Name]
		if !ok {
			ti = len(out)
			topicAt[t.Name] = ti
			n := len(t.PartitionData)
			out = append(out, producedTopic{Name: t.Name, Partitions: parts[:0:n]})
			parts = parts[n:]
		}
		for _, p := range t.PartitionData {
			key := topicPartitionKey{t.Name, p.Index}
			a, ok := partitionAt[key]
			if !ok {
				a = at{ti, len(out[ti].Partitions)}
				partitionAt[key] = a
				out[ti].Partitions = append(out[ti].Partitions, producedPartition{Index: p.Index})
			}
			seen := &out[a.topic].Partitions[a.partition]
			if b, code := producedBatch(p.Records, v); code != codeNone {
				seen.Refusal = code
			} else {
				seen.Batch = b
			}
		}
	}
	return out
}

// producedBatch is ProduceRequest.validateRecords, which Kafka runs on
// each partition's records field before anything else: from v3 on, a
// producer sends exactly one record batch per partition, of magic 2, and
// zstd only from v7 (KIP-110). It returns that batch, or the error code
// for the partition. Kafka answers these errors with no ErrorMessage.
//
// Kafka walks the field with MemoryRecords' batch iterator
// (ByteBufferLogInputStream), and so does this function: a length below
// the smallest record or a magic byte past 2 is CORRUPT_MESSAGE, while
// bytes too short to hold the batch their length announces are not a
// batch at all. So a field with no whole batch is INVALID_RECORD, and a
// partial batch after a whole one is dropped, as UnifiedLog's
// trimInvalidBytes drops it, with the whole batch appended.
func producedBatch(records []byte, v int16) ([]byte, int16) {
	size, code := nextBatchSize(records)
	switch {
	case code != codeNone:
		return nil, code
	case size == 0:
		return nil, codeInvalidRecord // "must have at least one record batch per partition"
	case records[batchMagicOffset] != 2:
		return nil, codeInvalidRecord // "only allowed to contain record batches with magic version 2"
	case size < batchAttrOffset+2:
		return nil, codeCorruptMessage // too short for the attributes, let alone a CRC
	case v < 7 && binary.BigEndian.Uint16(records[batchAttrOffset:])&compressionCodecMask == codecZstd:
		return nil, codeUnsupportedCompressionType
	}
	next, code := nextBatchSize(records[size:])
	switch {
	case code != codeNone:
		return nil, code
	case next > 0:
		return nil, codeInvalidRecord // "only allowed to contain exactly one record batch per partition"
	}
	return records[:size], codeNone
}

// nextBatchSize is ByteBufferLogInputStream.nextBatchSize: the size of the
// batch at the start of b, counting the 12 bytes before batchLength, or 0
// if b is too short to hold it; or CORRUPT_MESSAGE if its length is below
// a magic-0 record's overhead (14) or its magic is not 0, 1 or 2.
func nextBatchSize(b []byte) (int, int16) {
	const legacyRecordOverhead = 14 // LegacyRecord.RECORD_OVERHEAD_V0
	if len(b) < batchLogOverhead {
		return 0, codeNone
	}
	length := int32(binary.BigEndian.Uint32(b[batchLengthOffset:]))
	if length < legacyRecordOverhead {
		return 0, codeCorruptMessage
	}
	if len(b) <= batchMagicOffset {
		return 0, codeNone
	}
	if magic := int8(b[batchMagicOffset]); magic < 0 || magic > 2 {
		return 0, codeCorruptMessage
	}
	size := int(length) + batchLogOverhead
	if len(b) < size {
		return 0, codeNone
	}
	return size, codeNone
}

// checkProducedBatch is what Kafka checks of a producer's batch before
// it looks at the records, in Kafka's order: UnifiedLog's
// analyzeAndValidateRecords (a client's baseOffset is 0, the batch fits
// max.message.bytes, its CRC holds) and then LogValidator.validateBatch
// (lastOffsetDelta and the record count agree, no control batch, a
// producer id comes with a sequence), with its record-structure check for
// uncompressed batches. batch is one whole batch of magic
// 2 (producedBatch, above). It returns the batch's header and the error
// code; Kafka sends none of these with an ErrorMessage or RecordErrors.
// An uncompressed batch it accepts leaves with its maxTimestamp settled
// from the records it walked, in place (settleMaxTimestamp).
func checkProducedBatch(batch []byte, maxMessageBytes int) (batchHeader, int16) {
	be := binary.BigEndian
	switch {
	case be.Uint64(batch[batchOffsetOffset:]) != 0:
		return batchHeader{}, codeInvalidRecord // "The baseOffset of the record batch ... should be 0"
	case len(batch) > maxMessageBytes:
		return batchHeader{}, codeMessageTooLarge
	case len(batch) < batchHeaderSize ||
		crc32.Checksum(batch[batchAttrOffset:], castagnoli) != be.Uint32(batch[batchCRCOffset:]):
		return batchHeader{}, codeCorruptMessage // DefaultRecordBatch.isValid
	}
	// The batch is whole and of magic 2, so its header fails to parse
	// only for a negative lastOffsetDelta or record count: offsets that
	// are not the records', as in the first check below.
	h, err := parseBatchHeader(batch)
	switch {
	case err != nil || int64(h.LastOffsetDelta)+1 != int64(h.NumRecords):
		return h, codeInvalidRecord // an offset range that is not the record count
	case h.isControl():
		return h, codeInvalidRecord // only the transaction coordinator writes markers
	case h.ProducerID >= 0 && h.BaseSequence < 0:
		return h, codeInvalidRecord // "Invalid sequence number"
	}
	if h.Compressed() {
		return h, codeNone // not opened here (where we differ from Kafka, above)
	}
	// Kafka's validator iterates the records of every batch and refuses
	// one whose records do not parse; a batch stored with them would fail
	// every consumer. The same walk gives the records' largest timestamp.
	most := int64(noTimestamp)
	err = walkRecords(batch[batchHeaderSize:h.Size()], h, func(_, ts int64) bool {
		most = max(most, ts)
		return true
	})
	if err != nil {
		return h, codeInvalidRecord // "Found invalid record structure"
	}
	settleMaxTimestamp(batch, &h, most)
	return h, codeNone
}

// settleMaxTimestamp makes most, the largest timestamp of a CreateTime
// batch's records, its maxTimestamp, where the producer wrote another,
// and sets the CRC again. Kafka's LogValidator does so for every batch it
// appends (batch.setMaxTimestamp(CREATE_TIME, maxBatchTimestamp) in
// assignOffsetsNonCompressed and validateMessagesAndAssignOffsetsCompressed),
// and what it stores is what ListOffsets by timestamp, time retention
// and the time index read. sarama before v1.45.1 writes -1 there
// (IBM/sarama#3108): kept as sent, its batches matched no ListOffsets
// timestamp. A LogAppendTime batch is left alone: the topic stamps it, or
// checkTimestamps refuses it.
func settleMaxTimestamp(batch []byte, h *batchHeader, most int64) {
	if h.Attributes&timestampTypeFlag != 0 || h.MaxTimestamp == most {
		return
	}
	binary.BigEndian.PutUint64(batch[batchMaxTimestampOffset:], uint64(most))
	setBatchCRC(batch)
	h.MaxTimestamp = most
}

// understatesMaxTimestamp reports whether a compressed batch's header
// gives a maxTimestamp below its own baseTimestamp, as sarama's -1 does,
// so that the records must be opened to settle it (settleMaxTimestamp).
// A compressed batch whose header is consistent is trusted without
// decompressing it, which is where we differ from Kafka: it reads every
// record, and would also correct a maxTimestamp that is merely too small.
func understatesMaxTimestamp(h batchHeader) bool {
	return h.Compressed() && h.Attributes&timestampTypeFlag == 0 && h.MaxTimestamp < h.BaseTimestamp
}

// recordPolicy is what the validator must do to one topic's batches,
// read from its configs once per produce.
type recordPolicy struct {
	logAppendTime bool
	before, after int64 // the timestamp bounds; math.MaxInt64 for none
	target        int   // the codec batches are stored with, or -1 to keep the producer's
	gzipLevel     int
	maxDecoded    int // the most bytes a batch may decompress to
}

func newRecordPolicy(c topicConfig, maxDecoded int32) recordPolicy {
	p := recordPolicy{
		logAppendTime: c.logAppendTime(),
		before:        c.long(timestampBeforeMaxMsConfig),
		after:         c.long(timestampAfterMaxMsConfig),
		target:        -1,
		gzipLevel:     int(c.long(compressionGzipLevelConfig)),
		maxDecoded:    int(maxDecoded),
	}
	switch c.value(compressionTypeConfig) {
	case compressionUncompressed:
		p.target = codecNone
	case compressionGzip:
		p.target = codecGzip
	case compressionSnappy:
		p.target = codecSnappy
	case compressionLZ4:
		p.target = codecLZ4
	case compressionZstd:
		p.target = codecZstd
	}
	return p
}

// checksTimestamps reports whether CreateTime records must be checked
// against the clock: with both bounds at Long.MAX_VALUE none can fail.
// Kafka 4.0's default upper bound is an hour, so by default they are
// checked, mostly from the batch header alone (headerSuffices).
func (p recordPolicy) checksTimestamps() bool {
	return !p.logAppendTime && (p.before != math.MaxInt64 || p.after != math.MaxInt64)
}

// headerSuffices reports whether h's own timestamps prove every record
// of its batch within the bounds, so that the records need not be read.
// With no lower bound, Kafka's default message.timestamp.before.max.ms,
// that is a MaxTimestamp within the upper bound, the default one hour
// included: then a produce of compressed batches costs no decompression.
// Kafka reads every record and would also catch a client whose header
// understates its records' timestamps. The one client known to, sarama
// before v1.45.1, writes -1, which understatesMaxTimestamp catches: its
// compressed batches are opened and settled before this is asked.
func (p recordPolicy) headerSuffices(h batchHeader, now int64) bool {
	return p.before == math.MaxInt64 && h.MaxTimestamp-now <= p.after
}

// recordRejection is a produce the validator refused: the partition's
// error code and message, and for INVALID_TIMESTAMP the records at fault
// (ProduceResponse v8's RecordErrors).
type recordRejection struct {
	code    int16
	msg     string
	records []batchIndexAndErrorMessage
}

// validateRecords applies p to the batches of one partition's records
// field, whose headers came from checkProducedBatch, at time now (Unix
// ms). It returns the records to store and their headers: the same slice
// changed in place, or new bytes when a batch was recompressed.
func validateRecords(p recordPolicy, records []byte, headers []batchHeader, now int64) ([]byte, []batchHeader, *recordRejection) {
	if !p.logAppendTime && !p.checksTimestamps() && p.target < 0 && !slices.ContainsFunc(headers, understatesMaxTimestamp) {
		return records, headers, nil
	}
	var out []byte // nil until a batch changes size
	pos := 0
	for i, h := range headers {
		batch := records[pos : pos+h.Size()]
		pos += h.Size()
		codec := int(h.Attributes & compressionCodecMask)
		convert := p.target >= 0 && codec != p.target && !h.isControl()
		settle := !p.logAppendTime && canDecompress(codec) && understatesMaxTimestamp(h)
		var payload []byte // the records, uncompressed, when they were needed
		if convert || settle || (p.checksTimestamps() && canDecompress(codec) && !p.headerSuffices(h, now)) {
			var err error
			if payload, err = decodedRecords(batch, h, p.maxDecoded); err != nil {
				if !canDecompress(codec) {
					return nil, nil, &recordRejection{code: codeUnsupportedCompressionType, msg: fmt.Sprintf(
						"batch %d is compressed with %s, which this broker cannot decompress to store it as the topic's compression.type asks (%s); send it with gzip, snappy, lz4, zstd or none, or set compression.type=producer",
						i, codecName(codec), codecName(p.target))}
				}
				return nil, nil, &recordRejection{code: codeCorruptMessage, msg: fmt.Sprintf("batch %d: %v", i, err)}
			}
		}
		if settle {
			most := int64(noTimestamp)
			if err := walkRecords(payload, h, func(_, ts int64) bool { most = max(most, ts); return true }); err != nil {
				return nil, nil, &recordRejection{code: codeCorruptMessage, msg: fmt.Sprintf("batch %d: %v", i, err)}
			}
			settleMaxTimestamp(batch, &h, most)
			headers[i] = h
		}
		if rej := checkTimestamps(p, batch, h, payload, now); rej != nil {
			return nil, nil, rej
		}
		if convert {
			nb, err := recompressed(batch, h, payload, p)
			if err != nil {
				return nil, nil, &recordRejection{code: codeUnknownServerError, msg: fmt.Sprintf("batch %d: %v", i, err)}
			}
			if out == nil {
				out = append(make([]byte, 0, len(records)), records[:pos-h.Size()]...)
			}
			batch = nb
		}
		if p.logAppendTime {
			stampLogAppendTime(batch, now)
		} else if convert {
			setBatchCRC(batch)
		}
		if out != nil {
			out = append(out, batch...)
		}
	}
	if out == nil && !p.logAppendTime {
		// Nothing changed, as for Kafka's defaults (only the
		// timestamps checked): the batches need not be split, and
		// their CRCs checked, a second time.
		return records, headers, nil
	}
	if out == nil {
		out = records
	}
	hs, err := splitBatches(out)
	if err != nil {
		return nil, nil, &recordRejection{code: codeUnknownServerError, msg: "rewritten batches do not parse: " + err.Error()}
	}
	return out, hs, nil
}

// checkTimestamps is LogValidator.validateTimestamp for one batch. A
// producer may not send LogAppendTime batches where the topic stamps them
// or without a timestamp; a CreateTime record must lie within
// [now-before, now+after], bounds included. payload holds the batch's
// records uncompressed, or is nil when the codec is not one the broker
// has, in which case the header's timestamps stand for the records'.
func checkTimestamps(p recordPolicy, batch []byte, h batchHeader, payload []byte, now int64) *recordRejection {
	producerLAT := h.Attributes&timestampTypeFlag != 0
	if producerLAT && (p.logAppendTime || h.MaxTimestamp == noTimestamp) {
		return &recordRejection{code: codeInvalidTimestamp, msg: "One or more records have been rejected due to invalid timestamp",
			records: logAppendTimeRecordErrors(batch, h)}
	}
	if !p.checksTimestamps() {
		return nil
	}
	var bad []batchIndexAndErrorMessage
	check := func(index int32, offset, ts int64) {
		if ts == noTimestamp {
			return
		}
		if diff := now - ts; diff > p.before || -diff > p.after {
			bad = append(bad, batchIndexAndErrorMessage{index, ptr(fmt.Sprintf(
				"Timestamp %d of message with offset %d is out of range. The timestamp should be within [%d, %d]",
				ts, offset, satSub(now, p.before), satAdd(now, p.after)))})
		}
	}
	if payload == nil {
		check(0, h.BaseOffset, h.BaseTimestamp)
		check(h.LastOffsetDelta, h.LastOffset(), h.MaxTimestamp)
	} else {
		index := int32(0)
		err := walkRecords(payload, h, func(offset, ts int64) bool {
			check(index, offset, ts)
			index++
			return true
		})
		if err != nil {
			return &recordRejection{code: codeCorruptMessage, msg: err.Error()}
		}
	}
	if bad != nil {
		return &recordRejection{code: codeInvalidTimestamp, msg: "One or more records have been rejected due to invalid timestamp", records: bad}
	}
	return nil
}

// recordErrors names each record of indexes, with the same message, as
// the RecordErrors of a produce answer (KIP-467).
func recordErrors(indexes []int32, msg string) []batchIndexAndErrorMessage {
	errs := make([]batchIndexAndErrorMessage, len(indexes))
	for i, index := range indexes {
		errs[i] = batchIndexAndErrorMessage{index, &msg}
	}
	return errs
}

// invalidRecordMessage is the ErrorMessage of an INVALID_RECORD answer
// that names records, as LogValidator.processRecordErrors words it: the
// count, then the first three as Kafka's RecordError.toString shows them.
func invalidRecordMessage(errs []batchIndexAndErrorMessage) string {
	shown := make([]string, 0, 3)
	for _, e := range errs[:min(len(errs), 3)] {
		msg := "null"
		if e.BatchIndexErrorMessage != nil {
			msg = "'" + *e.BatchIndexErrorMessage + "'"
		}
		shown = append(shown, fmt.Sprintf("RecordError(batchIndex=%d, message=%s)", e.BatchIndex, msg))
	}
	return fmt.Sprintf("One or more records have been rejected due to %d record errors in total, and only showing the first three errors at most: [%s]",
		len(errs), strings.Join(shown, ", "))
}

// logAppendTimeRecordErrors names every record of a batch a producer sent
// as LogAppendTime, in LogValidator.validateTimestamp's words, which show
// the record as DefaultRecord.toString does. A batch the broker cannot
// read is named by its first record only.
func logAppendTimeRecordErrors(batch []byte, h batchHeader) []batchIndexAndErrorMessage {
	var errs []batchIndexAndErrorMessage
	err := eachCleanableRecord(batch, h, func(r rawRecord) {
		msg := fmt.Sprintf("Invalid timestamp type in message DefaultRecord(offset=%d, timestamp=%d, key=%d bytes, value=%d bytes). Producer should not set timestamp type to LogAppendTime.",
			r.offsetDelta, h.MaxTimestamp, len(r.key), len(r.value))
		errs = append(errs, batchIndexAndErrorMessage{int32(len(errs)), &msg})
	})
	if err != nil || len(errs) == 0 {
		return []batchIndexAndErrorMessage{{0, ptr("Invalid timestamp type in batch: producer should not set timestamp type to LogAppendTime.")}}
	}
	return errs
}

// satSub and satAdd are a - b and a + b held within int64, for the bounds
// in messages: a bound may be Long.MAX_VALUE, Kafka's "none".
func satSub(a, b int64) int64 {
	if b > 0 && a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}

func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// decodedRecords returns the records of the batch, uncompressed (in
// place for an uncompressed batch), at most limit bytes.
func decodedRecords(batch []byte, h batchHeader, limit int) ([]byte, error) {
	return decompress(int(h.Attributes&compressionCodecMask), batch[batchHeaderSize:h.Size()], limit)
}

// recompressed builds the batch again around payload, its records
// uncompressed, compressed as p asks. The header is kept but for the
// codec bits and batchLength; the caller sets the CRC.
func recompressed(batch []byte, h batchHeader, payload []byte, p recordPolicy) ([]byte, error) {
	body, err := compress(p.target, payload, p.gzipLevel)
	if err != nil {
		return nil, err
	}
	out := append(append(make([]byte, 0, batchHeaderSize+len(body)), batch[:batchHeaderSize]...), body...)
	attrs := uint16(h.Attributes)&^compressionCodecMask | uint16(p.target)
	binary.BigEndian.PutUint16(out[batchAttrOffset:], attrs)
	binary.BigEndian.PutUint32(out[batchLengthOffset:], uint32(len(out)-batchLogOverhead))
	return out, nil
}

// stampLogAppendTime is DefaultRecordBatch.setMaxTimestamp(LOG_APPEND_TIME,
// now): the timestamp-type bit set, maxTimestamp the broker's time, and
// the CRC recomputed. baseTimestamp stays as the producer wrote it, as in
// Kafka; readers take every record's timestamp from maxTimestamp.
func stampLogAppendTime(batch []byte, now int64) {
	attrs := binary.BigEndian.Uint16(batch[batchAttrOffset:]) | timestampTypeFlag
	binary.BigEndian.PutUint16(batch[batchAttrOffset:], attrs)
	binary.BigEndian.PutUint64(batch[batchMaxTimestampOffset:], uint64(now))
	setBatchCRC(batch)
}

// setBatchCRC writes the CRC-32C of the batch's bytes from attributes on.
func setBatchCRC(batch []byte) {
	binary.BigEndian.PutUint32(batch[batchCRCOffset:], crc32.Checksum(batch[batchAttrOffset:], castagnoli))
}
