"""kafka-python against the broker: create a topic with its admin client,
produce 200 gzip records, consume them in a group. Prints one JSON summary.

Usage: /usr/bin/python3 kafkapython.py HOST:PORT TOPIC
"""
import json
import sys

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
created = admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
admin.close()

producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type="gzip")
futures = [producer.send(topic, key=b"k%d" % i, value=b"v%d" % i) for i in range(200)]
producer.flush()
offsets = [f.get(timeout=10).offset for f in futures]
producer.close()

consumer = KafkaConsumer(
    topic,
    bootstrap_servers=bootstrap,
    group_id="kafka-python-group",
    auto_offset_reset="earliest",
    enable_auto_commit=False,
    consumer_timeout_ms=10000,
)
values = set()
for msg in consumer:
    values.add(msg.value.decode())
    if len(values) == 200:
        break
consumer.commit()
consumer.close()

print(json.dumps({
    "create_errors": [e[1] for e in created.topic_errors],
    "produced": len(offsets),
    "consumed": len(values),
}))
