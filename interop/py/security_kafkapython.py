"""kafka-python logins for the security and OAuth interop tests: for each
case of the JSON table in argv[1], produce one message with its SASL
mechanism (over TLS for SASL_SSL, trusting the broker's dev CA) and read it
back. Prints a JSON list of results. kafka-python 2.0 logs in with
SaslHandshake v0 and bare SASL messages, which this covers. For
OAUTHBEARER the case's password is the bearer token, handed over by a
token provider, as applications supply theirs.
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


def config(c):
    conf = {
        "bootstrap_servers": c["bootstrap"],
        "security_protocol": c["protocol"],
        "sasl_mechanism": c["mechanism"],
    }
    if c["mechanism"] == "OAUTHBEARER":
        conf["sasl_oauth_token_provider"] = Token(c["password"])
    else:
        conf["sasl_plain_username"] = c["username"]
        conf["sasl_plain_password"] = c["password"]
    if c["protocol"] == "SASL_SSL":
        conf["ssl_cafile"] = c["ca"]
    return conf


class Remember(logging.Handler):
    """Keeps kafka-python's log lines: after SaslHandshake v0 a failed
    login is a closed connection, which the client reports only as
    NoBrokersAvailable, but it logs why."""

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
    try:
        producer = KafkaProducer(**config(c), retries=0, max_block_ms=10000)
        producer.send(c["topic"], b"v").get(timeout=10)
        producer.close()
        consumer = KafkaConsumer(**config(c), consumer_timeout_ms=10000)
        tp = TopicPartition(c["topic"], 0)
        consumer.assign([tp])
        consumer.seek(tp, 0)
        values = []
        for m in consumer:
            values.append(m.value)
            break
        consumer.close()
        if b"v" not in values:
            return {"name": c["name"], "ok": False, "error": "consumed %r" % values}
        return {"name": c["name"], "ok": True, "error": ""}
    except Exception as e:  # the test reports what failed
        logged = [l for l in remember.lines if "<authenticating>" in l][:1] or remember.lines[:3]
        return {"name": c["name"], "ok": False, "error": "%s: %s %s" % (type(e).__name__, e, logged)}


print(json.dumps([run(c) for c in json.loads(sys.argv[1])]))
