// An ES module function whose dependencies yarn 4 installs from yarn.lock into node_modules.
import ms from 'ms';
import { readFileSync } from 'node:fs';

const { unit } = JSON.parse(readFileSync(new URL('./unit.json', import.meta.url), 'utf8'));

export async function measure(req, res) {
  if (req.path === '/throw') throw new Error('nodejs-yarn-berry was asked to throw');
  if (req.path === '/slow') {
    await new Promise((resolve) => setTimeout(resolve, 1200));
    res.type('text/plain').send(`${unit} waited ${ms(1200)}\n`);
    return;
  }
  if (req.method === 'POST') {
    res.status(201).json({ [unit]: ms(Number(req.body.milliseconds)) });
    return;
  }
  res.type('text/plain; charset=utf-8').send(`${unit}: ${req.query.span} = ${ms(req.query.span)} ms\n`);
}
