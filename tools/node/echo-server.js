'use strict';
// A @grpc/grpc-js server for the Echo test service plus grpc.health.v1.
// Prints "PORT <n>" once listening on 127.0.0.1, then serves until stdin closes.
const { load } = require('./protos');
const { grpc, Echo, Health } = load();

const MIB = 1024 * 1024;

function replyPayload(request) {
  if (request.reply_payload_size <= 0) return request.payload;
  const bytes = Buffer.alloc(request.reply_payload_size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
  return bytes;
}

// Resolves to an error to end the call with, or null. Honors cancellation and deadlines.
function applyRequest(request, call) {
  return new Promise((resolve) => {
    const finish = () => {
      if (request.throw_unhandled) return resolve({ code: grpc.status.UNKNOWN, details: 'handler failed' });
      if (request.fail_code !== 0) return resolve({ code: request.fail_code, details: request.fail_message });
      resolve(null);
    };
    if (request.delay_ms <= 0) return finish();
    const timer = setTimeout(finish, request.delay_ms);
    call.on('cancelled', () => { clearTimeout(timer); resolve({ code: grpc.status.CANCELLED, details: 'cancelled' }); });
  });
}

function echoMetadata(call) {
  const incoming = call.metadata;
  const trailers = new grpc.Metadata();
  const echo = incoming.get('x-echo');
  if (echo.length > 0) {
    const headers = new grpc.Metadata();
    headers.set('x-echo-header', echo[0]);
    call.sendMetadata(headers);
    trailers.set('x-echo-trailer', echo[0]);
  }
  const binary = incoming.get('x-echo-bin');
  if (binary.length > 0) trailers.set('x-echo-bin', binary[0]);
  return trailers;
}

const echo = {
  async Unary(call, callback) {
    const error = await applyRequest(call.request, call);
    if (error) return callback(error);
    const trailers = echoMetadata(call);
    callback(null, { message: call.request.message, payload: replyPayload(call.request) }, trailers);
  },
  async ServerStream(call) {
    const trailers = echoMetadata(call);
    for (let i = 0; i < call.request.count; i++) {
      call.write({ message: call.request.message, index: i, payload: replyPayload(call.request) });
    }
    const error = await applyRequest(call.request, call);
    if (error) return call.emit('error', error);
    call.end(trailers);
  },
  ClientStream(call, callback) {
    const reply = { message: '', received_count: 0, received_bytes: 0 };
    let failed = false;
    call.on('data', (request) => {
      reply.received_count++;
      reply.received_bytes += request.payload.length;
      reply.message = request.message;
      if (request.fail_code !== 0 && !failed) { failed = true; callback({ code: request.fail_code, details: request.fail_message }); }
    });
    call.on('end', () => { if (!failed) callback(null, reply); });
  },
  BidiStream(call) {
    let index = 0;
    call.on('data', (request) => call.write({ message: request.message, index: index++ }));
    call.on('end', () => call.end());
  },
};

const health = {
  Check(call, callback) {
    if (call.request.service === '' || call.request.service === 'interop.test.v1.Echo') {
      return callback(null, { status: 'SERVING' });
    }
    callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
  },
};

const server = new grpc.Server({ 'grpc.max_receive_message_length': 4 * MIB });
server.addService(Echo.service, echo);
server.addService(Health.service, health);
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) { console.error(error); process.exit(1); }
  console.log(`PORT ${port}`);
});
process.stdin.on('end', () => server.forceShutdown());
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
