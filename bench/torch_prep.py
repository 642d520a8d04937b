#!/usr/bin/python3
"""Untimed setup for the PyTorch peer: writes the VGG16 checkpoint's tensors
as a PyTorch state dict (torch.save, the format torch loads natively), so the
timed peer (torch_peer.py) starts from the same tensors surgeon reads.

    torch_prep.py INSPECT_JSON DATA_FILE OUT.pt

INSPECT_JSON is `surgeon inspect --json PREFIX` of a single-shard float32
checkpoint; DATA_FILE its .data-00000-of-00001. Keys are the TF names.
"""
import json
import sys

import numpy as np
import torch


def main():
    inspect_json, data_file, out = sys.argv[1:4]
    meta = json.load(open(inspect_json))
    raw = np.memmap(data_file, dtype=np.uint8, mode="r")
    state = {}
    for t in meta["tensors"]:
        if t["dtype"] != "DT_FLOAT" or t.get("shard_id", 0) != 0:
            sys.exit(f"torch_prep: {t['name']}: only single-shard float32 tensors are supported")
        b = raw[t["offset"]:t["offset"] + t["size"]]
        state[t["name"]] = torch.from_numpy(np.array(b).view(np.float32).reshape(t["shape"]))
    torch.save(state, out)


if __name__ == "__main__":
    main()
