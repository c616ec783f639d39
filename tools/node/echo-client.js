'use strict';
// A @grpc/grpc-js client that checks one behaviour of a server under test.
// Usage: node echo-client.js HOST:PORT CASE. Exits 0 when the server behaved, 1 with a reason otherwise.
const { load } = require('./protos');
const { grpc, Echo, Health, ServerReflection } = load();

const MIB = 1024 * 1024;
const [target, caseName] = process.argv.slice(2);
const options = { 'grpc.max_receive_message_length': 4 * MIB, 'grpc.max_send_message_length': 8 * MIB };
const echo = new Echo(target, grpc.credentials.createInsecure(), options);
const health = new Health(target, grpc.credentials.createInsecure(), options);

const deadline = (ms) => ({ deadline: new Date(Date.now() + ms) });

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function unary(client, method, request, metadata = new grpc.Metadata(), callOptions = deadline(10000)) {
  return new Promise((resolve, reject) => {
    const result = {};
    const call = client[method](request, metadata, callOptions, (error, response) => {
      if (error) return reject(error);
      result.response = response;
    });
    call.on('metadata', (headers) => { result.headers = headers; });
    call.on('status', (status) => {
      result.trailers = status.metadata;
      if (status.code === grpc.status.OK) resolve(result);
    });
  });
}

async function expectStatus(promise, code, details) {
  try {
    await promise;
  } catch (error) {
    expect(error.code === code, `expected status ${code}, got ${error.code} (${error.details})`);
    if (details !== undefined) expect(error.details === details, `expected detail ${JSON.stringify(details)}, got ${JSON.stringify(error.details)}`);
    return error;
  }
  throw new Error(`expected status ${code}, the call succeeded`);
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const items = [];
    stream.on('data', (item) => items.push(item));
    stream.on('error', reject);
    stream.on('end', () => resolve(items));
  });
}

const cases = {
  async unary() {
    const { response } = await unary(echo, 'Unary', { message: 'héllo' });
    expect(response.message === 'héllo', `wrong echo ${response.message}`);
  },
  async server_stream() {
    const replies = await collect(echo.ServerStream({ message: 's', count: 25 }, deadline(10000)));
    expect(replies.map((r) => r.index).join() === [...Array(25).keys()].join(), `wrong indexes ${replies.map((r) => r.index)}`);
  },
  async client_stream() {
    const reply = await new Promise((resolve, reject) => {
      const call = echo.ClientStream(deadline(10000), (error, response) => (error ? reject(error) : resolve(response)));
      for (let i = 0; i < 20; i++) call.write({ message: `m${i}`, payload: Buffer.alloc(1000, 1) });
      call.end();
    });
    expect(reply.received_count === 20 && reply.received_bytes === 20000, `wrong counts ${JSON.stringify(reply)}`);
  },
  async bidi_stream() {
    const call = echo.BidiStream(deadline(10000));
    for (let i = 0; i < 5; i++) call.write({ message: `b${i}` });
    call.end();
    const replies = await collect(call);
    expect(replies.map((r) => r.message).join() === 'b0,b1,b2,b3,b4', `wrong replies ${replies.map((r) => r.message)}`);
  },
  async deadline() {
    const started = Date.now();
    await expectStatus(unary(echo, 'Unary', { delay_ms: 10000 }, new grpc.Metadata(), deadline(300)), grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started < 5000, 'deadline did not end the call promptly');
  },
  async error_status() {
    const detail = "model 'ünïcode' 100% gone\nnext line";
    await expectStatus(unary(echo, 'Unary', { fail_code: 5, fail_message: detail }), grpc.status.NOT_FOUND, detail);
  },
  async unhandled() {
    const error = await expectStatus(unary(echo, 'Unary', { throw_unhandled: true }), grpc.status.INTERNAL);
    expect(!String(error.details).includes('secret'), 'exception text leaked to the client');
  },
  async unimplemented() {
    await expectStatus(unary(echo, 'Missing', {}), grpc.status.UNIMPLEMENTED);
  },
  async big_message() {
    const payload = Buffer.alloc(3 * MIB);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    const { response } = await unary(echo, 'Unary', { payload, reply_payload_size: 3 * MIB }, new grpc.Metadata(), deadline(30000));
    expect(Buffer.compare(response.payload, payload) === 0, '3 MiB payload corrupted');
  },
  async too_big() {
    await expectStatus(unary(echo, 'Unary', { payload: Buffer.alloc(5 * MIB) }, new grpc.Metadata(), deadline(30000)), grpc.status.RESOURCE_EXHAUSTED);
  },
  async metadata() {
    const metadata = new grpc.Metadata();
    metadata.set('x-echo', 'abc 123');
    metadata.set('x-echo-bin', Buffer.from([0, 1, 2, 250, 255]));
    const { headers, trailers } = await unary(echo, 'Unary', {}, metadata);
    expect(headers.get('x-echo-header')[0] === 'abc 123', `headers ${JSON.stringify(headers.getMap())}`);
    expect(trailers.get('x-echo-trailer')[0] === 'abc 123', `trailers ${JSON.stringify(trailers.getMap())}`);
    expect(Buffer.compare(trailers.get('x-echo-bin')[0], Buffer.from([0, 1, 2, 250, 255])) === 0, 'binary trailer');
  },
  async health() {
    const { response } = await unary(health, 'Check', { service: '' });
    expect(response.status === 'SERVING', `overall ${response.status}`);
    await expectStatus(unary(health, 'Check', { service: 'no.such.Service' }), grpc.status.NOT_FOUND);
  },
  async reflection() {
    const reflection = new ServerReflection(target, grpc.credentials.createInsecure());
    const call = reflection.ServerReflectionInfo(deadline(10000));
    call.write({ list_services: '' });
    call.end();
    const [response] = await collect(call);
    const names = response.list_services_response.service.map((s) => s.name);
    expect(names.includes('interop.test.v1.Echo') && names.includes('grpc.health.v1.Health'), `listed ${names}`);
  },
};

cases[caseName]()
  .then(() => { console.log(`PASS ${caseName}`); process.exit(0); })
  .catch((error) => { console.log(`FAIL ${caseName}: ${error.message}`); process.exit(1); });
