// test-fixtures/nodejs-http's answer to `GET /`, as a function for Google's framework.
exports.helloWorld = (req, res) => {
  res.set('Content-Type', 'text/plain; charset=utf-8').send(`Hello, ${req.query.name || 'World'}!\n`);
};
