// A function whose dependencies pnpm installs from pnpm-lock.yaml; limits.json is written by
// the build script.
const ms = require('ms');
const { slowMilliseconds } = require('./limits.json');

exports.duration = async (req, res) => {
  if (req.path === '/throw') throw new Error('nodejs-pnpm was asked to throw');
  if (req.path === '/slow') {
    await new Promise((resolve) => setTimeout(resolve, slowMilliseconds));
    return res.type('text/plain').send(`pnpm waited ${ms(slowMilliseconds)}\n`);
  }
  if (req.method === 'POST') return res.status(202).json({ pnpm: ms(req.body.milliseconds, { long: true }) });
  res.type('text/plain; charset=utf-8').send(`pnpm: ${req.query.span} = ${ms(req.query.span)} ms\n`);
};
