// An ES module function: `export`, a top-level await and an import of a sibling module.
import { greeting } from './greeting.mjs';

const started = await Promise.resolve(new Date(0).toISOString());

export async function greet(req, res) {
  if (req.path === '/throw') throw new Error('nodejs-esm was asked to throw');
  if (req.path === '/slow') {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return res.status(200).type('text/plain').send('slow ESM\n');
  }
  if (req.method === 'POST') {
    return res.status(201).json({ greeted: req.body.name, form: req.query.form ?? null });
  }
  res.set('X-Module', 'esm').type('text/plain; charset=utf-8').send(`${greeting(req.query.name)} (since ${started})\n`);
}
