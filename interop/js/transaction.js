// A KafkaJS transactional producer, as KafkaJS's docs set one up
// (transactionalId, idempotent, maxInFlightRequests 1): one transaction
// committed, one aborted, then a read_committed consumer (KafkaJS's
// default, readUncommitted: false) that prints, as one JSON line, the
// values it saw. Usage: node transaction.js HOST:PORT TOPIC
const { Kafka, logLevel } = require('kafkajs')

const kafka = new Kafka({ clientId: 'txn-app', brokers: [process.argv[2]], logLevel: logLevel.WARN })
const topic = process.argv[3]

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true })
  await admin.disconnect()

  const producer = kafka.producer({ transactionalId: 'kafkajs-txn', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  for (const [prefix, commit] of [['commit', true], ['abort', false], ['commit2', true]]) {
    const txn = await producer.transaction()
    await txn.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ key: `${i}`, value: `${prefix}-${i}` })) })
    if (commit) await txn.commit()
    else await txn.abort()
  }
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: 'kafkajs-txn-group', readUncommitted: false, maxWaitTimeInMs: 200 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = []
  await new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error))
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString())
        // Ten committed records; wait a little longer for any extra.
        if (seen.length === 10) setTimeout(resolve, 1000)
      }
    }).catch(reject)
  })
  await consumer.disconnect()
  console.log(JSON.stringify(seen.sort()))
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
