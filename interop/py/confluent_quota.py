"""confluent-kafka (librdkafka) under a client quota: list the cluster and
the topic with the AdminClient (what Debian's confluent-kafka 1.7 AdminClient
offers: no quota or cluster-description calls yet), then produce 300 records
of 1 KiB with client.id py-slow, whose producer_byte_rate the test has set
low, counting librdkafka's throttle events. Prints one JSON summary line.

Usage: /usr/bin/python3 confluent_quota.py HOST:PORT TOPIC
"""
import json
import sys
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, ConfigResource

bootstrap, topic = sys.argv[1], sys.argv[2]

admin = AdminClient({"bootstrap.servers": bootstrap})
md = admin.list_topics(timeout=10)
brokers = sorted(b.id for b in md.brokers.values())
partitions = len(md.topics[topic].partitions) if topic in md.topics else -1
configs = admin.describe_configs([ConfigResource("topic", topic)])
retention = None
for future in configs.values():
    retention = future.result(10)["retention.ms"].value

throttles = []


def on_throttle(event):
    throttles.append(event.throttle_time)


delivered = []
errors = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append(len(msg.value()))


producer = Producer({
    "bootstrap.servers": bootstrap,
    "client.id": "py-slow",
    "compression.type": "none",
    "linger.ms": 0,
    "batch.size": 16384,
    "throttle_cb": on_throttle,
})
start = time.monotonic()
for i in range(300):
    while True:
        try:
            producer.produce(topic, value=b"x" * 1024, on_delivery=on_delivery)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
producer.flush(60)
elapsed = time.monotonic() - start

print(json.dumps({
    "brokers": brokers,
    "partitions": partitions,
    "retention_ms": retention,
    "delivered_bytes": sum(delivered),
    "errors": errors,
    "elapsed": elapsed,
    "throttles": len(throttles),
}))
