"Two processes needing the same once-per-run work at the same time: one computes it, the other waits for it and reads it back."
import subprocess, sys

CHILD = """
import sys, time, torch
from pathlib import Path
from bual.engine import DeviceData
from bual.loop import CycleTrainer, resolve_config
cache, marks, openness = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
images = DeviceData(torch.zeros(4, 1, 8, 8, dtype=torch.uint8), [0.5], [0.25], augment=False)
cfg = resolve_config(dict(dataset='digits', strategy='ccal', seed=0, openness=openness, cache_dir=cache))
trainer = CycleTrainer(images, cfg, (1, 8, 8), 0)
def work():
    (marks/f'computed-{openness}').touch()
    time.sleep(3)
    return torch.arange(5.)
if openness == 0.6:   # ask only once the other process is computing: this one must wait for it, not compute too
    while not (marks/'computed-0.4').exists(): time.sleep(0.05)
print(trainer.once_per_run('slow', 'settings', work).tolist(), trainer.reused)
"""

def test_runs_asking_at_once_compute_once(tmp_path):
    procs = [subprocess.Popen([sys.executable, '-c', CHILD, str(tmp_path/'cache'), str(tmp_path), str(o)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for o in (0.4, 0.6)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert len(list(tmp_path.glob('computed-*'))) == 1
    assert sorted(o[0].strip() for o in outs) == ["[0.0, 1.0, 2.0, 3.0, 4.0] ['slow']", '[0.0, 1.0, 2.0, 3.0, 4.0] []']
    assert len(list((tmp_path/'cache').glob('slow-*.pt'))) == 1 and not list((tmp_path/'cache').glob('*.tmp'))
