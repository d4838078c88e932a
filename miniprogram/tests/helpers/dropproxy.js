// A TCP proxy in front of the backend that can drop a connection after the server has answered
// (so the server has committed) but before the phone receives a byte of the answer.
const net = require('net');

function startDropProxy(targetPort) {
  let armed = 0;
  const dropped = [];
  const server = net.createServer((client) => {
    const drop = armed > 0;
    if (drop) armed -= 1;
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      if (drop) {
        dropped.push(chunk.toString('utf8').split('\r\n')[0]);
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      base: `http://127.0.0.1:${server.address().port}`,
      dropNext() { armed += 1; },
      dropped,
      close: () => new Promise((r) => server.close(r)),
    }));
  });
}

module.exports = { startDropProxy };
