exports.helloWorld = (req, res) => res.send("Hello from a library");
