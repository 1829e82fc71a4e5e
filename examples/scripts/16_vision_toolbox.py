"""torchvision beyond the basics: deterministic transforms on a real photo (tensor and PIL
paths), make_grid/save_image, FakeData, model zoo shapes and parameter counts."""
import glob
import os
import tempfile

import sklearn
import torch
import torchvision
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.utils import make_grid, save_image

torch.manual_seed(0)
path = sorted(glob.glob(os.path.join(os.path.dirname(sklearn.__file__), "datasets", "images", "*.jpg")))[0]
img = Image.open(path).convert("RGB").resize((64, 48))
t = TF.to_tensor(img)
print("to_tensor:", t.shape, t.dtype, "mean %.4f" % t.mean().item())


def stats(x):
    x = x if isinstance(x, torch.Tensor) else TF.pil_to_tensor(x)
    return f"{tuple(x.shape)} {x.dtype} sum={x.double().sum().item():.2f}"


print("center_crop:", stats(TF.center_crop(t, [32, 40])))
print("crop:", stats(TF.crop(t, 4, 8, 16, 20)))
print("pad reflect:", stats(TF.pad(t, [2, 3], padding_mode="reflect")))
print("pad constant PIL:", stats(TF.pad(img, 4, fill=(255, 0, 0))))
print("vflip:", torch.equal(TF.vflip(t)[:, 0], t[:, -1]))
print("rotate 90 expand:", stats(TF.rotate(t, 90, expand=True)))
print("rgb_to_grayscale:", stats(TF.rgb_to_grayscale(t)))
print("grayscale PIL:", stats(TF.to_grayscale(img, num_output_channels=3)))
print("adjust_brightness:", stats(TF.adjust_brightness(t, 1.5)))
print("adjust_contrast:", stats(TF.adjust_contrast(t, 0.5)))
print("adjust_saturation:", stats(TF.adjust_saturation(t, 0.0)))
print("normalize:", stats(TF.normalize(t, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25])))
print("convert_image_dtype:", stats(TF.convert_image_dtype(t, torch.uint8)))
print("to_pil_image roundtrip:", torch.equal(TF.pil_to_tensor(TF.to_pil_image(TF.pil_to_tensor(img))), TF.pil_to_tensor(img)))
print("resize PIL:", stats(TF.resize(img, [24, 32])))
print("resize tensor antialias:", stats(TF.resize(TF.pil_to_tensor(img), [24, 32], antialias=True)))
print("resize nearest:", stats(TF.resize(t, [12, 16], interpolation=T.InterpolationMode.NEAREST)))
print("five_crop:", [tuple(c.shape) for c in TF.five_crop(t, 16)], "ten_crop:", len(TF.ten_crop(t, [8, 12])))
print("affine:", stats(TF.affine(t, 15.0, [3, -2], 0.9, [5.0, 2.0], interpolation=T.InterpolationMode.BILINEAR)))
print("affine PIL:", stats(TF.affine(img, -20.0, [1, 1], 1.1, 3.0)))
print("solarize/posterize/equalize:", stats(TF.solarize(t, 0.6)), stats(TF.posterize(TF.pil_to_tensor(img), 2)), stats(TF.equalize(img)))
print("autocontrast/sharpness:", stats(TF.autocontrast(t)), stats(TF.adjust_sharpness(TF.pil_to_tensor(img), 3.0)))
print("get_image_size:", TF.get_image_size(t), TF.get_image_num_channels(t))

aug = T.Compose([T.RandomResizedCrop(32, scale=(0.5, 1.0)), T.RandomHorizontalFlip(), T.ColorJitter(0.2, 0.2, 0.2, 0.05),
                 T.RandomRotation(10), T.RandomAffine(5, translate=(0.1, 0.1), shear=2), T.RandomEqualize(),
                 T.ToTensor(), T.RandomErasing(p=1.0)])
print(T.Compose([T.FiveCrop(8), T.Lambda(lambda crops: torch.stack([T.ToTensor()(c) for c in crops]))])(img).shape)
print(aug)
out = aug(img)
print("augmented:", out.shape, out.dtype, "in [0, 1]:", bool(((out >= 0) & (out <= 1)).all()))
print("lambda:", T.Lambda(lambda x: x * 2)(torch.ones(1)))
print("ConvertImageDtype:", T.ConvertImageDtype(torch.float64)(TF.pil_to_tensor(img)).dtype)
print("RandomApply p=0:", torch.equal(T.RandomApply([T.Lambda(lambda x: x * 0)], p=0.0)(t), t))

batch = torch.stack([t, TF.hflip(t), TF.vflip(t), 1 - t])
grid = make_grid(batch, nrow=2, padding=2, pad_value=1.0)
print("make_grid:", stats(grid))
print("make_grid normalize:", stats(make_grid(batch * 5 - 1, nrow=3, normalize=True)))
with tempfile.TemporaryDirectory() as d:
    out_path = os.path.join(d, "grid.png")
    save_image(batch, out_path, nrow=2)
    back = Image.open(out_path)
    print("save_image:", back.size, back.mode, stats(back))

fake = torchvision.datasets.FakeData(size=5, image_size=(3, 8, 8), num_classes=4, transform=T.ToTensor())
x0, y0 = fake[0]
print("FakeData:", len(fake), x0.shape, x0.dtype, type(y0).__name__, 0 <= y0 < 4)

from torchvision import models

for name in ["resnet18", "resnet50", "alexnet", "mobilenet_v2", "squeezenet1_0", "densenet121"]:
    m = getattr(models, name)(weights=None, num_classes=10)
    n = sum(p.numel() for p in m.parameters())
    print(f"{name}: {n} params")
m = models.resnet18(weights=None).eval()
with torch.no_grad():
    print("resnet18 on 1x3x64x64:", m(torch.zeros(1, 3, 64, 64)).shape)
print("weights enum:", models.ResNet18_Weights.DEFAULT, models.ResNet18_Weights.IMAGENET1K_V1.meta["num_params"])
print("transforms of weights:", models.ResNet18_Weights.IMAGENET1K_V1.transforms())
print("list_models has resnet18:", "resnet18" in models.list_models())
