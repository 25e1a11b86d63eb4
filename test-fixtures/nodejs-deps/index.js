// A function with a dependency from the npm registry, installed with `npm ci` from the lockfile.
const ms = require('ms');

exports.uptime = (req, res) => {
  if (req.path === '/throw') throw new Error('nodejs-deps was asked to throw');
  if (req.path === '/slow') {
    setTimeout(() => res.type('text/plain').send(`waited ${ms(1000, { long: true })}\n`), 1000);
    return;
  }
  if (req.method === 'POST') {
    return res.status(201).json({ milliseconds: ms(req.body.duration) });
  }
  res.type('text/plain; charset=utf-8').send(`${req.query.duration} is ${ms(req.query.duration)} ms\n`);
};
