// A function registered with Google's declarative API: kiln serves it with Google's framework.
const functions = require('@google-cloud/functions-framework');

functions.http('helloGcf', async (req, res) => {
  if (req.path === '/throw') throw new Error('nodejs-gcf was asked to throw');
  if (req.path === '/slow') {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return res.type('text/plain').send('Google, slowly\n');
  }
  if (req.method === 'POST') {
    return res.status(201).json({ received: req.body, via: 'functions-framework' });
  }
  res.type('text/plain; charset=utf-8').send(`Hello from Google's framework, ${req.query.name || 'World'}!\n`);
});
