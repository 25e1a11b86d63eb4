// A function whose dependency yarn 1 installs from yarn.lock.
const ms = require('ms');

module.exports.span = (req, res) => {
  if (req.path === '/throw') throw new Error('nodejs-yarn was asked to throw');
  if (req.path === '/slow') {
    setTimeout(() => res.type('text/plain').send(`yarn waited ${ms(1500)}\n`), 1500);
    return;
  }
  if (req.method === 'POST') return res.status(201).set('X-Span', req.body.span).json({ yarn: ms(req.body.span) });
  res.type('text/plain; charset=utf-8').send(`yarn: ${req.query.span} = ${ms(req.query.span)} ms\n`);
};
