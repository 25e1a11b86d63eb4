exports.uptime = (req, res) => res.send('never built: the lockfile is out of sync');
