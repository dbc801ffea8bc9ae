"""confluent-kafka (librdkafka) transactional producer against the broker:
init_transactions, one transaction committed and one aborted, then a
read_committed consumer (isolation.level, librdkafka's default) and a
read_uncommitted one. Prints one JSON summary line.

Usage: /usr/bin/python3 confluent_txn.py HOST:PORT TOPIC
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]

admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)]).values():
    future.result(30)

producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "confluent-txn", "transaction.timeout.ms": 30000})
producer.init_transactions(30)
for prefix, commit in (("commit", True), ("abort", False), ("commit2", True)):
    producer.begin_transaction()
    for i in range(5):
        producer.produce(topic, key=str(i), value=f"{prefix}-{i}")
    producer.flush(30)
    if commit:
        producer.commit_transaction(30)
    else:
        producer.abort_transaction(30)


def consume(isolation, want):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"confluent-txn-{isolation}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": isolation,
    })
    consumer.subscribe([topic])
    seen, errors = [], []
    deadline = time.time() + 30
    extra = None
    while time.time() < deadline:
        msg = consumer.poll(0.2)
        if msg is not None:
            if msg.error():
                if not msg.error().code() == -191:  # _PARTITION_EOF
                    errors.append(str(msg.error()))
            else:
                seen.append(msg.value().decode())
        if len(seen) >= want and extra is None:
            extra = time.time() + 1
        if extra is not None and time.time() > extra:
            break
    consumer.close()
    return sorted(seen), errors


committed, committed_errors = consume("read_committed", 10)
uncommitted, uncommitted_errors = consume("read_uncommitted", 15)
print(json.dumps({
    "committed": committed,
    "uncommitted": uncommitted,
    "errors": committed_errors + uncommitted_errors,
}))
