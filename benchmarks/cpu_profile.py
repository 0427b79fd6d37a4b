"""Where the CPU cycle's small-CNN work spends its time, and what its prediction passes could still gain exactly:

1. a training epoch by operator (torch.profiler): batch 128, 6,000 images, as `bual run --profile cpu` trains;
2. prediction passes at other batch sizes: images/s, and whether the outputs are the same bits as at batch 128;
3. a prediction pass by operator, and the same pass with PyTorch's `nn.MaxPool2d` in place of bual's `MaxPool2x2`
   (the pooling before 2026-11-27).

    python benchmarks/cpu_profile.py [N_IMAGES]

Fashion-MNIST-shaped synthetic images (20,000 scored by default), PyTorch's usual thread count.
"""
import sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch
import torch.nn as nn
from bual.bench import synthetic_images
from bual.core import generator
from bual.engine import DeviceData, TrainConfig, fit, predict
from bual.models import make_model, MaxPool2x2

def show(prof, label:str, top:int=6):
    "The profile's total CPU time and its `top` operators by their own time."
    ops = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in ops)
    print(f'\n{label}: {total / 1e6:.2f} s of CPU time ({torch.get_num_threads()} threads)')
    for e in sorted(ops, key=lambda e: -e.self_cpu_time_total)[:top]:
        print(f'  {e.key:<40} {100 * e.self_cpu_time_total / total:5.1f}%')

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
data = synthetic_images(n, (1, 28, 28))
images = DeviceData(data.x_train, data.mean, data.std, 'cpu', channels_last=True)
idx = torch.arange(n)
model = make_model('small_cnn', 4, (1, 28, 28)).to(memory_format=torch.channels_last)

n_train = min(n, 6000)
train = lambda: fit(model, images, idx[:n_train], torch.as_tensor(data.y_train[:n_train]) % 4, TrainConfig(epochs=1, batch_size=128), generator(0))
train()   # warm-up
with torch.profiler.profile() as prof: train()
show(prof, f'a training epoch of {n_train} images, batch 128', top=10)

print(f'\nprediction passes over {n} images (logits), best of 3:')
ref = predict(model, images, idx, TrainConfig(eval_batch_size=128), 'logits')
for bs in (32, 64, 96, 128, 256, 512, 1024, 2048):
    cfg = TrainConfig(eval_batch_size=bs)
    predict(model, images, idx[:4096], cfg)   # warm-up
    seconds = []
    for _ in range(3):
        t = time.perf_counter(); out = predict(model, images, idx, cfg, 'logits'); seconds.append(time.perf_counter() - t)
    print(f'  batch {bs:>4}: {n / min(seconds):>8,.0f} images/s, the same bits as batch 128: {torch.equal(out, ref)}')

cfg, body = TrainConfig(eval_batch_size=128), model.backbone.body
for label in ('MaxPool2x2 (now)', 'nn.MaxPool2d (before)'):
    if label.startswith('nn.'):
        for i, m in enumerate(body):
            if isinstance(m, MaxPool2x2): body[i] = nn.MaxPool2d(2)
    predict(model, images, idx[:2048], cfg)   # warm-up
    with torch.profiler.profile() as prof: predict(model, images, idx, cfg)
    show(prof, f'a prediction pass with {label}, {n} images')
