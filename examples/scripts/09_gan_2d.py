"""A toy GAN learning a 2-D ring of points (generator/discriminator MLPs, BCEWithLogits,
two Adam optimizers, detach for the discriminator step, eval-mode sampling)."""
import math

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(7)
np_rng = np.random.default_rng(7)


def real_batch(n):
    theta = np_rng.uniform(0, 2 * math.pi, size=n)
    pts = np.stack([np.cos(theta), np.sin(theta)], axis=1) * 2.0
    pts += np_rng.normal(0, 0.05, size=pts.shape)
    return torch.from_numpy(pts.astype(np.float32))


def noise(n):
    return torch.from_numpy(np_rng.normal(size=(n, 4)).astype(np.float32))


generator = nn.Sequential(nn.Linear(4, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))
discriminator = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))


def init_weights(m):
    if isinstance(m, nn.Linear):
        r = np.random.default_rng(m.in_features * 100 + m.out_features)
        bound = 1 / math.sqrt(m.in_features)
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(r.uniform(-bound, bound, size=tuple(m.weight.shape)).astype(np.float32)))
            m.bias.zero_()


generator.apply(init_weights)
discriminator.apply(init_weights)
print(generator)
print("G params:", sum(p.numel() for p in generator.parameters()),
      "D params:", sum(p.numel() for p in discriminator.parameters()))

criterion = nn.BCEWithLogitsLoss()
opt_g = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)

for step in range(301):
    real = real_batch(64)
    fake = generator(noise(64))

    opt_d.zero_grad()
    d_loss = criterion(discriminator(real), ones) + criterion(discriminator(fake.detach()), zeros)
    d_loss.backward()
    opt_d.step()

    opt_g.zero_grad()
    g_loss = criterion(discriminator(fake), ones)
    g_loss.backward()
    opt_g.step()
    if step % 100 == 0:
        print(f"step {step:3d}  d_loss {d_loss.item():.3f}  g_loss {g_loss.item():.3f}")

generator.eval()
with torch.no_grad():
    samples = generator(noise(500))
radius = samples.norm(dim=1)
print("samples:", samples.shape, samples.dtype, "requires_grad:", samples.requires_grad)
print("mean radius %.2f, std %.2f" % (radius.mean().item(), radius.std().item()))
print("mean radius within [1.0, 3.0]:", 1.0 < radius.mean().item() < 3.0)
print("D grads exist:", all(p.grad is not None for p in discriminator.parameters()))
