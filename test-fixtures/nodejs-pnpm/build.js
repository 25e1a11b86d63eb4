// The build step: it needs the dev dependency is-number, which must not reach the image.
const isNumber = require('is-number');
const limits = { slowMilliseconds: 1000 };
if (!isNumber(limits.slowMilliseconds)) throw new Error('not a number');
require('fs').writeFileSync(`${__dirname}/limits.json`, `${JSON.stringify(limits)}\n`);
