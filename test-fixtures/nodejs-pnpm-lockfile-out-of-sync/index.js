// Never served: pnpm refuses the stale lockfile first.
exports.hello = (req, res) => res.send('unreachable\n');
