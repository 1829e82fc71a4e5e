"""Classify an image with an ImageNet-pretrained model, as the seed notebook does.

    python examples/classify.py IMAGE [--weights PATH] [--model resnet101]

Without --weights the model's default weights come from the hub cache (downloaded once into
$EMBER_HOME/hub/checkpoints, or read from an existing torch cache); --weights loads a local
.pth state_dict instead. Prints the top-5 classes with their softmax percentages.
"""
from __future__ import annotations

import argparse
import sys

import ember as torch
from ember.vision import models, transforms


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("image", help="path of an image file (any format Pillow reads)")
    ap.add_argument("--weights", help="local state_dict (.pth) to use instead of the default weights")
    ap.add_argument("--model", default="resnet101", help="model name from ember.vision.models.list_models()")
    ap.add_argument("--topk", type=int, default=5)
    args = ap.parse_args(argv)

    from PIL import Image

    enum = models.get_model_weights(args.model)
    weights = enum.DEFAULT
    if args.weights:
        model = models.get_model(args.model)
        model.load_state_dict(torch.load(args.weights, map_location="cpu"))
    else:
        model = models.get_model(args.model, weights=weights)
    model.eval()
    labels = weights.meta["categories"]

    preprocess = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    img = Image.open(args.image).convert("RGB")
    batch_t = torch.unsqueeze(preprocess(img), 0)
    with torch.no_grad():
        out = model(batch_t)
    percentage = torch.nn.functional.softmax(out, dim=1)[0] * 100
    _, indices = torch.sort(out, descending=True)
    for idx in indices[0][:args.topk].tolist():
        print(f"{labels[idx]}: {percentage[idx].item():.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
