"""GPU check of the training engine and the loop: do they compute the right thing on CUDA?

Run on a CUDA machine from the repository root: `python benchmarks/gpu_check.py [--fashion DIR]` (`--cpu`: a dry run on the CPU).
Prints one line per check and ALL CHECKS OK at the end. Speed figures come from `bual bench --device cuda`.
"""
import argparse, sys, time
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bual.data import load_digits_data
from bual.core import generator
from bual.models import make_model
from bual.engine import TrainConfig, DeviceData, fit, accuracy, random_crop_flip, predict, Diverged, deferred_output_checks
from bual import loop

def line(*a): print(*a, flush=True)

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

def check_graphs(dev):
    "A CUDA-graphed fit must train the same model as an eager one (same seeds; tiny float differences allowed)."
    d = load_digits_data()
    tr = DeviceData(d.x_train, d.mean, d.std, dev, True, channels_last=True)
    te = DeviceData(d.x_test, d.mean, d.std, dev, False, channels_last=True)
    out = []
    for graphs in (True, False):
        torch.backends.cudnn.deterministic = True
        cfg = TrainConfig(epochs=20, batch_size=64, bf16=False, cuda_graphs=graphs)
        m = make_model('small_cnn', 10, d.image_shape, 0)
        fit(m, tr, torch.arange(1000, device=dev), d.y_train[:1000].to(dev), cfg, generator(0, dev))
        out.append((m, accuracy(m, te, d.y_test, cfg)))
    diff = max((a - b).abs().max().item() for a, b in zip(out[0][0].state_dict().values(), out[1][0].state_dict().values())
               if a.is_floating_point())
    ok = diff < 1e-2 and abs(out[0][1] - out[1][1]) < 0.02
    line(f"CUDA graphs vs eager (fp32, 20 epochs): max weight difference {diff:.2e}, accuracy {out[0][1]:.3f} vs {out[1][1]:.3f} -> {'OK' if ok else 'FAIL'}")
    return ok

def check_divergence(dev):
    "Divergence is still caught on CUDA, where fit reads an epoch's flags one epoch late and a cycle reads its outputs' checks at its end."
    d = load_digits_data()
    tr = DeviceData(d.x_train, d.mean, d.std, dev, True, channels_last=True)
    m = make_model('small_cnn', 10, d.image_shape, 0); m.purpose = 'f_p'
    try: fit(m, tr, torch.arange(1000, device=dev), d.y_train[:1000].to(dev), TrainConfig(epochs=3, batch_size=64, lr=1e6), generator(0, dev)); fit_msg = 'not raised'
    except Diverged as e: fit_msg = str(e)
    bad = make_model('small_cnn', 10, d.image_shape, 0).to(dev).eval()
    with torch.no_grad(): bad.head.weight[0, 0] = float('nan')
    reached, out_msg = False, 'not raised'
    try:
        with deferred_output_checks():
            predict(bad, tr, torch.arange(100, device=dev), TrainConfig()); reached = True
    except Diverged as e: out_msg = str(e)
    ok = 'f_p diverged in epoch 1 of 3' in fit_msg and reached and 'gives NaN or infinite outputs' in out_msg
    line(f"divergence on cuda: fit says {fit_msg!r}; a deferred output check says {out_msg!r} on leaving -> {'OK' if ok else 'FAIL'}")
    return ok

def check_loop(dev, fashion):
    ok = True
    for overlap, label in ((False, 'bual loop on cuda, digits b-margin 3 cycles'), (True, 'the same with overlap (two CUDA streams)')):
        t = time.perf_counter()
        r = loop.ActiveLearningRun(dataset='digits', strategy='b-margin', cycles=3, device=dev.type, progress=False, overlap=overlap).run()
        ok_run = r['status'] == 'finished' and len(r['cycles']) == 3
        line(f"{label}: {time.perf_counter()-t:.1f} s, final acc {r['cycles'][-1]['accuracy']:.3f}, "
             f"query precision {[round(c['query_precision'], 2) for c in r['cycles']]} -> {'OK' if ok_run else 'FAIL'}")
        ok = ok and ok_run
    if fashion:
        t = time.perf_counter()
        r = loop.ActiveLearningRun(dataset='fashion_mnist', data_root=fashion, strategy='b-margin', cycles=2, profile='cpu',
                                   device=dev.type, progress=False).run()
        c = r['cycles']
        line(f"fashion_mnist b-margin, cpu profile, 2 cycles on cuda: {time.perf_counter()-t:.1f} s; acc {[round(x['accuracy'],3) for x in c]}; "
             f"phases cycle 1: fp {c[1]['time_fp']:.1f} aux {c[1]['time_aux']:.1f} rlnl {c[1]['time_rlnl']:.1f} select {c[1]['time_select']:.2f} s")
    return ok

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--fashion', default=None)
    ap.add_argument('--cpu', action='store_true', help='a dry run of the script on the CPU (its checks then say cuda but run on the CPU)')
    args = ap.parse_args()
    if not (args.cpu or torch.cuda.is_available()): sys.exit('gpu_check.py: no CUDA device (--cpu tries the script on the CPU)')
    dev = torch.device('cpu' if args.cpu else 'cuda')
    line(f"device: {torch.cuda.get_device_name() if dev.type == 'cuda' else 'the CPU (a dry run)'}, torch {torch.__version__}")
    ok = check_augment(dev) & check_digits(dev) & check_graphs(dev) & check_divergence(dev) & check_loop(dev, args.fashion)
    if dev.type == 'cuda': line(f"peak GPU memory {torch.cuda.max_memory_allocated()/2**30:.2f} GiB")
    line('ALL CHECKS OK' if ok else 'SOME CHECKS FAILED')
