"""confluent-kafka (librdkafka) and topic configs: create a topic with a
spread of Kafka 4.0 configs through the AdminClient, describe them, alter
them, then produce records stamped in 2001 to it and read back the
broker's LogAppendTime, both in the delivery reports (the Produce
response's LogAppendTimeMs) and on the consumed records. Prints one JSON
summary line.

Usage: /usr/bin/python3 confluent_configs.py HOST:PORT TOPIC
"""
import json
import sys
import time

from confluent_kafka import TIMESTAMP_LOG_APPEND_TIME, Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})

created = {
    "message.timestamp.type": "LogAppendTime",
    "compression.type": "gzip",
    "segment.ms": "3600000",
    "delete.retention.ms": "1000",
    "min.cleanable.dirty.ratio": "0.2",
    "preallocate": "true",
}
for future in admin.create_topics([NewTopic(topic, 1, 1, config=created)]).values():
    future.result(30)

resource = ConfigResource(ConfigResource.Type.TOPIC, topic)


def describe():
    entries = admin.describe_configs([resource])[resource].result(30)
    return {name: [e.value, e.source] for name, e in entries.items()}


described = describe()

# The legacy AlterConfigs replaces the whole set: what is not named goes
# back to its default.
altered = dict(created, **{"retention.ms": "86400000", "segment.jitter.ms": "10"})
del altered["preallocate"]
admin.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, topic, set_config=altered)])[resource].result(30)
after_alter = describe()

bad_error = ""
try:
    bad = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"compression.type": "brotli"})
    admin.alter_configs([bad])[bad].result(30)
except Exception as e:  # the KafkaException carrying INVALID_CONFIG
    bad_error = str(e)

start_ms = int(time.time() * 1000)
reports = []
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
for i in range(10):
    producer.produce(topic, value=b"v%d" % i, timestamp=978307200000,  # 2001-01-01
                     on_delivery=lambda err, msg: reports.append([str(err) if err else "", msg.timestamp()[0], msg.timestamp()[1]]))
producer.flush(30)

consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "configs-" + topic,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
})
consumer.subscribe([topic])
consumed = []
deadline = time.time() + 30
while len(consumed) < 10 and time.time() < deadline:
    msg = consumer.poll(0.5)
    if msg is None or msg.error():
        continue
    consumed.append([msg.timestamp()[0], msg.timestamp()[1], msg.value().decode()])
consumer.close()

print(json.dumps({
    "described": described,
    "after_alter": after_alter,
    "bad_error": bad_error,
    "start_ms": start_ms,
    "log_append_time_type": TIMESTAMP_LOG_APPEND_TIME,
    "reports": reports,
    "consumed": consumed,
}))
