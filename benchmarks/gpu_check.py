"""GPU check of the training engine and the loop: correctness on CUDA, then throughput figures.

Run on a CUDA machine from the repository root: `python benchmarks/gpu_check.py [--fashion DIR] [--quick]`.
Prints one line per check or figure; the numbers are what the README quotes, with the machine.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bual.data import load_digits_data, make_image_data, LOADERS
from bual.pools import generator
from bual.models import make_model
from bual.engine import TrainConfig, DeviceData, fit, predict, accuracy, random_crop_flip
from bual import loop

def line(*a): print(*a, flush=True)

def timed(fn, sync=True):
    torch.cuda.synchronize(); t = time.perf_counter(); out = fn(); torch.cuda.synchronize()
    return out, time.perf_counter() - t

def synthetic_cifar(n_train=50000, n_test=10000, n_classes=10, seed=0):
    "CIFAR-shaped uint8 data with class-dependent colour means, so models can learn it."
    g = torch.Generator().manual_seed(seed)
    def part(n):
        y = torch.randint(0, n_classes, (n,), generator=g)
        base = (torch.arange(n_classes)[:, None] * torch.tensor([23, 57, 101]) % 200 + 28).float()
        x = base[y][:, :, None, None] + 40 * torch.randn(n, 3, 32, 32, generator=g)
        return x.clamp(0, 255).to(torch.uint8), y
    xtr, ytr = part(n_train); xte, yte = part(n_test)
    return make_image_data('synthetic_cifar', xtr, ytr, xte, yte, [str(i) for i in range(n_classes)])

def check_augment(dev):
    probe = (torch.arange(81., device=dev) + 1).view(1, 1, 9, 9).expand(20000, 1, 9, 9)
    o = random_crop_flip(probe, 4, generator(1, dev), flip=False)[:, 0].flatten(1)
    first = (o > 0).float().argmax(1); v = o.gather(1, first[:, None])[:, 0].long() - 1
    dy = v // 9 + 4 - first // 9
    freq = torch.bincount(dy, minlength=9).float() / 20000
    flip = (random_crop_flip(probe, 0, generator(2, dev))[:, 0, 0, 0] == 9).float().mean().item()
    ok = bool((freq - 1/9).abs().max() < 0.01 and abs(flip - 0.5) < 0.02)
    line(f"augment on cuda: offsets uniform {ok and 'yes'}, max dev {float((freq-1/9).abs().max()):.4f}, flip rate {flip:.3f} -> {'OK' if ok else 'FAIL'}")
    return ok

def check_digits(dev):
    d = load_digits_data(); res = []
    for bf16, cl in ((True, True), (False, False)):
        tr = DeviceData(d.x_train, d.mean, d.std, dev, False, channels_last=cl)
        te = DeviceData(d.x_test, d.mean, d.std, dev, False, channels_last=cl)
        cfg = TrainConfig(epochs=30, batch_size=64, bf16=bf16, channels_last=cl)
        m = make_model('small_cnn', 10, d.image_shape, 0)
        fit(m, tr, torch.arange(400, device=dev), d.y_train[:400].to(dev), cfg, generator(0, dev))
        res.append(accuracy(m, te, d.y_test, cfg))
    ok = min(res) > 0.85
    line(f"small CNN on digits (cuda): accuracy bf16+channels_last {res[0]:.3f}, fp32 {res[1]:.3f} -> {'OK' if ok else 'FAIL'}")
    return ok

def check_loop(dev, fashion):
    t = time.perf_counter()
    r = loop.ActiveLearningRun(dataset='digits', strategy='b-margin', cycles=3, device='cuda', progress=False).run()
    ok = r['status'] == 'finished' and len(r['cycles']) == 3
    line(f"bual loop on cuda, digits b-margin 3 cycles: {time.perf_counter()-t:.1f} s, final acc {r['cycles'][-1]['accuracy']:.3f}, "
         f"precision {[round(c['precision'], 2) for c in r['cycles']]} -> {'OK' if ok else 'FAIL'}")
    if fashion:
        for prof in ('cpu',):
            t = time.perf_counter()
            r = loop.ActiveLearningRun(dataset='fashion_mnist', data_root=fashion, strategy='b-margin', cycles=2, profile=prof,
                                       device='cuda', progress=False).run()
            c = r['cycles']
            line(f"fashion_mnist b-margin, {prof} profile, 2 cycles on cuda: {time.perf_counter()-t:.1f} s; acc {[round(x['accuracy'],3) for x in c]}; "
                 f"phases cycle 1: fp {c[1]['time_fp']:.1f} aux {c[1]['time_aux']:.1f} rlnl {c[1]['time_rlnl']:.1f} select {c[1]['time_select']:.2f} s")
    return ok

def throughput(dev, data, bs, bf16, cl, steps=60, warm=10):
    tr = DeviceData(data.x_train, data.mean, data.std, dev, True, channels_last=cl)
    cfg = TrainConfig(epochs=1, batch_size=bs, bf16=bf16, channels_last=cl, eval_batch_size=4096)
    m = make_model('resnet18', 10, data.image_shape, 0)
    idx = torch.arange((steps + warm) * bs, device=dev) % len(data.x_train)
    y = data.y_train.to(dev)[idx]
    fit(m, tr, idx[:warm*bs], y[:warm*bs], cfg, generator(0, dev))
    _, dt = timed(lambda: fit(m, tr, idx[:steps*bs], y[:steps*bs], cfg, generator(1, dev)))
    train_ips = steps * bs / dt
    pidx = torch.arange(len(data.x_train), device=dev)
    predict(m, tr, pidx[:8192], cfg)
    _, dt = timed(lambda: predict(m, tr, pidx, cfg))
    return train_ips, len(pidx) / dt

def paper_cycle(dev, data, epochs):
    "One paper-scale CIFAR-10 cycle (K=4, 2000 labeled known + 1500 queried, b=1500, |D_sub|=5000) at `epochs` epochs."
    LOADERS['synthetic_cifar'] = lambda root=None, download=False: data
    loop.PROTOCOL['synthetic_cifar'] = dict(init_ratio=0.1, budget=1500, sub_size=5000)
    run = loop.ActiveLearningRun(dataset='synthetic_cifar', openness=0.6, strategy='b-margin', profile='paper', cycles=2,
                                 epochs=epochs, aux_epochs=epochs, nl_epochs=epochs, device='cuda', progress=False)
    run.step(); rec = run.step()   # the second cycle has f_aux too
    return rec

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--fashion', default=None); ap.add_argument('--paper-epochs', type=int, default=10)
    args = ap.parse_args()
    assert torch.cuda.is_available(), 'no CUDA device'
    dev = torch.device('cuda')
    line(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    ok = check_augment(dev) & check_digits(dev) & check_loop(dev, args.fashion)
    data = synthetic_cifar()
    for bs, bf16, cl in ((128, True, True), (128, False, False), (512, True, True)):
        tr, sc = throughput(dev, data, bs, bf16, cl)
        line(f"ResNet18 CIFAR-shaped, batch {bs}, bf16={bf16}, channels_last={cl}: train {tr:,.0f} img/s, scoring {sc:,.0f} img/s")
    rec = paper_cycle(dev, data, args.paper_epochs)
    line(f"paper-scale CIFAR-10-shaped cycle 1 at {args.paper_epochs}/{args.paper_epochs}/{args.paper_epochs} epochs: "
         f"{rec['time_total']:.1f} s (fp {rec['time_fp']:.1f}, aux {rec['time_aux']:.1f}, rlnl {rec['time_rlnl']:.1f}, "
         f"select {rec['time_select']:.2f}); labeled {rec['n_labeled_known']}+{rec['n_labeled_unknown']}, candidates {rec['n_candidates']}")
    line(f"peak GPU memory {torch.cuda.max_memory_allocated()/2**30:.2f} GiB")
    line('ALL CHECKS OK' if ok else 'SOME CHECKS FAILED')
