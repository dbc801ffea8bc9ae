"""confluent-kafka (librdkafka) against the broker: create a 4-partition
topic with the AdminClient, produce 1,000 snappy and 1,000 lz4 records with
enable.idempotence, consume all 2,000 in a group with commits, then read
watermarks and offsets_for_times. Prints one JSON summary line.

Usage: /usr/bin/python3 confluent.py HOST:PORT TOPIC
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
PARTITIONS = 4

admin = AdminClient({"bootstrap.servers": bootstrap})
for future in admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)]).values():
    future.result(30)

start_ms = int(time.time() * 1000)
delivery_errors = []
delivered = 0
for codec in ("snappy", "lz4"):
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "compression.type": codec,
        "linger.ms": 5,
    })

    def on_delivery(err, msg):
        global delivered
        if err is not None:
            delivery_errors.append(str(err))
        else:
            delivered += 1

    for i in range(1000):
        producer.produce(topic, key=f"{codec}-{i}", value=f"value-{codec}-{i}", on_delivery=on_delivery)
    if producer.flush(30) != 0:
        delivery_errors.append("flush left messages undelivered")

consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "confluent-group",
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
consumer.subscribe([topic])
seen = set()
duplicates = 0
deadline = time.time() + 60
while len(seen) < 2000 and time.time() < deadline:
    msg = consumer.poll(1.0)
    if msg is None:
        continue
    if msg.error():
        raise RuntimeError(msg.error())
    key = msg.key().decode()
    duplicates += key in seen
    seen.add(key)
    consumer.commit(message=msg, asynchronous=False)

committed = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
watermarks = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in range(PARTITIONS)]
by_time = consumer.offsets_for_times([TopicPartition(topic, p, start_ms - 1000) for p in range(PARTITIONS)], timeout=10)
future = consumer.offsets_for_times([TopicPartition(topic, p, int(time.time() * 1000) + 3600_000) for p in range(PARTITIONS)], timeout=10)
consumer.close()

print(json.dumps({
    "delivered": delivered,
    "delivery_errors": delivery_errors[:5],
    "consumed": len(seen),
    "duplicates": duplicates,
    "committed": sum(tp.offset for tp in committed),
    "low": [lo for lo, hi in watermarks],
    "high_total": sum(hi for lo, hi in watermarks),
    "by_time": [tp.offset for tp in by_time],
    "future": [tp.offset for tp in future],
}))
