// kiln/nodejs-function's build-time inspector: loads the function's module as the server will
// (import(), so CommonJS and ESM both work) and prints its exports as JSON, one entry per name
// with its type and, for functions, how many parameters it declares. The buildpack checks
// FUNC_NAME and the signature against this list before the image is made.
//   node inspect-exports.mjs MODULE  ->  {"exports": [{"name": "hello", "type": "function", "length": 2}]}
// A module that throws while loading fails with its stack on stderr, exit status 2.
import { pathToFileURL } from 'node:url';

const [modulePath] = process.argv.slice(2);
let module;
try {
  module = await import(pathToFileURL(modulePath).href);
} catch (error) {
  process.stderr.write(`${(error && error.stack) || error}\n`);
  process.exit(2);
}
const exports = new Map();
const add = (name, value) => {
  // Node.js 24 also names the whole of a CommonJS module `module.exports`.
  if (name === 'default' || name === '__esModule' || name === 'module.exports' || exports.has(name)) return;
  const entry = { name, type: typeof value };
  if (typeof value === 'function') entry.length = value.length;
  exports.set(name, entry);
};
for (const [name, value] of Object.entries(module)) add(name, value);
// CommonJS: module.exports is the default export; its properties are what FUNC_NAME names.
if (module.default !== null && typeof module.default === 'object') {
  for (const [name, value] of Object.entries(module.default)) add(name, value);
}
process.stdout.write(`${JSON.stringify({ exports: [...exports.values()] })}\n`);
// A module that starts timers or servers while loading must not keep the build waiting.
process.exit(0);
