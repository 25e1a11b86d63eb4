// The baseline for kiln's Node.js function server: a bare node:http server with the same
// answer as test-fixtures/nodejs-http's helloWorld to `GET /`.
const http = require('node:http');

http
  .createServer((req, res) => {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Hello, World!\n');
  })
  .listen(Number(process.env.PORT || 8080), '127.0.0.1');
