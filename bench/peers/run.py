#!/usr/bin/env python3
"""Peer benchmark: backdrop vs ONNX Runtime vs LiteRT (TFLite + XNNPACK), in one process.

For each model (general 256x256, landscape 144x256; and the PyTorch test models LR-ASPP and
DeepLabV3 at 256x256 and 144x256, backdrop vs ONNX Runtime on the same ONNX file, verified
against the generator's ORT outputs to 1e-4 of the output range) and thread count t:
  1. verify every engine's output on the reference inputs against the reference
     outputs (max abs diff; an engine off by more than --tol is not timed);
  2. time with the seed method: a fixed input, --warmup untimed runs per engine, then
     --rounds rounds in which each engine in turn runs --runs timed runs. The engine
     order rotates by one each round, and each engine's block starts with one untimed
     run (so the first sample of a block does not pay for the other engine's cache
     footprint or its still-spinning worker threads). All samples per engine are kept.
Reported per engine: min, median, and "low median" = the median of the lowest third of
the per-round medians (robust to this VM's slow/fast speed levels).

The engines:
  backdrop     build/libbackdrop.so via ctypes (bd_session_options.n_threads = t)
  onnxruntime  CPU EP, intra_op_num_threads = t, inter_op_num_threads = 1,
               ORT_SEQUENTIAL, ORT_ENABLE_ALL; input and output bound once (IOBinding).
               The ONNX comes from tflite_to_onnx.py (converted in memory at start-up).
  litert       ai_edge_litert Interpreter(num_threads = t) with its default XNNPACK
               delegate.
  ort-tf2onnx  (opt-in, general model only) ONNX Runtime, same settings, on the
               tf2onnx-made /work/shared/models/onnx/selfie_segmentation.onnx.

Then, for the torch models, PyTorch eager in a separate /usr/bin/python3 process
(torch_eager.py; not interleaved): one `peers-eager ...` line per (model, t).

Output: one `peers ...` line per (model, t, peer), one `peers-summary ...` line per
(model, t). --json PATH also writes every sample.
"""
import argparse
import ctypes as C
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

MODELS = {
    # name: (tflite file, reference model tag)
    "general": ("selfie_segmentation.tflite", "general"),
    "landscape": ("selfie_segmentation_landscape.tflite", "landscape"),
}
# PyTorch test models (scripts/make-torch-models.sh): name -> case in the manifest. Same ONNX
# file for backdrop and ONNX Runtime; verified against the generator's ORT outputs.
TORCH_MODELS = {
    "lraspp256": "lraspp_256x256_op11",
    "lraspp144": "lraspp_144x256_op13",
    "deeplab256": "deeplabv3_256x256_op13",
    "deeplab144": "deeplabv3_144x256_op11",
}
SHARED = Path("/work/shared")
REF_IMAGES = ("astronaut", "camera", "basketball1")
TIMING_IMAGE = "astronaut"


# ------------------------------------------------------------------------------------
# backdrop via ctypes (mirrors include/backdrop.h)

class BdModelOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("isa", C.c_int),  # bd_isa (enum)
        ("max_file_bytes", C.c_size_t),
        ("max_tensor_bytes", C.c_size_t),
        ("max_ops", C.c_int),
        ("max_tensors", C.c_int),
        ("extra_outputs", C.POINTER(C.c_char_p)),
        ("n_extra_outputs", C.c_int),
        ("precision", C.c_int),  # bd_precision (enum)
        ("input_width", C.c_int),
        ("input_height", C.c_int),
        ("frame_width", C.c_int),
        ("frame_height", C.c_int),
        ("downsample_ratio", C.c_float),
        ("max_arena_bytes", C.c_size_t),
        ("conv_algo", C.c_int),  # bd_conv_algo (enum): 0 auto (Winograd where it gains)
    ]


class BdSessionOptions(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("n_threads", C.c_int),
        ("profile", C.c_int),
        ("carry_state", C.c_int),
        ("state_pairs", C.POINTER(C.c_int)),
        ("n_state_pairs", C.c_int),
    ]


class BdModelStats(C.Structure):
    _fields_ = [
        ("struct_size", C.c_size_t),
        ("format", C.c_char_p),
        ("description", C.c_char_p),
        ("n_ops_imported", C.c_int),
        ("n_ops_compiled", C.c_int),
        ("n_params", C.c_int64),
        ("n_macs", C.c_int64),
        ("weight_bytes", C.c_size_t),
        ("arena_bytes", C.c_size_t),
        ("isa", C.c_int),
    ]


BD_MAX_DIMS, BD_MAX_NAME = 6, 96


class BdTensorInfo(C.Structure):
    _fields_ = [
        ("name", C.c_char * BD_MAX_NAME),
        ("dtype", C.c_int),
        ("n_dims", C.c_int),
        ("dims", C.c_int64 * BD_MAX_DIMS),
    ]


def load_backdrop(path):
    blob = Path(path).resolve().read_bytes()
    if b"libasan.so" in blob or b"libubsan.so" in blob:
        raise OSError("it is a sanitizer build (links libasan/libubsan), useless for timing; "
                      "build a clean one with bench/peers/build-lib.sh and pass --lib")
    lib = C.CDLL(str(path))
    vp, st = C.c_void_p, C.c_int
    sig = {
        "bd_version": (C.c_char_p, []),
        "bd_status_str": (C.c_char_p, [st]),
        "bd_isa_name": (C.c_char_p, [C.c_int]),
        "bd_model_options_default": (None, [C.POINTER(BdModelOptions)]),
        "bd_model_create": (st, [C.POINTER(BdModelOptions), C.POINTER(vp)]),
        "bd_model_load_file": (st, [vp, C.c_char_p]),
        "bd_model_last_error": (C.c_char_p, [vp]),
        "bd_model_free": (None, [vp]),
        "bd_model_get_stats": (st, [vp, C.POINTER(BdModelStats)]),
        "bd_model_input_info": (st, [vp, C.c_int, C.POINTER(BdTensorInfo)]),
        "bd_model_output_info": (st, [vp, C.c_int, C.POINTER(BdTensorInfo)]),
        "bd_session_options_default": (None, [C.POINTER(BdSessionOptions)]),
        "bd_session_create": (st, [vp, C.POINTER(BdSessionOptions), C.POINTER(vp)]),
        "bd_session_last_error": (C.c_char_p, [vp]),
        "bd_session_free": (None, [vp]),
        "bd_session_input": (st, [vp, C.c_int, C.POINTER(C.POINTER(C.c_float)),
                                  C.POINTER(C.c_size_t)]),
        "bd_session_run": (st, [vp]),
        "bd_session_output": (st, [vp, C.c_int, C.POINTER(C.POINTER(C.c_float)),
                                   C.POINTER(C.c_size_t)]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return lib


class Backdrop:
    name = "backdrop"

    def __init__(self, lib, model_path, threads, **options):
        """options: BdModelOptions fields (input_width, frame_width, downsample_ratio...)."""
        self.lib = lib
        self.model = C.c_void_p()
        self.sess = C.c_void_p()
        mo = BdModelOptions()
        lib.bd_model_options_default(C.byref(mo))
        if mo.struct_size != C.sizeof(BdModelOptions):
            raise RuntimeError(f"bd_model_options: library size {mo.struct_size} != ctypes "
                               f"{C.sizeof(BdModelOptions)} (header changed?)")
        mo.struct_size = C.sizeof(BdModelOptions)
        for k, v in options.items():
            setattr(mo, k, v)
        self._check(lib.bd_model_create(C.byref(mo), C.byref(self.model)), "bd_model_create")
        rc = lib.bd_model_load_file(self.model, str(model_path).encode())
        if rc:
            raise RuntimeError(f"bd_model_load_file: {lib.bd_status_str(rc).decode()}: "
                               f"{lib.bd_model_last_error(self.model).decode()}")
        so = BdSessionOptions()
        lib.bd_session_options_default(C.byref(so))
        if so.struct_size != C.sizeof(BdSessionOptions):
            raise RuntimeError("bd_session_options: size mismatch (header changed?)")
        so.struct_size = C.sizeof(BdSessionOptions)
        so.n_threads = threads
        self._check(lib.bd_session_create(self.model, C.byref(so), C.byref(self.sess)),
                    "bd_session_create")
        stats = BdModelStats()
        stats.struct_size = C.sizeof(BdModelStats)
        self._check(lib.bd_model_get_stats(self.model, C.byref(stats)), "bd_model_get_stats")
        self.isa = lib.bd_isa_name(stats.isa).decode()
        self.n_macs = stats.n_macs
        ii, oi = BdTensorInfo(), BdTensorInfo()
        self._check(lib.bd_model_input_info(self.model, 0, C.byref(ii)), "input_info")
        self._check(lib.bd_model_output_info(self.model, 0, C.byref(oi)), "output_info")
        self.in_shape = tuple(ii.dims[:ii.n_dims])
        self.out_shape = tuple(oi.dims[:oi.n_dims])
        p, n = C.POINTER(C.c_float)(), C.c_size_t()
        self._check(lib.bd_session_input(self.sess, 0, C.byref(p), C.byref(n)), "session_input")
        self.inp = np.ctypeslib.as_array(p, shape=(n.value,))
        self.restore_input = False  # set if a run clobbers the input buffer
        self._fixed = None
        self._run = lib.bd_session_run
        self._sess = self.sess

    def _check(self, rc, what):
        if rc:
            err = ""
            if self.sess:
                err = self.lib.bd_session_last_error(self.sess).decode()
            elif self.model:
                err = self.lib.bd_model_last_error(self.model).decode()
            raise RuntimeError(f"{what}: {self.lib.bd_status_str(rc).decode()} {err}")

    def infer(self, x):
        self.inp[:] = x.ravel()
        self._check(self._run(self._sess), "bd_session_run")
        return self.output()

    def output(self):
        p, n = C.POINTER(C.c_float)(), C.c_size_t()
        self._check(self.lib.bd_session_output(self.sess, 0, C.byref(p), C.byref(n)),
                    "bd_session_output")
        return np.ctypeslib.as_array(p, shape=(n.value,)).copy().reshape(self.out_shape)

    def prepare(self, x):
        """Fixes the timing input; detects whether a run clobbers the input buffer."""
        self._fixed = np.ascontiguousarray(x.ravel(), dtype=np.float32)
        self.inp[:] = self._fixed
        self._check(self._run(self._sess), "bd_session_run")
        self.restore_input = not np.array_equal(self.inp, self._fixed)
        self.inp[:] = self._fixed

    def __call__(self):
        if self.restore_input:
            self.inp[:] = self._fixed
        rc = self._run(self._sess)
        if rc:
            self._check(rc, "bd_session_run")

    def close(self):
        self.lib.bd_session_free(self.sess)
        self.lib.bd_model_free(self.model)


# ------------------------------------------------------------------------------------
# ONNX Runtime

class OnnxRuntime:
    def __init__(self, onnx_bytes_or_path, threads, name="onnxruntime"):
        import onnxruntime as ort
        self.name = name
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(onnx_bytes_or_path, sess_options=so,
                                         providers=["CPUExecutionProvider"])
        self.iname = self.sess.get_inputs()[0].name
        self.oname = self.sess.get_outputs()[0].name
        self.in_shape = tuple(self.sess.get_inputs()[0].shape)
        self.out_shape = tuple(self.sess.get_outputs()[0].shape)
        self.binding = None

    def infer(self, x):
        return self.sess.run([self.oname], {self.iname: x.reshape(self.in_shape)})[0]

    def prepare(self, x):
        self._x = np.ascontiguousarray(x.reshape(self.in_shape), dtype=np.float32)
        self._y = np.empty(self.out_shape, np.float32)
        b = self.sess.io_binding()
        b.bind_cpu_input(self.iname, self._x)
        b.bind_output(self.oname, "cpu", 0, np.float32, list(self.out_shape),
                      self._y.ctypes.data)
        self.binding = b
        self._runb = self.sess.run_with_iobinding

    def __call__(self):
        self._runb(self.binding)

    def close(self):
        self.sess = None


# ------------------------------------------------------------------------------------
# LiteRT (TFLite interpreter + default XNNPACK delegate)

class LiteRT:
    name = "litert"

    def __init__(self, model_path, threads):
        from ai_edge_litert.interpreter import Interpreter
        self.it = Interpreter(model_path=str(model_path), num_threads=threads)
        self.it.allocate_tensors()
        self.idet = self.it.get_input_details()[0]
        self.odet = self.it.get_output_details()[0]
        self.in_shape = tuple(self.idet["shape"])
        self.out_shape = tuple(self.odet["shape"])

    def infer(self, x):
        self.it.set_tensor(self.idet["index"], x.reshape(self.in_shape).astype(np.float32))
        self.it.invoke()
        return self.it.get_tensor(self.odet["index"]).copy()

    def prepare(self, x):
        self.it.set_tensor(self.idet["index"], x.reshape(self.in_shape).astype(np.float32))
        self._inv = self.it.invoke

    def __call__(self):
        self._inv()

    def close(self):
        self.it = None


# ------------------------------------------------------------------------------------

def to_nhwc(y, h, w):
    """Brings an output to [1,H,W,C] whatever layout the engine chose (NCHW or NHWC)."""
    y = np.asarray(y, np.float32)
    if y.ndim == 4 and y.shape[1:3] == (h, w):
        return y
    if y.ndim == 4 and y.shape[2:4] == (h, w):
        return y.transpose(0, 2, 3, 1)
    if y.size == h * w:  # one channel, any padding of unit dims
        return y.reshape(1, h, w, 1)
    raise ValueError(f"cannot map output shape {y.shape} to [1,{h},{w},C]")


def ref_case(ref_dir, image, tag, h, w):
    x = np.fromfile(ref_dir / f"{image}__{tag}.input.f32", np.float32).reshape(1, h, w, 3)
    y = np.fromfile(ref_dir / f"{image}__{tag}.output.f32", np.float32).reshape(1, h, w, 1)
    return x, y


def low_median(round_medians):
    s = sorted(round_medians)
    k = max(1, math.ceil(len(s) / 3))
    return statistics.median(s[:k])


def stats_of(samples_by_round):
    allv = [v for r in samples_by_round for v in r]
    meds = [statistics.median(r) for r in samples_by_round]
    return {"min": min(allv), "median": statistics.median(allv), "low": low_median(meds),
            "n": len(allv), "round_medians": meds}


def bench(engines, warmup, rounds, runs, pause_ms=0.0):
    """The seed method: warm-up, then rounds of N runs per engine in turn."""
    clock = time.perf_counter_ns
    for e in engines:
        for _ in range(warmup):
            e()
    samples = {e.name: [] for e in engines}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            k = r % len(engines)
            for e in engines[k:] + engines[:k]:
                if pause_ms > 0:
                    time.sleep(pause_ms / 1e3)  # let the previous engine's spinners park
                e()  # untimed block start
                block = []
                for _ in range(runs):
                    t0 = clock()
                    e()
                    block.append((clock() - t0) / 1e6)
                samples[e.name].append(block)
    finally:
        if gc_was:
            gc.enable()
    return samples


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def fmt(ms):
    return f"{ms:.2f}" if ms >= 0.995 else f"{ms:.3f}"


def versions():
    v = {"python": platform.python_version()}
    for pkg in ("numpy", "onnxruntime", "ai-edge-litert", "onnx", "tflite"):
        try:
            v[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            v[pkg] = "missing"
    return v


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def git_rev():
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "src", "include", "CMakeLists.txt", "cmake"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty(src)" if dirty else "")
    except Exception:
        return "?"


def time_and_report(stem, h, w, t, made, timed, x, a, results):
    """Times the verified engines on input x (interleaved) and prints the peers lines."""
    for e in timed:
        e.prepare(x)
        if isinstance(e, Backdrop) and e.restore_input:
            print(f"# {stem} t={t}: backdrop's run overwrites its input buffer; "
                  f"the input is copied back before every run (inside the timing)")
    sys.stdout.flush()
    # 2. timing
    print(f"# {stem} t={t}: timing {', '.join(e.name for e in timed)}; "
          f"loadavg before {loadavg()}")
    sys.stdout.flush()
    samples = bench(timed, a.warmup, a.rounds, a.runs, a.pause_ms)
    st = {nm: stats_of(s) for nm, s in samples.items()}
    print(f"# {stem} t={t}: loadavg after {loadavg()}")
    bd = st.get("backdrop")
    bd_txt = (f"backdrop min {fmt(bd['min'])} ms median {fmt(bd['median'])} ms "
              f"low {fmt(bd['low'])} ms") if bd else "backdrop n/a"
    for nm in [e.name for e in made if e.name != "backdrop"]:
        p = st.get(nm)
        if p is None:
            print(f"peers {stem} {h}x{w} t={t}: {bd_txt} | {nm} n/a (not timed)")
            continue
        line = (f"peers {stem} {h}x{w} t={t}: {bd_txt} | {nm} min {fmt(p['min'])} ms "
                f"median {fmt(p['median'])} ms low {fmt(p['low'])} ms")
        if bd:
            line += (f" | ratio backdrop/{nm} min {bd['min'] / p['min']:.2f} median "
                     f"{bd['median'] / p['median']:.2f} low {bd['low'] / p['low']:.2f}")
        print(line)
    peer_st = {nm: s for nm, s in st.items() if nm != "backdrop"}
    if peer_st:
        best = min(peer_st, key=lambda nm: peer_st[nm]["low"])
        b = peer_st[best]
        line = (f"peers-summary {stem} {h}x{w} t={t}: fastest peer {best} "
                f"(low {fmt(b['low'])} ms, median {fmt(b['median'])} ms)")
        if bd:
            line += (f" | backdrop low {fmt(bd['low'])} ms | ratio backdrop/{best} "
                     f"low {bd['low'] / b['low']:.2f} median "
                     f"{bd['median'] / b['median']:.2f} min {bd['min'] / b['min']:.2f}")
        print(line)
    sys.stdout.flush()
    results.append({"model": stem, "h": h, "w": w, "threads": t,
                    "stats": st, "samples_ms": samples})
    return st


def default_torch_dir():
    env = os.environ.get("BD_TORCH_MODELS_DIR")
    if env:
        return env
    local = ROOT / "build-torch-models"
    return str(local if (local / "manifest.tsv").exists() else Path("/work/torch-models"))


def run_torch_model(mname, tdir, threads, lib, peers, a, results, bd_medians):
    """One torch test model at every thread count: backdrop vs ONNX Runtime on one ONNX file.
    Returns True if an engine could not load or verify (reported, never fatal)."""
    case = TORCH_MODELS[mname]
    path = Path(tdir) / f"{case}.onnx"
    xin, yout = Path(tdir) / f"{case}.f0.in0.f32", Path(tdir) / f"{case}.f0.out0.f32"
    if not (path.exists() and xin.exists() and yout.exists()):
        print(f"# {case}: not found in {tdir} (scripts/make-torch-models.sh DIR; "
              f"--torch-models-dir); skipped")
        return True
    h, w = (int(v) for v in case.split("_")[1].split("x"))
    x = np.fromfile(xin, "<f4").reshape(1, 3, h, w)
    yref = np.fromfile(yout, "<f4")
    tol = max(1e-4 * float(yref.max() - yref.min()), 1e-6)
    refused = False
    for t in threads:
        made = []
        try_make = [("backdrop", lambda: Backdrop(lib, path, t) if lib else None)]
        if "onnxruntime" in peers:
            try_make.append(("onnxruntime", lambda: OnnxRuntime(str(path), t)))
        for nm, mk in try_make:
            try:
                e = mk()
            except Exception as ex:  # e.g. an op backdrop does not support yet
                print(f"# {case} t={t}: {nm}: cannot create: {ex}")
                refused = True
                continue
            if e is not None:
                made.append(e)
        for e in made:
            try:
                worst = float(np.abs(np.asarray(e.infer(x), np.float32).ravel() - yref).max())
                ok = bool(np.isfinite(worst) and worst <= tol)
            except Exception as ex:
                ok, worst = False, float("nan")
                print(f"# {case} t={t}: {e.name}: verification failed: {ex}")
            extra = f" isa={e.isa}" if isinstance(e, Backdrop) else ""
            print(f"verify {case} {h}x{w} t={t}: {e.name} max_abs_diff {worst:.3g} "
                  f"({'OK' if ok else 'REFUSED: over tolerance %.3g' % tol}){extra}")
            e.ok = ok
            refused |= not ok
        timed = [e for e in made if e.ok]
        if timed:
            st = time_and_report(case, h, w, t, made, timed, x, a, results)
            if "backdrop" in st:
                bd_medians[(case, t)] = st["backdrop"]["median"]
        else:
            print(f"peers-summary {case} {h}x{w} t={t}: nothing to time (no engine verified)")
        for e in made:
            e.close()
    return refused


def run_torch_eager(cases, threads, a, bd_medians):
    """PyTorch eager, in a separate /usr/bin/python3 process (Debian torch; the venv's numpy
    2.x cannot share an interpreter with it). Not interleaved with the engines above."""
    script = HERE / "torch_eager.py"
    print(f"# torch-eager: separate process ({a.torch_python} {script.name}), NOT interleaved "
          f"with the rows above; loadavg before {loadavg()}")
    sys.stdout.flush()
    cmd = [a.torch_python, "-W", "ignore", str(script), ",".join(cases),
           ",".join(map(str, threads)), str(a.warmup), str(a.rounds), str(a.runs)]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    except OSError as ex:
        print(f"# torch-eager: cannot run {a.torch_python}: {ex}")
        return True
    for line in proc.stdout:
        r = json.loads(line)
        txt = (f"peers-eager {r['case']} {r['h']}x{r['w']} t={r['threads']}: torch-eager "
               f"{r['torch']} min {fmt(r['min'])} ms median {fmt(r['median'])} ms")
        bd = bd_medians.get((r["case"], r["threads"]))
        if bd is not None:
            txt += (f" | backdrop median {fmt(bd)} ms (interleaved run above) | ratio "
                    f"backdrop/torch-eager median {bd / r['median']:.2f} (separate runs)")
        print(txt)
        sys.stdout.flush()
    if proc.wait() != 0:
        print(f"# torch-eager: exited with status {proc.returncode}")
        return True
    return False


def main():
    ap = argparse.ArgumentParser(description="backdrop vs ONNX Runtime vs LiteRT, interleaved.")
    ap.add_argument("--models", default=",".join([*MODELS, *TORCH_MODELS]),
                    help="comma list of: " + ", ".join([*MODELS, *TORCH_MODELS]))
    ap.add_argument("--torch-models-dir", default=default_torch_dir(),
                    help="scripts/make-torch-models.sh output (default $BD_TORCH_MODELS_DIR, "
                         "build-torch-models/, /work/torch-models)")
    ap.add_argument("--torch-eager", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the torch models in PyTorch eager (separate process)")
    ap.add_argument("--torch-python", default="/usr/bin/python3",
                    help="interpreter with python3-torch + python3-torchvision")
    ap.add_argument("--threads", default="1,2", help="comma list of thread counts")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--runs", type=int, default=20, help="timed runs per engine per round")
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--pause-ms", type=float, default=0.0,
                    help="sleep before each engine block (lets worker threads park)")
    ap.add_argument("--lib", default=str(ROOT / "build" / "libbackdrop.so"))
    ap.add_argument("--model-dir", default=str(ROOT / "models"))
    ap.add_argument("--ref-dir", default=str(SHARED / "testdata" / "reference"))
    ap.add_argument("--peers", default="onnxruntime,litert",
                    help="comma list of: onnxruntime, litert, ort-tf2onnx")
    ap.add_argument("--tf2onnx-model", default=str(SHARED / "models" / "onnx" /
                                                   "selfie_segmentation.onnx"))
    ap.add_argument("--tol", type=float, default=1e-3, help="max abs diff allowed")
    ap.add_argument("--json", help="write all samples and stats here")
    a = ap.parse_args()

    models = [m.strip() for m in a.models.split(",") if m.strip()]
    threads = [int(t) for t in a.threads.split(",") if t.strip()]
    peers = [p.strip() for p in a.peers.split(",") if p.strip()]
    for m in models:
        if m not in MODELS and m not in TORCH_MODELS:
            ap.error(f"unknown model {m!r}")
    for p in peers:
        if p not in ("onnxruntime", "litert", "ort-tf2onnx"):
            ap.error(f"unknown peer {p!r}")
    ref_dir = Path(a.ref_dir)

    ver = versions()
    lib = None
    try:
        lib = load_backdrop(a.lib)
        ver["backdrop"] = lib.bd_version().decode() + " " + git_rev()
    except (OSError, AttributeError) as ex:
        print(f"# backdrop: cannot load {a.lib}: {ex}", file=sys.stderr)
        ver["backdrop"] = "unavailable"
        lib_failed = True
    else:
        lib_failed = False
    print(f"# date {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"# cpu {cpu_model()} | nproc {os.cpu_count()} | {platform.platform()}")
    print("# versions " + " ".join(f"{k}={v}" for k, v in ver.items()))
    print(f"# method: warmup {a.warmup}, rounds {a.rounds} x runs {a.runs} per engine, "
          f"interleaved (order rotates per round, 1 untimed run per block, "
          f"pause {a.pause_ms:g} ms before each block)")
    sys.stdout.flush()

    from tflite_to_onnx import Converter
    results, refused = [], lib_failed
    bd_medians = {}
    for mname in models:
        if mname in TORCH_MODELS:
            refused |= run_torch_model(mname, a.torch_models_dir, threads, lib, peers, a,
                                       results, bd_medians)
            continue
        tfl_file, tag = MODELS[mname]
        tfl_path = Path(a.model_dir) / tfl_file
        conv = Converter(str(tfl_path)).convert(17)
        onnx_bytes = conv.SerializeToString()
        stem = tfl_path.stem
        for t in threads:
            engines, h, w = [], None, None
            try_make = [("backdrop", lambda: Backdrop(lib, tfl_path, t) if lib else None)]
            for p in peers:
                if p == "onnxruntime":
                    try_make.append((p, lambda: OnnxRuntime(onnx_bytes, t)))
                elif p == "litert":
                    try_make.append((p, lambda: LiteRT(tfl_path, t)))
                elif p == "ort-tf2onnx" and mname == "general":
                    try_make.append((p, lambda: OnnxRuntime(a.tf2onnx_model, t, "ort-tf2onnx")))
            made = []
            for nm, mk in try_make:
                try:
                    e = mk()
                except Exception as ex:  # an engine that cannot load is reported, not fatal
                    print(f"# {stem} t={t}: {nm}: cannot create: {ex}")
                    refused = True
                    continue
                if e is not None:
                    made.append(e)
            # geometry from the TFLite model via LiteRT / backdrop input shape (NHWC)
            for e in made:
                s = e.in_shape
                if len(s) == 4 and s[3] == 3:
                    h, w = int(s[1]), int(s[2])
                    break
            if h is None:
                print(f"# {stem} t={t}: no engine could be created")
                continue
            # 1. verification
            for e in made:
                worst = 0.0
                try:
                    for img in REF_IMAGES:
                        if not (ref_dir / f"{img}__{tag}.input.f32").exists():
                            continue
                        x, yref = ref_case(ref_dir, img, tag, h, w)
                        y = to_nhwc(e.infer(x), h, w)
                        worst = max(worst, float(np.abs(y - yref).max()))
                    ok = worst <= a.tol and np.isfinite(worst)
                except Exception as ex:
                    ok, worst = False, float("nan")
                    print(f"# {stem} t={t}: {e.name}: verification failed: {ex}")
                extra = f" isa={e.isa}" if isinstance(e, Backdrop) else ""
                print(f"verify {stem} {h}x{w} t={t}: {e.name} max_abs_diff {worst:.3g} "
                      f"({'OK' if ok else 'REFUSED: over tolerance %g' % a.tol}){extra}")
                e.ok = ok
                refused |= not ok
            timed = [e for e in made if e.ok]
            if not timed:
                print(f"peers-summary {stem} {h}x{w} t={t}: nothing to time (no engine verified)")
                for e in made:
                    e.close()
                continue
            x, _ = ref_case(ref_dir, TIMING_IMAGE, tag, h, w)
            time_and_report(stem, h, w, t, made, timed, x, a, results)
            for e in made:
                e.close()

    torch_cases = [TORCH_MODELS[m] for m in models if m in TORCH_MODELS]
    if torch_cases and a.torch_eager:
        refused |= run_torch_eager(torch_cases, threads, a, bd_medians)

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"versions": ver, "cpu": cpu_model(), "args": vars(a),
                       "results": results}, f, indent=1)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
