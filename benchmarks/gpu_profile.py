"""Where the time of a ResNet18 training step goes on CUDA, and what torch.compile adds to CUDA graphs.

Run from the repository root on a CUDA machine: `python benchmarks/gpu_profile.py`. Prints images/s for
the step variants and, from torch.profiler over eager steps, the GPU kernel time per step (the floor
that no launch-overhead removal can go under) and the kernels that dominate it.
"""
import sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bual.bench import synthetic_images, _train_steps_engine, bench_scoring
from bual.engine import TrainConfig, DeviceData, EagerStep, cross_entropy
from bual.models import make_model
from bual.core import generator

def line(*a): print(*a, flush=True)

if __name__ == '__main__':
    dev = torch.device('cuda')
    line(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    data = synthetic_images(50_000, (3, 32, 32))
    base = TrainConfig(batch_size=128, eval_batch_size=4096)
    r = bench_scoring('resnet18', data, dev, 50_000, base, workers=2)
    line(f"scoring resnet18 bf16+CL, warmed: engine {r['engine']:,.0f} img/s, reference {r['reference']:,.0f} img/s")
    for name, over in (('CUDA graphs (default)', {}), ('torch.compile + CUDA graphs', dict(compile=True)),
                       ('CUDA graphs, batch 256', dict(batch_size=256))):
        try:
            t = time.perf_counter()
            ips = _train_steps_engine(make_model('resnet18', 10, (3, 32, 32), 0), data, dev, TrainConfig(**{**base.__dict__, **over}), 200)
            line(f"train resnet18 {name}: {ips:,.0f} img/s (call {time.perf_counter()-t:.0f} s)")
        except Exception as e: line(f"train resnet18 {name}: FAILED {type(e).__name__}: {str(e)[:300]}")
    # kernel time per eager step
    m = make_model('resnet18', 10, (3, 32, 32), 0).to(dev).to(memory_format=torch.channels_last)
    dd = DeviceData(data.x_train, data.mean, data.std, dev, True, channels_last=True)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    step = EagerStep(m, opt, cross_entropy, base, dev)
    g = generator(0, dev); y = data.y_train.to(dev)
    torch.backends.cudnn.benchmark = True
    batches = [torch.randint(0, 50_000, (128,), device=dev, generator=g) for _ in range(30)]
    for b in batches[:10]: step(dd.batch(b, g), y[b])
    torch.cuda.synchronize()
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        t = time.perf_counter()
        for b in batches[10:]: step(dd.batch(b, g), y[b])
        torch.cuda.synchronize(); wall = (time.perf_counter() - t) / 20
    # kernel events only (operator rows would count the same kernels twice)
    kern = sum(e.time_range.elapsed_us() for e in prof.events() if e.device_type.name == 'CUDA') / 20 / 1e3
    line(f"eager step, batch 128: wall {wall*1e3:.2f} ms, GPU kernel time {kern:.2f} ms per step "
         f"(kernel-bound ceiling {128/kern*1e3:,.0f} img/s)")
    line(prof.key_averages().table(sort_by='self_device_time_total' if hasattr(prof.key_averages()[0], 'self_device_time_total') else 'self_cuda_time_total', row_limit=12, max_name_column_width=60))
