// Broken on purpose: built with FUNC_NAME=hello, it exports only goodbye (and a value).
exports.goodbye = (req, res) => res.send('Goodbye!');
exports.settings = { polite: true };
