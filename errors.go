// This file holds the Kafka error codes the broker answers with, grouped
// by the chapter that sends them, and errorCode, which turns the log's Go
// errors into them. Every chapter's handlers answer with them, so they
// have a page of their own, read before the first of those chapters.
// The codes of the cluster admin APIs (cluster.go), security
// (security.go) and the validator (validator.go) stay beside the checks
// that send them.
//
// Place in the book: Part I, after log.go, whose sentinel errors
// errorCode maps, and before handlers.go.

package kafka

import "errors"

// Kafka error codes (Errors.java in Apache Kafka), only the ones this
// broker sends, grouped by the chapter that sends them. A client decides
// from the code alone what to do next: Errors.java maps each code to an
// exception that is retriable or not, and the clients of other languages
// copy that table. So a code must be the one Kafka sends in the same
// case: another code can turn a retry into a failure shown to the user,
// or a lasting failure into a loop of retries.
const (
	// Any API. UNKNOWN_SERVER_ERROR means a fault of ours (a bug; a failed
	// disk is KAFKA_STORAGE_ERROR) and is not retried; handlers log it.
	// INVALID_REQUEST answers a request that decodes but contradicts
	// itself, and UNSUPPORTED_VERSION an ApiVersions request newer than
	// ours (conn.handle).
	codeNone               int16 = 0
	codeUnknownServerError int16 = -1
	codeUnsupportedVersion int16 = 35
	codeInvalidRequest     int16 = 42

	// The log, Produce, Fetch and ListOffsets. UNKNOWN_TOPIC_OR_PARTITION,
	// UNKNOWN_TOPIC_ID and KAFKA_STORAGE_ERROR are retriable: the client
	// refreshes its metadata and sends again. CORRUPT_MESSAGE and
	// NOT_ENOUGH_REPLICAS are retriable too, though a producer that sends
	// the same bytes to the same single broker meets the same answer until
	// its delivery timeout. OFFSET_OUT_OF_RANGE sends a consumer to its
	// auto.offset.reset policy. The others fail the batch: the Java
	// producer splits a batch of several records on MESSAGE_TOO_LARGE, and
	// on INVALID_RECORD tells each record RecordErrors names why (KIP-467).
	codeOffsetOutOfRange        int16 = 1
	codeCorruptMessage          int16 = 2
	codeUnknownTopicOrPartition int16 = 3
	codeLeaderNotAvailable      int16 = 5
	codeNotLeaderOrFollower     int16 = 6
	codeMessageTooLarge         int16 = 10
	codeInvalidTopicException   int16 = 17
	codeRecordListTooLarge      int16 = 18
	codeNotEnoughReplicas       int16 = 19
	codeInvalidRequiredAcks     int16 = 21
	codeKafkaStorageError       int16 = 56
	codeInvalidRecord           int16 = 87
	codeUnknownTopicID          int16 = 100

	// Fetch sessions (fetchsessions.go, KIP-227). On any of them the
	// consumer forgets its session and starts a new one with a full fetch.
	codeFetchSessionIDNotFound   int16 = 70
	codeInvalidFetchSessionEpoch int16 = 71
	codeFetchSessionTopicIDError int16 = 106

	// Topic admin (topics.go, topicconfigs.go, cluster.go), answered per
	// topic to an admin client, which shows them to its user.
	codeTopicAlreadyExists       int16 = 36
	codeInvalidPartitions        int16 = 37
	codeInvalidReplicationFactor int16 = 38
	codeInvalidReplicaAssignment int16 = 39
	codeInvalidConfig            int16 = 40
	codePolicyViolation          int16 = 44

	// Classic groups and offsets (groups.go, offsets.go, groupadmin.go).
	// COORDINATOR_NOT_AVAILABLE and NOT_COORDINATOR send the client back to
	// FindCoordinator. ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
	// REBALANCE_IN_PROGRESS and MEMBER_ID_REQUIRED (KIP-394) make a member
	// join again; FENCED_INSTANCE_ID tells a static member (KIP-345) that
	// another process took its group.instance.id, and is fatal to it.
	// UNSTABLE_OFFSET_COMMIT (KIP-447) is retried until the transaction
	// holding the offsets ends.
	codeOffsetMetadataTooLarge    int16 = 12
	codeCoordinatorLoadInProgress int16 = 14
	codeCoordinatorNotAvailable   int16 = 15
	codeNotCoordinator            int16 = 16
	codeIllegalGeneration         int16 = 22
	codeInconsistentGroupProtocol int16 = 23
	codeInvalidGroupID            int16 = 24
	codeUnknownMemberID           int16 = 25
	codeInvalidSessionTimeout     int16 = 26
	codeRebalanceInProgress       int16 = 27
	codeInvalidCommitOffsetSize   int16 = 28
	codeNonEmptyGroup             int16 = 68
	codeGroupIDNotFound           int16 = 69
	codeMemberIDRequired          int16 = 79
	codeGroupMaxSizeReached       int16 = 81
	codeFencedInstanceID          int16 = 82
	codeGroupSubscribedToTopic    int16 = 86
	codeUnstableOffsetCommit      int16 = 88

	// KIP-848 consumer groups (consumer.go). FENCED_MEMBER_EPOCH makes a
	// member give up its partitions and join again at epoch 0;
	// STALE_MEMBER_EPOCH refuses a commit from an epoch the member has
	// since left, and the member retries after its next heartbeat.
	codeFencedMemberEpoch        int16 = 110
	codeUnreleasedInstanceID     int16 = 111
	codeUnsupportedAssignor      int16 = 112
	codeStaleMemberEpoch         int16 = 113
	codeInvalidRegularExpression int16 = 128

	// Idempotence and transactions (producers.go, txn.go).
	// CONCURRENT_TRANSACTIONS is retriable: the markers of the previous
	// transaction are still being written. PRODUCER_FENCED (KIP-588) tells
	// a transactional producer that a newer instance with its id exists,
	// and ends it; since KIP-588, INVALID_PRODUCER_EPOCH on a produce only
	// aborts the transaction. OPERATION_NOT_ATTEMPTED answers the parts of
	// a batched request left undone because another part failed.
	// TRANSACTION_COORDINATOR_FENCED refuses a WriteTxnMarkers from a
	// coordinator epoch older than the partition's last marker
	// (txnmarkers.go).
	codeOutOfOrderSequenceNumber     int16 = 45
	codeInvalidProducerEpoch         int16 = 47
	codeInvalidTxnState              int16 = 48
	codeInvalidProducerIDMapping     int16 = 49
	codeInvalidTransactionTimeout    int16 = 50
	codeConcurrentTransactions       int16 = 51
	codeTransactionCoordinatorFenced int16 = 52
	codeOperationNotAttempted        int16 = 55
	codeProducerFenced               int16 = 90
	codeTransactionalIDNotFound      int16 = 105
	codeTransactionAbortable         int16 = 120

	// DescribeCluster's endpoint types (KIP-919, cluster.go).
	codeMismatchedEndpointType  int16 = 114
	codeUnsupportedEndpointType int16 = 115

	// Delegation tokens (delegationtokens.go), none of them retriable:
	// the feature is off (AUTH_DISABLED), the connection may not ask
	// (REQUEST_NOT_ALLOWED), or the request names someone it may not.
	codeDelegationTokenAuthDisabled        int16 = 61
	codeDelegationTokenRequestNotAllowed   int16 = 64
	codeDelegationTokenAuthorizationFailed int16 = 65
	codeInvalidPrincipalType               int16 = 67

	// Share groups (share.go, sharefetch.go, KIP-932).
	codeInvalidRecordState       int16 = 121
	codeShareSessionNotFound     int16 = 122
	codeInvalidShareSessionEpoch int16 = 123
	codeShareSessionLimitReached int16 = 133
)

// errorCode maps an error from the log to the code a client expects. The
// log's errors wrap sentinels, so errors.Is finds them through the context
// added on the way up. Anything the log does not classify is taken to be
// our fault, UNKNOWN_SERVER_ERROR, which clients do not retry: retrying
// against an unknown failure would only repeat it.
func errorCode(err error) int16 {
	switch {
	case err == nil:
		return codeNone
	case errors.Is(err, errOffsetOutOfRange):
		return codeOffsetOutOfRange
	case errors.Is(err, errOutOfOrderSequence):
		return codeOutOfOrderSequenceNumber
	case errors.Is(err, errInvalidProducerEpoch):
		return codeInvalidProducerEpoch
	case errors.Is(err, errStorage):
		return codeKafkaStorageError
	default:
		return codeUnknownServerError
	}
}
