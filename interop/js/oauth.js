// KafkaJS OAUTHBEARER logins for the OAuth interop test: for each case of
// the JSON table in argv[2], log in with its password field as the bearer
// token (from an oauthBearerProvider, as applications supply theirs),
// produce one message and read back the topic's high watermark. Prints a
// JSON array of results.
const { Kafka, logLevel } = require('kafkajs')

async function run (c) {
  const kafka = new Kafka({
    clientId: 'oauth-interop',
    brokers: [c.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: c.password }) }
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
