"""Where a CPU prediction pass of the small CNN spends its time, by operator (torch.profiler), and the same pass with
PyTorch's `nn.MaxPool2d` in place of bual's `MaxPool2x2` (the pooling before 2026-11-27).

    python benchmarks/cpu_profile.py [N_IMAGES]

Fashion-MNIST-shaped synthetic images (20,000 by default), batches of 128 as `bual run --profile cpu` scores them.
"""
import sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch
import torch.nn as nn
from bual.bench import synthetic_images
from bual.engine import DeviceData, TrainConfig, predict
from bual.models import make_model, MaxPool2x2

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
data = synthetic_images(n, (1, 28, 28))
images = DeviceData(data.x_train, data.mean, data.std, 'cpu', channels_last=True)
cfg, idx = TrainConfig(eval_batch_size=128), torch.arange(n)
model = make_model('small_cnn', 4, (1, 28, 28)).to(memory_format=torch.channels_last).eval()
body = model.backbone.body
for label in ('MaxPool2x2 (now)', 'nn.MaxPool2d (before)'):
    if label.startswith('nn.'):
        for i, m in enumerate(body):
            if isinstance(m, MaxPool2x2): body[i] = nn.MaxPool2d(2)
    predict(model, images, idx[:2048], cfg)   # warm-up
    with torch.profiler.profile() as prof: predict(model, images, idx, cfg)
    ops = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in ops)
    print(f'\n{label}: {n} images, {total / 1e6:.2f} s of CPU time ({torch.get_num_threads()} threads)')
    for e in sorted(ops, key=lambda e: -e.self_cpu_time_total)[:6]:
        print(f'  {e.key:<40} {100 * e.self_cpu_time_total / total:5.1f}%')
