'use strict';
// grpc-js side of bench/grpc: N concurrent loops of unary Ping calls.
// Usage: node bench-client.js HOST:PORT CONCURRENCY WARMUP_SECONDS DURATION_SECONDS
// Prints one JSON line: {"calls":..,"seconds":..,"p50_us":..,"p99_us":..}
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync('bench.proto', {
  keepCase: true, longs: String, defaults: true,
  includeDirs: [path.resolve(__dirname, '..', '..', 'bench', 'grpc', 'GrpcBench', 'Protos')],
});
const { Bench } = grpc.loadPackageDefinition(definition).grpcbench.v1;

const [target, concurrencyText, warmupText, durationText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const client = new Bench(target, grpc.credentials.createInsecure());

function ping(sequence) {
  return new Promise((resolve, reject) => {
    client.Ping({ sequence: String(sequence), note: 'ping' }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

async function runLoops(seconds, latencies) {
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const loop = async () => {
    for (let sequence = 0; process.hrtime.bigint() < end; sequence++) {
      const started = process.hrtime.bigint();
      const reply = await ping(sequence);
      if (latencies) latencies.push(Number(process.hrtime.bigint() - started) / 1000);
      if (reply.sequence !== String(sequence)) throw new Error('reply does not match request');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
}

(async () => {
  await runLoops(Number(warmupText), null);
  const latencies = [];
  const started = process.hrtime.bigint();
  await runLoops(Number(durationText), latencies);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(JSON.stringify({ calls: latencies.length, seconds, p50_us: at(0.5), p99_us: at(0.99) }));
  client.close();
})().catch((error) => { console.error(error); process.exit(1); });
