"""kafka-python OAUTHBEARER logins for the OAuth interop test: for each
case of the JSON table in argv[1], log in with its password field as the
bearer token, handed over by a token provider as applications supply
theirs, produce one message and read it back. Prints a JSON list of
results.
"""
import json
import logging
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.oauth.abstract import AbstractTokenProvider


class Token(AbstractTokenProvider):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def token(self):
        return self.value


class Remember(logging.Handler):
    """Keeps kafka-python's log lines, which say why a login failed when
    the client itself reports only NoBrokersAvailable."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


remember = Remember()
logging.getLogger("kafka").addHandler(remember)
logging.getLogger("kafka").propagate = False


def run(c):
    remember.lines = []
    conf = {
        "bootstrap_servers": c["bootstrap"],
        "security_protocol": c["protocol"],
        "sasl_mechanism": "OAUTHBEARER",
        "sasl_oauth_token_provider": Token(c["password"]),
    }
    try:
        producer = KafkaProducer(**conf, retries=0, max_block_ms=5000)
        producer.send(c["topic"], b"v").get(timeout=10)
        producer.close()
        consumer = KafkaConsumer(**conf, consumer_timeout_ms=10000)
        tp = TopicPartition(c["topic"], 0)
        consumer.assign([tp])
        consumer.seek(tp, 0)
        values = []
        for m in consumer:  # the first record, or none after the timeout
            values.append(m.value)
            break
        consumer.close()
        if values != [b"v"]:
            return {"name": c["name"], "ok": False, "error": "consumed %r" % values}
        return {"name": c["name"], "ok": True, "error": ""}
    except Exception as e:  # the test reports what failed
        return {"name": c["name"], "ok": False, "error": "%s: %s %s" % (type(e).__name__, e, remember.lines[:3])}


print(json.dumps([run(c) for c in json.loads(sys.argv[1])]))
