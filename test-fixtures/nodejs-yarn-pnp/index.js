// Never served: the build refuses Plug'n'Play before installing.
exports.hello = (req, res) => res.send('unreachable\n');
