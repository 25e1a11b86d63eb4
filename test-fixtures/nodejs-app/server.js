// A plain Node.js app: it listens on PORT itself (kiln sets it; 8080 by default).
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
http
  .createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end(`Hello from kiln nodejs-app on Node.js ${process.version}\n`);
  })
  .listen(port, process.env.FUNC_ADDRESS || undefined);
process.once('SIGTERM', () => process.exit(0));
