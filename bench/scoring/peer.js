// The one-process peer the scoring path is measured against (issue 14): Node.js's own http server and the official
// onnxruntime-node binding, no auth, no routing, no limits. POST /score with {"data": [[...], ...]} (rows of the
// model's one input) answers the model's first output as nested rows, as our node's /models/{m}/score does.
// Usage: node peer.js MODEL.onnx PORT   (run.sh installs onnxruntime-node into out/peer first)
const http = require('http');
const ort = require('onnxruntime-node');

async function main() {
  const [model, port] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  http.createServer((req, res) => {
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', async () => {
      try {
        const rows = JSON.parse(Buffer.concat(chunks)).data;
        const width = rows[0].length;
        const tensor = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]);
        const result = (await session.run({ [input]: tensor }))[output];
        const [n, k] = result.dims;
        const answer = [];
        for (let r = 0; r < n; r++) answer.push(Array.from(result.data.subarray(r * k, (r + 1) * k)));
        const body = JSON.stringify(answer);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      } catch (e) {
        res.writeHead(400, { 'Content-Type': 'text/plain' });
        res.end(String(e));
      }
    });
  }).listen(Number(port), '127.0.0.1', () => console.log(`peer listening on ${port}`));
}

main().catch(e => { console.error(e); process.exit(1); });
