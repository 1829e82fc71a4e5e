"""Transform cases run by torchvision 0.29.1 (to make tests/vision/data/torchvision_transforms.json) and by
ember (in test_transforms.py): each is fn(transforms, functional, pil_image, uint8_tensor, torch_module)."""
import numpy as np


def synthetic_image() -> np.ndarray:
    """A deterministic 96x128 RGB uint8 image: gradients plus noise."""
    rs = np.random.RandomState(0)
    y, x = np.mgrid[0:96, 0:128]
    base = np.stack([x * 2.0, y * 2.5, (x + y) * 1.0], -1) + rs.randint(0, 40, (96, 128, 3))
    return np.clip(base, 0, 255).astype(np.uint8)


def stats(a: np.ndarray) -> dict:
    """Shape, dtype and fixed random projections: enough to detect any changed value."""
    a64 = a.astype(np.float64)
    w = np.random.RandomState(1).rand(a.size).reshape(a.shape) if a.size else a64
    return {"shape": list(a.shape), "dtype": str(a.dtype), "sum": float(a64.sum()),
            "proj": float((a64 * w).sum()), "sq": float((a64 ** 2).sum())}


def cases() -> dict:
    """name -> case function."""
    C = {}
    C["seed_pipeline"] = lambda T, F, pil, t, tm: T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])(pil)
    C["resize_hw_totensor"] = lambda T, F, pil, t, tm: T.ToTensor()(T.Resize((100, 150))(pil))
    C["resize_bicubic"] = lambda T, F, pil, t, tm: T.PILToTensor()(T.Resize(64, interpolation=T.InterpolationMode.BICUBIC)(pil))
    C["resize_nearest"] = lambda T, F, pil, t, tm: T.PILToTensor()(T.Resize(64, interpolation=T.InterpolationMode.NEAREST)(pil))
    C["resize_maxsize"] = lambda T, F, pil, t, tm: T.PILToTensor()(T.Resize(100, max_size=120)(pil))
    C["centercrop_big"] = lambda T, F, pil, t, tm: T.PILToTensor()(T.CenterCrop((500, 700))(pil))
    C["t_resize_float"] = lambda T, F, pil, t, tm: F.resize(t.float() / 255, [120, 90])
    C["t_resize_float_up"] = lambda T, F, pil, t, tm: F.resize(t[:, :50, :60].float(), [130, 90])
    C["t_resize_float_noaa"] = lambda T, F, pil, t, tm: F.resize(t.float(), [120, 90], antialias=False)
    C["t_resize_bicubic"] = lambda T, F, pil, t, tm: F.resize(t.float(), [120, 90], interpolation=T.InterpolationMode.BICUBIC)
    C["t_resize_bicubic_noaa"] = lambda T, F, pil, t, tm: F.resize(t.float(), [120, 90], interpolation=T.InterpolationMode.BICUBIC, antialias=False)
    C["t_resize_nearest"] = lambda T, F, pil, t, tm: F.resize(t, [120, 90], interpolation=T.InterpolationMode.NEAREST)
    C["t_resize_nearest_exact"] = lambda T, F, pil, t, tm: F.resize(t, [120, 90], interpolation=T.InterpolationMode.NEAREST_EXACT)
    C["t_resize_u8"] = lambda T, F, pil, t, tm: F.resize(t, [120, 90])
    C["t_centercrop"] = lambda T, F, pil, t, tm: F.center_crop(t, [101, 77])
    C["t_centercrop_big"] = lambda T, F, pil, t, tm: F.center_crop(t, [500, 700])
    C["grayscale_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(T.Grayscale(3)(pil))
    C["grayscale_t"] = lambda T, F, pil, t, tm: T.Grayscale()(t)
    C["grayscale_tf"] = lambda T, F, pil, t, tm: T.Grayscale()(t.float() / 255)
    C["pad_pil_const"] = lambda T, F, pil, t, tm: F.pil_to_tensor(T.Pad((3, 5), fill=(10, 20, 30))(pil))
    C["pad_pil_reflect"] = lambda T, F, pil, t, tm: F.pil_to_tensor(T.Pad((1, 2, 3, 4), padding_mode="reflect")(pil))
    C["pad_pil_symm"] = lambda T, F, pil, t, tm: F.pil_to_tensor(T.Pad(4, padding_mode="symmetric")(pil))
    C["pad_pil_edge"] = lambda T, F, pil, t, tm: F.pil_to_tensor(T.Pad(4, padding_mode="edge")(pil))
    C["pad_t_reflect"] = lambda T, F, pil, t, tm: F.pad(t, [1, 2, 3, 4], padding_mode="reflect")
    C["pad_t_edge"] = lambda T, F, pil, t, tm: F.pad(t, [5, 2], padding_mode="edge")
    C["pad_t_symm"] = lambda T, F, pil, t, tm: F.pad(t, 3, padding_mode="symmetric")
    C["pad_t_const"] = lambda T, F, pil, t, tm: F.pad(t, [2, 3], fill=7)
    C["bright_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.adjust_brightness(pil, 1.3))
    C["contrast_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.adjust_contrast(pil, 0.6))
    C["sat_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.adjust_saturation(pil, 1.7))
    C["hue_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.adjust_hue(pil, 0.2))
    C["hue_pil_neg"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.adjust_hue(pil, -0.3))
    C["bright_t"] = lambda T, F, pil, t, tm: F.adjust_brightness(t, 1.3)
    C["contrast_t"] = lambda T, F, pil, t, tm: F.adjust_contrast(t, 0.6)
    C["contrast_tf"] = lambda T, F, pil, t, tm: F.adjust_contrast(t.float() / 255, 1.6)
    C["sat_t"] = lambda T, F, pil, t, tm: F.adjust_saturation(t, 1.7)
    C["hue_tf"] = lambda T, F, pil, t, tm: F.adjust_hue(t.float() / 255, 0.2)
    C["hue_t"] = lambda T, F, pil, t, tm: F.adjust_hue(t, -0.3)
    C["gamma_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.adjust_gamma(pil, 0.7))
    C["blur_t"] = lambda T, F, pil, t, tm: F.gaussian_blur(t.float(), [5, 3], [1.2, 0.7])
    C["blur_t_u8"] = lambda T, F, pil, t, tm: F.gaussian_blur(t, [5, 5], [1.5, 1.5])
    C["blur_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.gaussian_blur(pil, [7, 7], [2.0, 2.0]))
    C["rot_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.rotate(pil, 30.0))
    C["rot_pil_bil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.rotate(pil, -17.5, interpolation=T.InterpolationMode.BILINEAR, expand=True))
    C["rot_t"] = lambda T, F, pil, t, tm: F.rotate(t, 30.0)
    C["rot_t_bil"] = lambda T, F, pil, t, tm: F.rotate(t.float(), -17.5, interpolation=T.InterpolationMode.BILINEAR)
    C["rot_t_fill"] = lambda T, F, pil, t, tm: F.rotate(t.float(), 45.0, interpolation=T.InterpolationMode.BILINEAR, fill=[10.0, 20.0, 30.0])
    C["rot_t_center"] = lambda T, F, pil, t, tm: F.rotate(t, 90.0, center=[10, 20])
    C["convert_f2u8"] = lambda T, F, pil, t, tm: F.convert_image_dtype(t.float() / 255, tm.uint8)
    C["convert_u8_i32"] = lambda T, F, pil, t, tm: F.convert_image_dtype(t, tm.int32)
    C["convert_u8_f64"] = lambda T, F, pil, t, tm: F.convert_image_dtype(t, tm.float64)
    C["to_pil_roundtrip"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.to_pil_image(t.float() / 255 * 0.9))
    C["to_pil_gray"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.to_pil_image(t[:1]))
    C["invert_t"] = lambda T, F, pil, t, tm: F.invert(t)
    C["hflip_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.hflip(pil))
    C["vflip_t"] = lambda T, F, pil, t, tm: F.vflip(t)
    C["resized_crop_pil"] = lambda T, F, pil, t, tm: F.pil_to_tensor(F.resized_crop(pil, 10, 20, 200, 150, [64, 64]))
    C["to_tensor_gray"] = lambda T, F, pil, t, tm: F.to_tensor(pil.convert("L"))
    C["to_tensor_1"] = lambda T, F, pil, t, tm: F.to_tensor(pil.convert("1"))
    C["to_tensor_I"] = lambda T, F, pil, t, tm: F.to_tensor(pil.convert("I"))
    C["to_tensor_F"] = lambda T, F, pil, t, tm: F.to_tensor(pil.convert("F"))
    C["preset"] = lambda T, F, pil, t, tm: _preset(T)(crop_size=224, resize_size=232)(pil)
    C["preset_t"] = lambda T, F, pil, t, tm: _preset(T)(crop_size=64, resize_size=80)(t)
    return C


def _preset(T):
    if hasattr(T, "ImageClassification"):
        return T.ImageClassification
    return __import__("torchvision").transforms._presets.ImageClassification
