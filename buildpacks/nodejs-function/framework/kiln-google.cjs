'use strict';
// Serves a function with Google's Functions Framework (the app's own
// @google-cloud/functions-framework: its loader, which runs the declarative API's
// functions.http()/functions.cloudEvent() registrations, and its Express server), started the
// way every kiln function server starts: on FUNC_ADDRESS and PORT, draining requests in flight
// on SIGTERM. (Google's own main listens on every interface and answers requests in flight
// with an error on SIGTERM.) kiln/nodejs-function writes this file into a launch layer; the
// image runs `node kiln-google.cjs SOURCE TARGET SIGNATURE` (SOURCE: the function's directory).

const path = require('node:path');
const { listen } = require('./listen.cjs');

async function main() {
  const [source, target, signature] = process.argv.slice(2);
  // The app's own copy, found from the function's directory as its require() finds it; its
  // modules by file path, since the package's `exports` offers only its public API.
  const framework = path.dirname(require.resolve('@google-cloud/functions-framework', { paths: [source] }));
  const { parseOptions } = require(path.join(framework, 'options.js'));
  const { getUserFunction } = require(path.join(framework, 'loader.js'));
  const { getServer } = require(path.join(framework, 'server.js'));
  const options = parseOptions(
    ['node', 'kiln-google', `--target=${target}`, `--signature-type=${signature}`, `--source=${source}`],
    process.env,
  );
  const loaded = await getUserFunction(options.sourceLocation, options.target, options.signatureType);
  if (!loaded) {
    console.error(`Google's Functions Framework found no function ${target} in ${source}`);
    process.exit(1);
  }
  options.signatureType = loaded.signatureType;
  const server = getServer(loaded.userFunction, options);
  // Google's own main turns off the socket timeout too: functions may run long.
  server.setTimeout(0);
  listen(server, `the ${options.signatureType} function ${target} with Google's Functions Framework`);
}

main().catch((error) => {
  console.error(`Cannot start the function: ${(error && error.stack) || error}`);
  process.exit(1);
});
