#!/usr/bin/env python3
"""Matting models, backdrop vs ONNX Runtime, interleaved in one process (the seed method
of run.py: warm-up, then rounds in which each engine runs N timed runs in turn, order
rotating). RVM (rvm_mobilenetv3_fp32.onnx) at 1280x720 with downsample_ratio 0.25 and
0.375, MODNet (modnet.onnx) at 512x288, as issue 14 asks; models from
scripts/fetch-models.sh --matting.

Both engines run the same input: the astronaut photo scaled to the size (a pseudo-image if
pillow is missing). RVM runs in steady state: ONNX Runtime is fed full-size recurrent
states (the outputs of a first run), backdrop carries its own. Before timing, the first
frame's alpha of both engines is compared (max |diff|).

Usage: bench/peers/.venv/bin/python bench/peers/matting.py --lib bench/peers/.build/libbackdrop.so
       [--threads 1,2] [--rounds 5] [--runs 5] [--warmup 3] [--cases rvm025,rvm0375,modnet]
       [--precision fp32,int8]   (each precision of ours interleaved with ONNX Runtime fp32)
       [--ort-int8]   (and ONNX Runtime on its own static QDQ int8 model, OrtInt8)
"""
import argparse
import ctypes as C
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as peers  # noqa: E402  (the harness: ctypes mirror, bench(), stats_of())

ROOT = Path(__file__).resolve().parents[2]
CASES = {  # name: model file, width, height, downsample_ratio (None: no such input), range
    "rvm025": ("rvm_mobilenetv3_fp32.onnx", 1280, 720, 0.25, (0.0, 1.0)),
    "rvm0375": ("rvm_mobilenetv3_fp32.onnx", 1280, 720, 0.375, (0.0, 1.0)),
    "modnet": ("modnet.onnx", 512, 288, None, (-1.0, 1.0)),
}


def frame(w, h, lo, hi):
    try:
        from PIL import Image
        img = Image.open(ROOT / "samples" / "astronaut.png").convert("RGB").resize((w, h))
        a = np.asarray(img, np.float32) / 255.0
    except Exception:  # noqa: BLE001 (no pillow or no photo: a smooth pseudo-image)
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        a = np.stack([0.5 + 0.5 * np.sin(x / 37 + c) * np.cos(y / 23) for c in range(3)], -1)
    a = lo + (hi - lo) * a
    return np.ascontiguousarray(a.transpose(2, 0, 1)[None], dtype=np.float32)


class Ort:
    name = "onnxruntime"

    def __init__(self, path, threads, x, ratio):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(str(path), sess_options=so,
                                         providers=["CPUExecutionProvider"])
        names = [i.name for i in self.sess.get_inputs()]
        self.feed = {names[0]: x}
        if ratio is not None:
            self.feed["downsample_ratio"] = np.array([ratio], np.float32)
            for n in names[1:]:
                if n != "downsample_ratio":
                    self.feed[n] = np.zeros((1, 1, 1, 1), np.float32)
        outs = self.sess.run(None, self.feed)
        onames = [o.name for o in self.sess.get_outputs()]
        self.alpha = outs[onames.index("pha")] if "pha" in onames else outs[0]
        for n, y in zip(onames, outs):  # steady state: full-size states
            if n.endswith("o") and n[:-1] + "i" in self.feed:
                self.feed[n[:-1] + "i"] = y

    def __call__(self):
        self.sess.run(None, self.feed)


class OrtInt8(Ort):
    """ONNX Runtime on its own static int8 quantisation of the same model (QDQ format,
    per-channel s8 weights, u8 activations, MinMax ranges calibrated on the benchmark
    frame with the steady-state recurrent states), written once into
    bench/peers/.cache/ and reused."""
    name = "onnxruntime-int8"

    def __init__(self, path, threads, x, ratio, fp32):
        from onnxruntime import quantization as q
        cache = ROOT / "bench" / "peers" / ".cache"
        cache.mkdir(parents=True, exist_ok=True)
        tag = "" if ratio is None else f"_r{ratio}"
        qpath = cache / f"{path.stem}_{x.shape[3]}x{x.shape[2]}{tag}_qdq.onnx"
        if not qpath.exists():
            feeds = [dict(fp32.feed)]

            class Reader(q.CalibrationDataReader):
                def get_next(self):
                    return feeds.pop() if feeds else None

            import onnx
            from onnx import version_converter
            tmp = qpath.with_suffix(".tmp.onnx")
            src = path
            model = onnx.load(str(path))
            opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
            if opset < 13:  # per-channel DequantizeLinear (its axis) needs opset 13
                src = qpath.with_suffix(".op13.onnx")
                onnx.save(version_converter.convert_version(model, 13), str(src))
            q.quantize_static(str(src), str(tmp), Reader(), quant_format=q.QuantFormat.QDQ,
                              per_channel=True, activation_type=q.QuantType.QUInt8,
                              weight_type=q.QuantType.QInt8,
                              calibrate_method=q.CalibrationMethod.MinMax)
            tmp.replace(qpath)
            if src != path:
                src.unlink()
        super().__init__(qpath, threads, x, ratio)


PRECISIONS = {"fp32": 0, "fp16": 1, "bf16": 2, "int8": 3, "auto": 4}  # bd_precision


class Bd(peers.Backdrop):
    def __init__(self, lib, path, threads, x, w, h, ratio, precision="fp32"):
        self.name = "backdrop" if precision == "fp32" else f"backdrop-{precision}"
        self.precision = precision
        opts = {"input_width": w, "input_height": h, "precision": PRECISIONS[precision]}
        if ratio is not None:
            opts["downsample_ratio"] = ratio
        super().__init__(lib, path, threads, **opts)
        self.prepare(x)  # one run from zero state, on x
        k = 0
        for i in range(8):
            info = peers.BdTensorInfo()
            if self.lib.bd_model_output_info(self.model, i, C.byref(info)):
                break
            if info.name == b"pha":
                k = i
        p, n = C.POINTER(C.c_float)(), C.c_size_t()
        self._check(self.lib.bd_session_output(self.sess, k, C.byref(p), C.byref(n)), "output")
        self.alpha = np.ctypeslib.as_array(p, shape=(n.value,)).copy()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", default=str(ROOT / "bench/peers/.build/libbackdrop.so"))
    ap.add_argument("--models-dir", default=str(ROOT / "models"))
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--threads", default="2,1")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pause-ms", type=float, default=0.0,
                    help="sleep before each timed block, so the previous engine's spinning "
                    "worker threads park first")
    ap.add_argument("--precision", default="fp32",
                    help="comma list of our precisions, each timed in the same run")
    ap.add_argument("--ort-int8", action="store_true",
                    help="also time ONNX Runtime on its own static QDQ int8 quantisation")
    a = ap.parse_args()
    precs = a.precision.split(",")
    if any(p not in PRECISIONS for p in precs):
        ap.error(f"--precision: one of {','.join(PRECISIONS)}")
    lib = peers.load_backdrop(a.lib)
    peak = C.c_double()
    lib.bd_measure_peak_gmacs.restype = C.c_int
    lib.bd_measure_peak_gmacs.argtypes = [C.c_int, C.POINTER(C.c_double)]
    lib.bd_measure_peak_gmacs(0, C.byref(peak))
    # each reduced precision's own instruction too (vdpbf16ps, vpdpbusd); 0 = none
    lib.bd_measure_peak_gmacs_precision.restype = C.c_int
    lib.bd_measure_peak_gmacs_precision.argtypes = [C.c_int, C.c_int, C.POINTER(C.c_double)]
    own = {}
    for p in precs:
        v = C.c_double()
        if p in ("bf16", "int8"):
            lib.bd_measure_peak_gmacs_precision(0, PRECISIONS[p], C.byref(v))
            own[p] = v.value
    print(f"machine: {peers.cpu_model()}; load {peers.loadavg()}; git {peers.git_rev()}; "
          f"measured fp32 peak {peak.value:.1f} GMAC/s per core" +
          "".join(f", {p} {g:.1f}" for p, g in own.items() if g > 0))
    status = 0
    for name in a.cases.split(","):
        file, w, h, ratio, (lo, hi) = CASES[name]
        path = Path(a.models_dir) / file
        if not path.exists():
            print(f"{name}: {path} missing (scripts/fetch-models.sh --matting)")
            status = 1
            continue
        x = frame(w, h, lo, hi)
        for t in (int(v) for v in a.threads.split(",")):
            bds = [Bd(lib, path, t, x, w, h, ratio, p) for p in precs]
            ort = Ort(path, t, x, ratio)
            oq = None
            if a.ort_int8:
                try:
                    oq = OrtInt8(path, t, x, ratio, ort)
                except Exception as e:  # noqa: BLE001 ("where it works": say why not)
                    print(f"{name} t={t} onnxruntime-int8: quantisation failed: {e}")
            samples = peers.bench(bds + [ort] + ([oq] if oq else []), a.warmup, a.rounds, a.runs,
                                  a.pause_ms)
            so = peers.stats_of(samples["onnxruntime"])
            sq = peers.stats_of(samples[oq.name]) if oq else None
            if oq:
                diff = float(np.max(np.abs(oq.alpha - ort.alpha)))
                mean = float(np.mean(np.abs(oq.alpha - ort.alpha)))
                print(f"{name} {w}x{h} t={t} onnxruntime-int8 (QDQ): alpha vs its fp32 mean "
                      f"|diff| {mean:.4f} ({mean * 255:.2f}/255), max {diff:.2g}; min "
                      f"{sq['min']:.1f} ms, median {sq['median']:.1f} ms; ratio to onnxruntime "
                      f"fp32 min {sq['min'] / so['min']:.2f}x, median "
                      f"{sq['median'] / so['median']:.2f}x", flush=True)
            for bd in bds:
                diff = float(np.max(np.abs(bd.alpha - ort.alpha.ravel())))
                sb = peers.stats_of(samples[bd.name])
                gmacs = bd.n_macs / (sb["median"] * 1e6)
                pct = 100.0 * gmacs / (peak.value * t) if peak.value > 0 else 0.0
                r = "" if ratio is None else f" r={ratio}"
                g = own.get(bd.precision, 0.0)
                ownpct = f", {100.0 * gmacs / (g * t):.0f}% of the {bd.precision} peak" if g else ""
                print(f"{name} {w}x{h}{r} t={t} {bd.name}: {bd.n_macs / 1e9:.2f} G MACs; alpha "
                      f"max|diff| {diff:.2g}; min {sb['min']:.1f} ms, median "
                      f"{sb['median']:.1f} ms ({gmacs:.1f} GMAC/s of direct-conv MACs, Winograd "
                      f"does fewer: {pct:.0f}% of the fp32 "
                      f"peak{ownpct}); onnxruntime min {so['min']:.1f} ms, median {so['median']:.1f} "
                      f"ms; ratio (ours/ORT) min {sb['min'] / so['min']:.2f}x, median "
                      f"{sb['median'] / so['median']:.2f}x" +
                      (f"; to onnxruntime-int8 min {sb['min'] / sq['min']:.2f}x, median "
                       f"{sb['median'] / sq['median']:.2f}x" if sq else ""), flush=True)
            for bd in bds:
                bd.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
