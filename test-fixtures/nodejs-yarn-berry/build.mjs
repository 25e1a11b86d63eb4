// The build step: it needs the dev dependency is-number, which must not reach the image.
import isNumber from 'is-number';
import { writeFileSync } from 'node:fs';

const unit = 'berry';
if (isNumber(unit)) throw new Error('a word is no number');
writeFileSync(new URL('./unit.json', import.meta.url), `${JSON.stringify({ unit })}\n`);
