// This file is the transaction coordinator's memory on disk: the
// transaction-state file in the data dir, an append-only log of the
// coordinator's changes.
//
// Place in the book: Part III, after txn.go, whose txnMeta (one
// transactional id's state) it stores.
//
// Kafka's coordinator writes a record to the __transaction_state topic at
// every change of a transactional id, holding that id's whole state after
// the change (TransactionLog.valueToBytes), and compaction keeps the last
// record of each id. The file here works the same way:
//
//	record  = length uint32 | crc uint32 | payload (length bytes)
//	payload = JSON {"id": ..., "txn": {...}} or {"id": ..., "removed": true}
//
// The CRC (CRC-32C, as record batches use) covers the payload. Reading
// replays the records in order, the last one of each id winning, and a
// removal forgetting the id. A record cut short or failing its CRC can
// only be the last one a crash left half-written: the file is cut there
// when it is opened, and what came before stands.
//
// A record is written with one write(2), which the page cache keeps if the
// broker process dies, so every Fsync policy survives a crash of the
// process; only Fsync "always" also fsyncs the file before answering, for
// a crash of the machine, as Kafka's log.flush settings would for
// __transaction_state. The file is compacted, rewritten with one record
// per id, when it is opened and whenever it has grown to four times its
// compacted size (and at least 1 MiB). Compaction replaces the file
// atomically (write, fsync, rename), under every policy: it is rare, and a
// rename of an unsynced file could leave an empty one after a power cut.
//
// A file from before this format, one JSON document of every id (it
// starts with '{'), is read once and compacted into the new form.

package kafka

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
)

// txnStateFile is the coordinator's state in the data dir.
const txnStateFile = "transaction-state"

// txnStateHeader is a record's length and CRC.
const txnStateHeader = 8

// maxTxnStateRecord bounds a record's length as read, so that a corrupt
// length cannot make the reader allocate: a transaction's state is its
// partitions and offsets, far below this.
const maxTxnStateRecord = 64 << 20

// Compaction thresholds (see the file comment).
const (
	txnStateCompactMin    = 1 << 20
	txnStateCompactFactor = 4
)

// txnStateRecord is one record's payload.
type txnStateRecord struct {
	ID      string   `json:"id"`
	Txn     *txnMeta `json:"txn,omitempty"`
	Removed bool     `json:"removed,omitempty"`
}

// legacyTxnState is the file's earlier form: every id in one JSON document.
type legacyTxnState struct {
	Version      int        `json:"version"`
	Transactions []*txnMeta `json:"transactions"`
}

// txnStateLog is the open state file. Its methods are called under the
// coordinator's lock.
type txnStateLog struct {
	path      string
	f         *os.File
	size      int64 // bytes in the file
	compacted int64 // its size after the last compaction
	sync      bool  // fsync every append (Fsync "always")
	broken    error // set when a failed write could not be undone
}

// openTxnStateLog reads the state file at path, cutting a torn tail,
// compacts it and opens it for appends. It returns the state of every
// transactional id, sorted by id.
func openTxnStateLog(path string, sync bool, log *slog.Logger) (*txnStateLog, []*txnMeta, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("kafka: read %s: %w", txnStateFile, err)
	}
	var metas map[string]*txnMeta
	valid := -1 // the length of the records' valid prefix; -1 for the legacy form
	if len(data) > 0 && data[0] == '{' {
		// The legacy form has no CRC, so it is read strictly
		// (decodeStoredJSON): a byte flipped in "transactions" would
		// otherwise parse as a file of no transaction. Every key it was
		// ever written with is still a field.
		var legacy legacyTxnState
		if err := decodeStoredJSON(data, &legacy); err != nil || legacy.Version != 0 {
			return nil, nil, fmt.Errorf("kafka: %s: unknown format (%v)", txnStateFile, err)
		}
		metas = make(map[string]*txnMeta, len(legacy.Transactions))
		for _, m := range legacy.Transactions {
			if m == nil { // a null in the array: the file is damaged
				return nil, nil, fmt.Errorf("kafka: %s: a null transaction in the legacy form", txnStateFile)
			}
			metas[m.ID] = m
		}
	} else {
		var skipped []int
		metas, valid, skipped = replayTxnState(data)
		for _, at := range skipped {
			log.Warn("skipping a damaged record of the transaction state: good records follow it", "file", path, "at", at)
		}
		if valid < len(data) {
			log.Warn("cutting a torn tail off the transaction state", "file", path, "at", valid, "size", len(data))
		}
	}
	sorted := slices.SortedFunc(func(yield func(*txnMeta) bool) {
		for _, m := range metas {
			if !yield(m) {
				return
			}
		}
	}, func(a, b *txnMeta) int { return strings.Compare(a.ID, b.ID) })
	l := &txnStateLog{path: path, sync: sync}
	if err := l.compact(sorted); err != nil {
		// A full disk has no room for the compacted copy. A file of
		// records serves as well as it is, cut at its valid prefix, and
		// the next compaction rewrites it; the legacy form must be
		// converted first.
		if valid < 0 {
			return nil, nil, err
		}
		if ferr := l.reopen(int64(valid)); ferr != nil {
			return nil, nil, errors.Join(err, ferr)
		}
		log.Warn("transaction state not compacted at start; appending to it as it is", "file", path, "err", err)
	}
	return l, sorted, nil
}

// reopen opens the file for appends as it is, cut to its first size bytes.
func (l *txnStateLog) reopen(size int64) error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: open %s: %w", txnStateFile, err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("kafka: cut %s: %w", txnStateFile, err)
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.size, l.compacted, l.broken = f, size, size, nil
	return nil
}

// replayTxnState applies the records of data in order and returns the
// state they leave, the length of the valid prefix, and where the records
// it skipped start. The prefix ends at the first record that is cut short,
// fails its CRC or does not decode, unless good records follow it: a crash
// tears only the last record, so a bad one followed by good ones is damage
// to it alone, and cutting there would throw away every later state of
// every id, whose producer epochs and ended transactions would come back
// as they were. Such a record is skipped: the ids it held have their
// state from the records before and after it.
func replayTxnState(data []byte) (metas map[string]*txnMeta, valid int, skipped []int) {
	metas = map[string]*txnMeta{}
	off := 0
	for len(data)-off >= txnStateHeader {
		rec, n, ok := readTxnStateRecord(data[off:])
		if !ok {
			// A length that fits is trusted to find the next record.
			if n < 0 || !wholeTxnStateRecordAt(data[off+n:]) {
				break
			}
			skipped = append(skipped, off)
			off += n
			continue
		}
		if rec.Removed {
			delete(metas, rec.ID)
		} else {
			metas[rec.ID] = rec.Txn
		}
		off += n
	}
	return metas, off, skipped
}

// readTxnStateRecord reads the record at the start of data and returns it
// with its framed length, and whether it is good. A length that does not
// fit in data is returned as -1.
func readTxnStateRecord(data []byte) (rec txnStateRecord, n int, ok bool) {
	if len(data) < txnStateHeader {
		return rec, -1, false
	}
	size := int(binary.BigEndian.Uint32(data))
	crc := binary.BigEndian.Uint32(data[4:])
	if size > maxTxnStateRecord || size > len(data)-txnStateHeader {
		return rec, -1, false
	}
	payload := data[txnStateHeader : txnStateHeader+size]
	n = txnStateHeader + size
	if crc32.Checksum(payload, castagnoli) != crc || json.Unmarshal(payload, &rec) != nil || (rec.Txn == nil) != rec.Removed {
		return txnStateRecord{}, n, false
	}
	return rec, n, true
}

// wholeTxnStateRecordAt reports whether data starts with a good record.
func wholeTxnStateRecordAt(data []byte) bool {
	_, _, ok := readTxnStateRecord(data)
	return ok
}

// appendTxnStateRecord appends rec, framed, to buf.
func appendTxnStateRecord(buf []byte, rec txnStateRecord) ([]byte, error) {
	payload, err := json.Marshal(rec)
	if err != nil {
		return buf, err
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(payload)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(payload, castagnoli))
	return append(buf, payload...), nil
}

// put records m's state after a change.
func (l *txnStateLog) put(m *txnMeta) error {
	return l.append(txnStateRecord{ID: m.ID, Txn: m})
}

// remove records that id is forgotten.
func (l *txnStateLog) remove(id string) error {
	return l.append(txnStateRecord{ID: id, Removed: true})
}

// append writes one record at the end of the file. A failed write is cut
// off again, so that a later record is never stranded behind a torn one.
func (l *txnStateLog) append(rec txnStateRecord) error {
	if l.broken != nil {
		return l.broken
	}
	buf, err := appendTxnStateRecord(nil, rec)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(buf); err != nil {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.broken = fmt.Errorf("kafka: %s: a failed append could not be undone: %w", txnStateFile, terr)
		}
		return fmt.Errorf("kafka: append to %s: %w", txnStateFile, err)
	}
	l.size += int64(len(buf))
	if l.sync {
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("kafka: fsync %s: %w", txnStateFile, err)
		}
	}
	return nil
}

// needsCompaction reports whether the file has grown enough to be
// rewritten.
func (l *txnStateLog) needsCompaction() bool {
	return l.size >= txnStateCompactMin && l.size >= txnStateCompactFactor*l.compacted
}

// compact replaces the file with one record per id of metas, and reopens
// it for appends.
func (l *txnStateLog) compact(metas []*txnMeta) error {
	var buf []byte
	for _, m := range metas {
		var err error
		if buf, err = appendTxnStateRecord(buf, txnStateRecord{ID: m.ID, Txn: m}); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(l.path, buf); err != nil {
		return err
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: open %s: %w", txnStateFile, err)
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.size, l.compacted, l.broken = f, int64(len(buf)), int64(len(buf)), nil
	return nil
}

// close closes the file.
func (l *txnStateLog) close() error {
	if l.f == nil {
		return nil
	}
	return l.f.Close()
}
