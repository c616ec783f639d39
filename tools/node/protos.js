'use strict';
// Loads the Echo test service and the standard health/reflection protos with @grpc/proto-loader,
// from the repository's own .proto files (the same ones our C# side is generated from).
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const repo = path.resolve(__dirname, '..', '..');

function load() {
  const definition = protoLoader.loadSync(
    ['interop/test/v1/echo.proto', 'grpc/health/v1/health.proto', 'grpc/reflection/v1alpha/reflection.proto'],
    {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [path.join(repo, 'tests/GrpcInterop.Tests/Protos'), path.join(repo, 'tests/GrpcInterop.Tests/PeerProtos')],
    });
  const loaded = grpc.loadPackageDefinition(definition);
  return {
    grpc,
    Echo: loaded.interop.test.v1.Echo,
    Health: loaded.grpc.health.v1.Health,
    ServerReflection: loaded.grpc.reflection.v1alpha.ServerReflection,
  };
}

module.exports = { load };
