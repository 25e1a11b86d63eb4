// Never served: pnpm does not read package-lock.json.
exports.hello = (req, res) => res.send('unreachable\n');
