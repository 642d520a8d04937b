"""The PyTorch equivalent of bench/vgg16_to_mycls.yaml, timed as a whole
process by bench/run.sh (interpreter start and `import torch` included, as a
user would run it):

    torch_peer.py IN.pt OUT.pt

torch.load the VGG16 state dict torch_prep.py wrote, keep conv*/fc6/fc7,
rename vgg_16/ -> mycls/, add a new 10-way fc8 (weights truncated normal
stddev 0.01 cut at 2 stddev like TF's truncated_normal, biases zeros),
torch.save the result. Freezing is a training-time flag in PyTorch
(requires_grad), so it costs nothing here.
"""
import sys

import torch


def main():
    src, dst = sys.argv[1:3]
    state = torch.load(src)
    out = {}
    for name, t in state.items():
        if name.startswith("vgg_16/fc8/"):
            continue
        out["mycls/" + name[len("vgg_16/"):]] = t
    w = torch.empty(1, 1, 4096, 10)
    torch.manual_seed(1234)
    torch.nn.init.trunc_normal_(w, mean=0.0, std=0.01, a=-0.02, b=0.02)
    out["mycls/fc8/weights"] = w
    out["mycls/fc8/biases"] = torch.zeros(10)
    torch.save(out, dst)


if __name__ == "__main__":
    main()
