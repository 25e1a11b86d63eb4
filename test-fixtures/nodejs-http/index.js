// kiln's Node.js http function fixture (CommonJS, no dependencies): build it with
// FUNC_NAME=helloWorld. It uses the Express API that Google Cloud Functions gives functions.
exports.helloWorld = async (req, res) => {
  switch (req.path) {
    case '/throw':
      throw new Error('nodejs-http was asked to throw');
    case '/reject':
      return Promise.reject(new Error('nodejs-http was asked to reject'));
    case '/slow':
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return res.type('text/plain; charset=utf-8').send('Hello after a second\n');
    case '/old':
      return res.redirect(301, '/');
    case '/teapot':
      return res.sendStatus(418);
  }
  if (req.method === 'POST' && typeof req.body === 'string') {
    // text/plain arrives as a string; answer with a status and headers of our own.
    return res.status(202).header('X-Echo', req.body).set({ 'Content-Type': 'text/plain; charset=utf-8' }).send(req.body.toUpperCase());
  }
  if (req.method === 'POST') {
    // JSON arrives parsed, with the bytes as they came in req.rawBody.
    return res.status(201).json({ received: req.body, bytes: req.rawBody.length, form: req.get('Content-Type') });
  }
  res.set('Content-Type', 'text/plain; charset=utf-8').send(`Hello, ${req.query.name || 'World'}!\n`);
};
