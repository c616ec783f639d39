// A two-hop reference for the gateway path (issue 14): the thinnest front door Node.js offers, its own http server
// relaying each request over pooled keep-alive connections (http.Agent) to the one-process peer (peer.js), no auth,
// no routing, no limits. Measured beside our gateway, it tells what a second process on the path costs on this machine
// whatever does the relaying.
// Usage: node proxy.js PORT UPSTREAM_PORT
const http = require('http');

const [port, upstream] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
http.createServer((req, res) => {
  const forwarded = http.request({ host: '127.0.0.1', port: upstream, path: req.url, method: req.method, headers: req.headers, agent }, answer => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  forwarded.on('error', e => { res.writeHead(502, { 'Content-Type': 'text/plain' }); res.end(String(e)); });
  req.pipe(forwarded);
}).listen(port, '127.0.0.1', () => console.log(`proxy listening on ${port}`));
