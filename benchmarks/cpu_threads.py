"""Whether two small-CNN trainings run side by side in two Python threads on the CPU (as `--overlap` runs f_aux beside
f_p on CUDA streams) beat running them in turn, and whether they give the same weights and predictions bit for bit.

    python benchmarks/cpu_threads.py [REPEATS]

Fashion-MNIST (synthetic images of its shape where it is not found), the CPU profile's batches of 128, two models of
6,000 and 8,000 images for 3 epochs each, then a prediction pass of each over 20,000 images; every thread uses PyTorch's
usual thread count. The first repeat includes the warm-up.
"""
import sys, threading, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch
from bual.bench import synthetic_images
from bual.core import BualError
from bual.data import load_fashion_mnist
from bual.engine import DeviceData, TrainConfig, fit, predict
from bual.models import make_model

try: data = load_fashion_mnist()
except BualError: data = synthetic_images(50_000, (1, 28, 28))
images = DeviceData(data.x_train, data.mean, data.std, 'cpu', augment=True, channels_last=True)
y, cfg = torch.as_tensor(data.y_train) % 4, TrainConfig(epochs=3, batch_size=128, eval_batch_size=128)
jobs = {1: torch.arange(0, 6000), 2: torch.arange(10_000, 18_000)}   # seed: training examples

def train(seed:int, out:dict):
    "Train and score one model; its weights and predictions go to `out[seed]`."
    model = make_model('small_cnn', 4, (1, 28, 28), seed=seed)
    fit(model, images, jobs[seed], y[jobs[seed]], cfg, torch.Generator().manual_seed(seed))
    out[seed] = (model.state_dict(), predict(model, images, torch.arange(30_000, 50_000), cfg))

def same(a:dict, b:dict) -> bool:
    return all(torch.equal(a[s][1], b[s][1]) and all(torch.equal(a[s][0][k], b[s][0][k]) for k in a[s][0]) for s in jobs)

print(f'{data.name}: {torch.get_num_threads()} PyTorch threads per Python thread, torch {torch.__version__}')
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
    in_turn, side_by_side = {}, {}
    t = time.perf_counter()
    for s in jobs: train(s, in_turn)
    t_turn = time.perf_counter() - t
    t = time.perf_counter()
    threads = [threading.Thread(target=train, args=(s, side_by_side)) for s in jobs]
    for th in threads: th.start()
    for th in threads: th.join()
    t_side = time.perf_counter() - t
    print(f'in turn {t_turn:.2f} s, side by side {t_side:.2f} s ({t_turn / t_side:.2f}x); '
          f'weights and predictions the same bit for bit: {same(in_turn, side_by_side)}', flush=True)
