// KafkaJS logins for the security and OAuth interop tests: for each case
// of the JSON table in argv[2], connect with its SASL mechanism (over TLS
// for SASL_SSL, trusting the broker's dev CA), produce one message and
// read back the topic's high watermark. Prints a JSON array of results.
// For OAUTHBEARER the case's password is the bearer token, handed over by
// an oauthBearerProvider, as applications supply theirs.
const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')

async function run (c) {
  const kafka = new Kafka({
    clientId: 'security-interop',
    brokers: [c.bootstrap],
    logLevel: logLevel.NOTHING,
    // A wrong password fails at once; a right one may need a retry, since
    // the request that auto-creates the topic is answered
    // UNKNOWN_TOPIC_OR_PARTITION, as in Kafka.
    retry: { retries: c.wrong ? 0 : 5 },
    ssl: c.protocol === 'SASL_SSL' ? { ca: [fs.readFileSync(c.ca)] } : false,
    sasl: c.mechanism === 'OAUTHBEARER'
      ? { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: c.password }) }
      : { mechanism: c.mechanism.toLowerCase(), username: c.username, password: c.password }
  })
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  try {
    await producer.connect()
    await producer.send({ topic: c.topic, messages: [{ value: 'v' }] })
    const admin = kafka.admin()
    await admin.connect()
    const offsets = await admin.fetchTopicOffsets(c.topic)
    await admin.disconnect()
    if (offsets[0].high !== '1') throw new Error('high watermark ' + offsets[0].high)
    return { name: c.name, ok: true, error: '' }
  } catch (e) {
    return { name: c.name, ok: false, error: `${e.name}: ${e.message}` }
  } finally {
    await producer.disconnect().catch(() => {})
  }
}

async function main () {
  const results = []
  for (const c of JSON.parse(process.argv[2])) results.push(await run(c))
  console.log(JSON.stringify(results))
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
