#!/usr/bin/python3
"""PyTorch eager timing of the torch test models, for bench/peers/run.py.

Runs with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision), in its own
process: the peer venv's numpy 2.x and Debian's torch cannot share one interpreter. Builds
each case exactly as scripts/make_torch_models.py does (same seeds, same random weights), in
eval mode under torch.inference_mode(), and times model(x) with the same warm-up/rounds/runs
scheme as run.py (one engine, so nothing to interleave). Prints one JSON line per (case, t):
  {"case": ..., "h": .., "w": .., "threads": t, "min": ms, "median": ms, "n": samples}
Usage: torch_eager.py CASE[,CASE...] THREADS[,THREADS...] WARMUP ROUNDS RUNS
"""
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import make_torch_models as gen  # noqa: E402


def main():
    import torch
    cases, threads = sys.argv[1].split(","), [int(t) for t in sys.argv[2].split(",")]
    warmup, rounds, runs = (int(v) for v in sys.argv[3:6])
    make = gen.build_models()
    by_name = {c[0]: c for c in gen.CASES}
    for name in cases:
        _, arch, (h, w), _, _ = by_name[name]
        torch.manual_seed(gen.case_seed(name))
        model = make(arch, h, w)
        gen.randomise_batchnorm(model, torch.Generator().manual_seed(gen.case_seed(name) + 1))
        model.eval()
        x = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(7))
        for t in threads:
            torch.set_num_threads(t)
            samples = []
            with torch.inference_mode():
                for _ in range(warmup):
                    model(x)
                for _ in range(rounds):
                    model(x)  # untimed block start, as in run.py
                    for _ in range(runs):
                        t0 = time.perf_counter_ns()
                        model(x)
                        samples.append((time.perf_counter_ns() - t0) / 1e6)
            print(json.dumps({"case": name, "h": h, "w": w, "threads": t,
                              "torch": torch.__version__, "min": min(samples),
                              "median": statistics.median(samples), "n": len(samples)}),
                  flush=True)


if __name__ == "__main__":
    main()
