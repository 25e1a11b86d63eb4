// Never served: the package manager fails its digest check first.
exports.hello = (req, res) => res.send('unreachable\n');
