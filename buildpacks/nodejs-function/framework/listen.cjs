'use strict';
// Where and how long kiln's Node.js servers listen, the contract every kiln language keeps:
// PORT (default 8080) and FUNC_ADDRESS (unset or empty: every interface); SIGTERM or SIGINT
// stops accepting connections and lets the requests in flight finish, for at most
// SHUTDOWN_GRACE_MS (as kiln's Go server), then the process exits 0.

const SHUTDOWN_GRACE_MS = 10_000;

// Starts `server` and logs `what` ("the http function hello") once it listens.
function listen(server, what) {
  const port = Number(process.env.PORT || 8080);
  const host = process.env.FUNC_ADDRESS || undefined;
  server.on('error', (error) => {
    console.error(`Cannot serve on ${host || '*'}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => console.error(`Serving ${what} on ${host || '*'}:${port}`));
  const stop = () => {
    console.error(`Stopping: finishing requests in flight (at most ${SHUTDOWN_GRACE_MS / 1000} s)`);
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => {
      console.error('Requests were still running when the grace period ended');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

module.exports = { listen };
