'use strict';
// grpc-js side of bench/grpc: the Bench service on 127.0.0.1:0. Prints "PORT <n>"; stops when stdin closes.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const definition = protoLoader.loadSync('bench.proto', {
  keepCase: true, longs: String, defaults: true,
  includeDirs: [path.resolve(__dirname, '..', '..', 'bench', 'grpc', 'GrpcBench', 'Protos')],
});
const { Bench } = grpc.loadPackageDefinition(definition).grpcbench.v1;

const server = new grpc.Server();
server.addService(Bench.service, {
  Ping(call, callback) {
    callback(null, { sequence: call.request.sequence, note: call.request.note });
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) { console.error(error); process.exit(1); }
  console.log(`PORT ${port}`);
});
process.stdin.on('end', () => { server.forceShutdown(); process.exit(0); });
process.stdin.resume();
