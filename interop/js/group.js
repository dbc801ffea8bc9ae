// Two KafkaJS consumers in one group share a 3-partition topic: every
// record must be consumed exactly once between them, and DescribeGroups
// must show the group Stable with two members. Prints one JSON summary.
// Usage: node group.js HOST:PORT TOPIC RECORDS
const { Kafka, logLevel } = require('kafkajs')

const [broker, topic, total] = [process.argv[2], process.argv[3], Number(process.argv[4])]
const kafka = new Kafka({ clientId: 'group-test', brokers: [broker], logLevel: logLevel.WARN })
const groupId = 'kafkajs-pair'

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] })

  const seen = new Map() // value -> how many times
  const byMember = [0, 0]
  let done, crashed
  const allSeen = new Promise((resolve, reject) => { done = resolve; crashed = reject })
  // A member hears of a rebalance, and disconnect() returns, only when its
  // fetch does: KafkaJS's default fetch wait of 5s made the rejoin and
  // each of the two disconnects take 5s apiece.
  const consumers = [0, 1].map(() => kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500, maxWaitTimeInMs: 200 }))
  for (const [i, c] of consumers.entries()) {
    c.on(c.events.CRASH, (e) => crashed(e.payload.error))
    await c.connect()
    await c.subscribe({ topic, fromBeginning: true })
    await c.run({
      eachMessage: async ({ message }) => {
        const v = message.value.toString()
        seen.set(v, (seen.get(v) || 0) + 1)
        byMember[i]++
        if (seen.size === total) done()
      }
    })
  }

  // Produce only once both members are in, so that no record is read by
  // one member and then, uncommitted, again by the other after a rebalance.
  const stable = async () => {
    for (let tries = 0; tries < 100; tries++) {
      const g = (await admin.describeGroups([groupId])).groups[0]
      if (g.state === 'Stable' && g.members.length === 2) return g
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error('group never became Stable with 2 members')
  }
  await stable()

  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < total; i++) messages.push({ key: `k${i}`, value: `v${i}` })
  await producer.send({ topic, messages })
  await producer.disconnect()

  await allSeen
  const description = await stable()
  const duplicates = [...seen.values()].filter((n) => n > 1).length
  console.log(JSON.stringify({
    distinct: seen.size,
    duplicates,
    byMember,
    state: description.state,
    members: description.members.length
  }))
  for (const c of consumers) await c.disconnect()
  await admin.disconnect()
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
