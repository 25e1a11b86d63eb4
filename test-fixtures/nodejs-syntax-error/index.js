exports.hello = (req, res) => {
  res.send("hi");
  const broken = ;
};
