exports.hello = (req, res) => res.send("hi");
