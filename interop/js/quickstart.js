// The KafkaJS quickstart, unchanged but for the broker address: one client,
// a producer that sends two keyed messages, and a consumer in a group that
// prints each message it sees as a JSON line. Usage: node quickstart.js HOST:PORT
const { Kafka, logLevel } = require('kafkajs')

const kafka = new Kafka({ clientId: 'test-app', brokers: [process.argv[2]], logLevel: logLevel.WARN })

async function main () {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({
    topic: 'test-topic',
    messages: [
      { key: 'key1', value: 'Hello Kafka-RS!' },
      { key: 'key2', value: 'Educational implementation' }
    ]
  })
  await producer.disconnect()

  const consumer = kafka.consumer({ groupId: 'test-group' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'test-topic', fromBeginning: true })
  let seen = 0
  await new Promise((resolve, reject) => {
    // A consumer that gives up crashes; without this the process would
    // just run out of work and exit 0 having printed nothing.
    consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error))
    consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        console.log(JSON.stringify({
          topic,
          partition,
          offset: message.offset,
          key: message.key.toString(),
          value: message.value.toString()
        }))
        if (++seen === 2) resolve()
      }
    }).catch(reject)
  })
  await consumer.disconnect()
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
