package kafka

// This file writes docs/exactly-once.md: two transactions of one producer
// on a running broker, one aborted and one committed, with what each
// request was answered, where the partition's high watermark and last
// stable offset stood after it, and what the log holds at the end.
// TestExactlyOnceDoc fails when the broker's answers drift from the page;
// KAFKA_UPDATE_DOCS=1 go test -run TestExactlyOnceDoc rewrites it.

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestExactlyOnceDoc(t *testing.T) {
	_, c := startWithTopic(t, "orders", 1)

	step, steps := stepTable(c, "orders")
	code := func(c int16) string {
		if c == codeNone {
			return "NONE"
		}
		return fmt.Sprintf("error %d", c)
	}

	ec, pid, epoch := c.initTxn("app", 60000)
	step("InitProducerId(transactional_id app)", fmt.Sprintf("%s, producer id %d, epoch %d", code(ec), pid, epoch))
	step("AddPartitionsToTxn(app, orders-0)", code(c.addPartition("app", pid, epoch, "orders", 0)))
	ec, off := c.produce("orders", 0, txnBatch(pid, epoch, 0, 3))
	step("Produce(orders-0, 3 records, sequence 0)", fmt.Sprintf("%s, base offset %d", code(ec), off))
	committed := c.fetchIsolated("orders", 0, 0, readCommitted)
	step("Fetch(orders-0, read_committed)", fmt.Sprintf("%d bytes: nothing below the last stable offset", len(committed.records)))
	step("EndTxn(app, abort)", code(c.endTxn(3, "app", pid, epoch, false)))
	step("AddPartitionsToTxn(app, orders-0)", code(c.addPartition("app", pid, epoch, "orders", 0)))
	ec, off = c.produce("orders", 0, txnBatch(pid, epoch, 3, 2))
	step("Produce(orders-0, 2 records, sequence 3)", fmt.Sprintf("%s, base offset %d", code(ec), off))
	step("EndTxn(app, commit)", code(c.endTxn(3, "app", pid, epoch, true)))

	var log strings.Builder
	log.WriteString("| offsets | batch | read_committed consumer |\n|---|---|---|\n")
	all := c.fetchIsolated("orders", 0, 0, readUncommitted)
	hs, bs := batchesOf(t, all.records)
	committed = c.fetchIsolated("orders", 0, 0, readCommitted)
	aborted := map[int64]bool{} // first offsets of aborted transactions
	for _, a := range committed.aborted {
		aborted[a.FirstOffset] = true
	}
	for i, h := range hs {
		kind, seen := "", ""
		switch {
		case h.isControl():
			name := "unknown"
			if typ, ok := markerType(bs[i], h); ok && typ == markerAbort {
				name = "ABORT"
			} else if ok && typ == markerCommit {
				name = "COMMIT"
			}
			kind, seen = "control batch: the "+name+" marker", "never handed to the application"
		case aborted[h.BaseOffset]:
			kind, seen = fmt.Sprintf("%d records of producer %d, transactional", h.NumRecords, h.ProducerID), "dropped: its transaction aborted"
		default:
			kind, seen = fmt.Sprintf("%d records of producer %d, transactional", h.NumRecords, h.ProducerID), "read"
		}
		fmt.Fprintf(&log, "| %d-%d | %s | %s |\n", h.BaseOffset, h.LastOffset(), kind, seen)
	}
	var abortedList []string
	for _, a := range committed.aborted {
		abortedList = append(abortedList, fmt.Sprintf("producer %d from offset %d", a.ProducerID, a.FirstOffset))
	}

	page := fmt.Sprintf(exactlyOncePage, steps.String(), log.String(), strings.Join(abortedList, "; "), version2Steps(c))
	const path = "docs/exactly-once.md"
	if os.Getenv("KAFKA_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != page {
		t.Errorf("%s differs from what the broker answered; KAFKA_UPDATE_DOCS=1 go test -run TestExactlyOnceDoc rewrites it", path)
	}
}

// stepTable starts a table of requests to partition 0 of topic: step adds
// a row with what the partition's high watermark and last stable offset
// are after the request.
func stepTable(c *testClient, topic string) (step func(request, answer string), steps *strings.Builder) {
	steps = new(strings.Builder)
	steps.WriteString("| step | request | answer | high watermark | last stable offset |\n|---:|---|---|---:|---:|\n")
	n := 0
	step = func(request, answer string) {
		n++
		f := c.fetchIsolated(topic, 0, 0, readUncommitted)
		fmt.Fprintf(steps, "| %d | %s | %s | %d | %d |\n", n, request, answer, f.hw, f.lso)
	}
	return step, steps
}

// version2Steps runs transactions of version 2 (txnv2.go) on partition 0
// of "payments" and returns the table of their requests.
func version2Steps(c *testClient) string {
	c.createTopic("payments", 1)
	step, steps := stepTable(c, "payments")
	produced := func(code int16) string {
		switch code {
		case codeNone:
			return "NONE"
		case codeInvalidProducerEpoch:
			return "INVALID_PRODUCER_EPOCH"
		}
		return fmt.Sprintf("error %d", code)
	}
	ended := func(code int16, pid int64, epoch int16) string {
		return fmt.Sprintf("%s, producer id %d, epoch %d", produced(code), pid, epoch)
	}
	ec, pid, epoch := c.initTxn("app2", 60000)
	step("InitProducerId(transactional_id app2)", ended(ec, pid, epoch))
	step("Produce v12(payments-0, 2 records, epoch 0, sequence 0)", produced(c.produceTxnAt(12, "app2", "payments", 0, txnBatch(pid, 0, 0, 2))))
	step("EndTxn v5(app2, commit, epoch 0)", ended(c.endTxnV5("app2", pid, 0, true)))
	step("Produce v12(payments-0, 1 record, epoch 0, sequence 2)", produced(c.produceTxnAt(12, "app2", "payments", 0, txnBatch(pid, 0, 2, 1))))
	step("Produce v12(payments-0, 1 record, epoch 1, sequence 0)", produced(c.produceTxnAt(12, "app2", "payments", 0, txnBatch(pid, 1, 0, 1))))
	step("EndTxn v5(app2, abort, epoch 1)", ended(c.endTxnV5("app2", pid, 1, false)))
	return steps.String()
}

const exactlyOncePage = `# Two transactions, one aborted

This page is written by TestExactlyOnceDoc (eosdoc_test.go) from a running
broker's answers, and the test fails when they drift from it. A
transactional producer, transactional.id "app", writes to partition 0 of
"orders" twice: the first transaction aborts, the second commits. Part III
of the book explains the rules: producers.go the producer id, epoch and
sequence numbers, txn.go the coordinator, the markers and the last stable
offset.

## The requests

After each request, the partition's high watermark (the end of the log)
and its last stable offset (where read_committed consumers stop: the first
offset of the earliest transaction still open, or the high watermark when
none is).

%s
While the first transaction is open the last stable offset stays at its
first offset, 0, so a read_committed consumer reads nothing even though
three records are in the log. EndTxn writes a marker, a one-record control
batch, which moves the high watermark past it and releases the last stable
offset.

## The log at the end

%s
With its fetch, a read_committed consumer gets the aborted transactions
that overlap what it read (%s), so it drops the records of
that producer from that offset up to the producer's ABORT marker. Its position then
moves past the markers too: after this log it reads two records and resumes
at the high watermark.

## Transaction version 2

Clients that see the transaction.version feature finalized at 2 (Kafka
4.0's KIP-890 part 2, txnv2.go), as this broker advertises it, send
neither AddPartitionsToTxn nor AddOffsetsToTxn: a transactional Produce
v12 adds its partition to the transaction, and a TxnOffsetCommit v5 its
group. Every EndTxn v5 gives the producer a new epoch, which the markers
carry, so a batch of the transaction that just ended, arriving late, is
refused instead of joining the next one. Here producer "app2" writes to
partition 0 of "payments":

%s
Step 4 is such a late batch: its epoch ended with step 3. The next
transaction starts at the new epoch from sequence 0. At the last epoch,
EndTxn v5 answers with a new producer id at epoch 0.
`
