// KafkaJS's admin client against the broker: describe the cluster, create a
// topic, read its offsets, move partition 0 to this broker (a no-op) and
// partition 1 to a broker that does not exist (refused), and list the
// reassignments in progress. Prints one JSON summary line.
// Usage: node admin.js HOST:PORT TOPIC
const { Kafka, logLevel } = require('kafkajs')

const [broker, topic] = process.argv.slice(2)
const kafka = new Kafka({ clientId: 'kafkajs-admin', brokers: [broker], logLevel: logLevel.NOTHING })

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  const cluster = await admin.describeCluster()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
  const offsets = await admin.fetchTopicOffsets(topic)

  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [0] }] }] })
  let refused = null
  try {
    await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 1, replicas: [5] }] }] })
  } catch (e) {
    refused = e.type || (e.errors && e.errors[0] && e.errors[0].type) || e.message
  }
  const listed = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0, 1] }] })
  await admin.disconnect()

  console.log(JSON.stringify({
    brokers: cluster.brokers.map(b => b.nodeId),
    controller: cluster.controller,
    offsets: offsets.map(o => [o.partition, Number(o.offset)]),
    refused,
    reassigning: listed.topics.length
  }))
}

main().catch(e => { console.error(e); process.exit(1) })
