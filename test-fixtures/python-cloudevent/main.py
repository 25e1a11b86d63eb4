"""kiln's python-cloudevent fixture: a cloudevent function, as Google Cloud Functions writes
them (see contract.toml)."""

import sys


def receive(cloud_event):
    order = cloud_event.data
    if "item" not in order:
        raise KeyError(f"event {cloud_event['id']} holds no order")
    print(
        f"received {cloud_event['type']} {cloud_event['id']} from {cloud_event['source']}: "
        f"{order['quantity']} x {order['item']}",
        file=sys.stderr,
    )
