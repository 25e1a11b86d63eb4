// kiln's Node.js cloudevent function fixture: a lone function.js, no package.json, no
// dependencies. Build it with FUNC_NAME=receive FUNC_SIGNATURE_TYPE=cloudevent.
exports.receive = async (cloudEvent) => {
  const order = cloudEvent.data || {};
  if (order.item === undefined) {
    throw new Error(`event ${cloudEvent.id} holds no order`);
  }
  console.log(`received ${cloudEvent.type} ${cloudEvent.id} from ${cloudEvent.source}: ${order.quantity} x ${order.item}`);
  // A value answers 200 with it; undefined answers 204, as in Google's framework.
  return order.quantity > 2 ? { accepted: order.quantity } : undefined;
};
