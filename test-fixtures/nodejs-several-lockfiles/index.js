// Never served: the build cannot tell npm's lockfile from yarn's.
exports.hello = (req, res) => res.send('unreachable\n');
