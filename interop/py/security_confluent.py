"""confluent-kafka logins for the security and OAuth interop tests: for
each case of the JSON table in argv[1], produce one message with its SASL
mechanism (over TLS for SASL_SSL, trusting the broker's dev CA) and read it
back. Prints a JSON list of results.

For OAUTHBEARER the case's password is the bearer token, handed to
librdkafka by an oauth_cb, as applications supply theirs. librdkafka
refuses a token whose lifetime has passed before sending it, so the
callback always reports an hour of life: an expired case then reaches the
broker, which must refuse the token's own exp claim.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition


def config(c):
    conf = {
        "bootstrap.servers": c["bootstrap"],
        "security.protocol": c["protocol"],
        "sasl.mechanisms": c["mechanism"],
    }
    if c["mechanism"] == "OAUTHBEARER":
        conf["oauth_cb"] = lambda _config: (c["password"], time.time() + 3600)
    else:
        conf["sasl.username"] = c["username"]
        conf["sasl.password"] = c["password"]
    if c["protocol"] == "SASL_SSL":
        conf["ssl.ca.location"] = c["ca"]
    return conf


def run(c):
    errors = []

    def on_error(err):
        errors.append(err)

    producer = Producer({**config(c), "error_cb": on_error, "message.timeout.ms": 10000})
    delivered = []
    producer.produce(c["topic"], b"v", on_delivery=lambda err, msg: delivered.append(err))
    # Poll until the message is delivered, or an authentication error
    # comes, which librdkafka would otherwise retry until the timeout.
    for _ in range(100):
        producer.poll(0.1)
        if delivered or any(e.code() == KafkaError._AUTHENTICATION for e in errors):
            break
    auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
    if auth:
        return {"name": c["name"], "ok": False, "error": "authentication: " + auth[0].str()}
    if not delivered or delivered[0] is not None:
        return {"name": c["name"], "ok": False, "error": "delivery: %s %s" % (delivered, [e.str() for e in errors])}

    consumer = Consumer({**config(c), "group.id": "security-interop", "enable.auto.commit": False})
    consumer.assign([TopicPartition(c["topic"], 0, 0)])
    msg = consumer.poll(10)
    consumer.close()
    if msg is None or msg.error() or msg.value() != b"v":
        return {"name": c["name"], "ok": False, "error": "consume: %s" % (msg and msg.error())}
    return {"name": c["name"], "ok": True, "error": ""}


print(json.dumps([run(c) for c in json.loads(sys.argv[1])]))
