// Broken on purpose: built as an http function (FUNC_NAME=hello), it takes one parameter,
// as a cloudevent function does.
exports.hello = (cloudEvent) => console.log(cloudEvent.id);
