// A function whose dependency is a native addon compiled from source at build time: bufferutil's
// WebSocket unmasking, in C. bufferutil loads it through node-gyp-build, which prefers the
// compiled build/Release binary over the prebuilt ones; answers name the binary it loaded.
const path = require('node:path');
const nodeGypBuild = require('node-gyp-build');
const bufferutil = require('bufferutil');

const addonDir = path.dirname(require.resolve('bufferutil/package.json'));
const addon = path.relative(addonDir, nodeGypBuild.path(addonDir));

// XORs `text` with the 4-byte `mask` (hex), as a WebSocket server unmasks a frame.
function unmask(text, mask) {
  const data = Buffer.from(text ?? '');
  bufferutil.unmask(data, Buffer.from(mask ?? '00000000', 'hex'));
  return data.toString();
}

exports.unmask = (req, res) => {
  if (req.path === '/throw') throw new Error('nodejs-native was asked to throw');
  if (req.path === '/slow') {
    setTimeout(() => res.type('text/plain').send('waited 1 second\n'), 1000);
    return;
  }
  if (req.method === 'POST' && (req.get('Content-Type') ?? '').startsWith('application/json')) {
    return res.json({ unmasked: unmask(req.body.text, req.body.mask), addon });
  }
  if (req.method === 'POST') {
    return res.status(202).set('X-Addon', addon).type('text/plain').send(unmask(req.body, req.query.mask));
  }
  res.type('text/plain').send(`${unmask(req.query.text, req.query.mask)}\n`);
};
