#!/usr/bin/env python3
"""Builds the PyTorch test models (issue 5, item 6) and their ONNX Runtime references.

Two steps, two interpreters (so Debian's torch never meets a pip numpy):

  /usr/bin/python3 scripts/make_torch_models.py export OUTDIR
      Debian python3-torch 1.13 + python3-torchvision: builds every case with a fixed seed
      and random weights (BatchNorm running statistics randomised too), exports it with
      torch.onnx.export and writes the image input of every frame as raw float32.
      Writes OUTDIR/cases.json listing what the reference step must run.

  VENV/bin/python scripts/make_torch_models.py reference OUTDIR
      onnxruntime + numpy only: runs every case with ONNX Runtime (CPU, 1 thread,
      ORT_ENABLE_ALL), carries the recurrent state from frame to frame, writes every input
      and output file and, last, OUTDIR/manifest.tsv.

The output layout is the torch test-model contract (docs/ONNX.md, "PyTorch test models").
scripts/make-torch-models.sh runs both steps and caches the result.
"""
import json
import os
import sys
import zlib

# Case list: (name, architecture, (H, W), opset, keep_bn). One awkward size that is not a
# multiple of 32 and one 256-ish size per architecture, and more than one opset each.
# The LR-ASPP and DeepLabV3 sizes are the ones the peer benchmark times (bench/peers/run.py).
CASES = [
    ("lraspp_256x256_op11", "lraspp", (256, 256), 11, False),
    ("lraspp_144x256_op13", "lraspp", (144, 256), 13, False),
    ("deeplabv3_256x256_op13", "deeplabv3", (256, 256), 13, False),
    ("deeplabv3_144x256_op11", "deeplabv3", (144, 256), 11, False),
    ("unet_256x256_op11", "unet", (256, 256), 11, False),
    ("unet_190x250_op13", "unet", (190, 250), 13, False),
    ("unet_190x250_op17_bn", "unet", (190, 250), 17, True),
    ("convgru_190x250_op11", "convgru", (190, 250), 11, False),
    ("convgru_256x256_op13", "convgru", (256, 256), 13, False),
    ("convgru_190x250_op17", "convgru", (190, 250), 17, False),
]
RECURRENT_FRAMES = 3


def case_seed(name):
    return 1234 + zlib.crc32(name.encode())


# ---------------------------------------------------------------- export step (torch)

def build_models():
    import torch
    from torch import nn
    import torch.nn.functional as F

    def conv_bn_relu(cin, cout, stride=1):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU(inplace=True))

    def convt_out(n, k, s, p):
        return (n - 1) * s - 2 * p + k

    class UNet(nn.Module):
        """Small U-Net: MaxPool and strided-conv downsampling, ConvTranspose upsampling with
        the output_padding that restores the skip's (possibly odd) size, skip Concats."""

        def __init__(self, h, w):
            super().__init__()
            h1, w1 = h // 2, w // 2                        # after MaxPool2d(2)
            h2, w2 = (h1 - 1) // 2 + 1, (w1 - 1) // 2 + 1  # after 3x3 stride-2 conv
            self.enc0 = nn.Sequential(conv_bn_relu(3, 8), conv_bn_relu(8, 8))
            self.pool = nn.MaxPool2d(2)
            self.enc1 = conv_bn_relu(8, 16)
            self.down2 = conv_bn_relu(16, 24, stride=2)
            self.mid = nn.Sequential(conv_bn_relu(24, 24), nn.Conv2d(24, 24, 1), nn.LeakyReLU(0.1))
            op2 = (h1 - convt_out(h2, 3, 2, 1), w1 - convt_out(w2, 3, 2, 1))
            self.up2 = nn.ConvTranspose2d(24, 16, 3, 2, 1, output_padding=op2)
            self.dec1 = conv_bn_relu(32, 16)
            op1 = (h - convt_out(h1, 2, 2, 0), w - convt_out(w1, 2, 2, 0))
            self.up1 = nn.ConvTranspose2d(16, 8, 2, 2, 0, output_padding=op1)
            self.dec0 = nn.Sequential(conv_bn_relu(16, 8), nn.Conv2d(8, 2, 1))

        def forward(self, x):
            s0 = self.enc0(x)
            s1 = self.enc1(self.pool(s0))
            y = self.mid(self.down2(s1))
            y = self.dec1(torch.cat([self.up2(y), s1], 1))
            y = self.dec0(torch.cat([self.up1(y), s0], 1))
            return y

    class ConvGRU(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.ch = ch
            self.ih = nn.Conv2d(2 * ch, 2 * ch, 3, padding=1)
            self.hh = nn.Conv2d(2 * ch, ch, 3, padding=1)

        def forward(self, x, h):
            r, z = torch.sigmoid(self.ih(torch.cat([x, h], 1))).split(self.ch, 1)
            c = torch.tanh(self.hh(torch.cat([x, r * h], 1)))
            return (1 - z) * h + z * c

    class ConvGRUMatting(nn.Module):
        """Robust-Video-Matting-shaped toy: encoder, two ConvGRU states (one on half the
        channels, split off as RVM does), bilinear x2 upsampling cropped to the skip size."""

        def __init__(self):
            super().__init__()
            self.e1 = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.Hardswish())
            self.e2 = nn.Sequential(nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU())
            self.e3 = nn.Sequential(nn.Conv2d(32, 32, 3, 2, 1), nn.ReLU())
            self.gru1 = ConvGRU(16)
            self.gru2 = ConvGRU(32)
            self.d2 = nn.Sequential(nn.Conv2d(64, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU())
            self.d1 = nn.Sequential(nn.Conv2d(48, 16, 3, 1, 1), nn.ReLU())
            self.d0 = nn.Sequential(nn.Conv2d(19, 8, 3, 1, 1), nn.ReLU(), nn.Conv2d(8, 1, 1))
            with torch.no_grad():  # spread alpha over most of (0, 1), not just around 0.5
                self.d0[2].weight.mul_(16.0)

        @staticmethod
        def up_to(x, ref):
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
            return x[:, :, :ref.size(2), :ref.size(3)]

        def forward(self, src, r1, r2):
            f1 = self.e1(src)
            f2 = self.e2(f1)
            a, b = f2.split(16, 1)
            r1 = self.gru1(b, r1)
            f2 = torch.cat([a, r1], 1)
            f3 = self.e3(f2)
            r2 = self.gru2(f3, r2)
            y = self.d2(torch.cat([self.up_to(r2, f2), f2], 1))
            y = self.d1(torch.cat([self.up_to(y, f1), f1], 1))
            y = self.d0(torch.cat([self.up_to(y, src), src], 1))
            return torch.sigmoid(y), r1, r2

    class OutOnly(nn.Module):
        """torchvision segmentation models return a dict; export its 'out'."""

        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return self.m(x)["out"]

    def make(arch, h, w):
        import torchvision.models.segmentation as seg
        if arch == "lraspp":
            return OutOnly(seg.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None))
        if arch == "deeplabv3":
            return OutOnly(seg.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None,
                                                            aux_loss=False))
        if arch == "unet":
            return UNet(h, w)
        if arch == "convgru":
            return ConvGRUMatting()
        raise ValueError(arch)

    return make


def randomise_batchnorm(model, gen):
    import torch
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(n, generator=gen) * 1.5 + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.2)


def export(outdir):
    import torch
    torch.set_num_threads(2)
    make = build_models()
    os.makedirs(outdir, exist_ok=True)
    listing = []
    for name, arch, (h, w), opset, keep_bn in CASES:
        seed = case_seed(name)
        torch.manual_seed(seed)
        model = make(arch, h, w)
        randomise_batchnorm(model, torch.Generator().manual_seed(seed + 1))
        model.eval()
        gen = torch.Generator().manual_seed(seed + 2)
        recurrent = arch == "convgru"
        n_frames = RECURRENT_FRAMES if recurrent else 1
        # Image-like input: smooth low-resolution pattern plus noise, roughly normalised.
        frames = []
        for _ in range(n_frames):
            low = torch.rand(1, 3, max(h // 16, 2), max(w // 16, 2), generator=gen)
            img = torch.nn.functional.interpolate(low, size=(h, w), mode="bilinear",
                                                  align_corners=False)
            img = img + 0.1 * torch.rand(1, 3, h, w, generator=gen)
            frames.append(((img - 0.5) / 0.25).contiguous())
        onnx_file = name + ".onnx"
        kwargs = dict(opset_version=opset)
        if keep_bn:
            # Without constant folding the exporter leaves BatchNormalization in the graph.
            kwargs.update(do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE)
        if recurrent:
            with torch.no_grad():
                f1 = model.e1(frames[0])
                f2 = model.e2(f1)
                f3 = model.e3(f2)
            states = [torch.zeros(1, 16, f2.shape[2], f2.shape[3]),
                      torch.zeros(1, 32, f3.shape[2], f3.shape[3])]
            args = (frames[0], *states)
            in_names, out_names = ["src", "r1i", "r2i"], ["pha", "r1o", "r2o"]
            state_shapes = [list(s.shape) for s in states]
        else:
            args = (frames[0],)
            in_names, out_names = ["input"], ["out"]
            state_shapes = []
        with torch.no_grad():
            torch.onnx.export(model, args, os.path.join(outdir, onnx_file),
                              input_names=in_names, output_names=out_names, **kwargs)
            eager = model(*args)
        eager = eager if isinstance(eager, tuple) else (eager,)
        for k, img in enumerate(frames):
            img.numpy().astype("<f4").tofile(os.path.join(outdir, f"{name}.f{k}.in0.f32"))
        # Eager PyTorch output of frame 0 (zero state): the reference step checks that ONNX
        # Runtime agrees with it, so a broken export is caught here and not blamed on us.
        for j, t in enumerate(eager):
            t.numpy().astype("<f4").tofile(os.path.join(outdir, f"{name}.torch.out{j}.f32"))
        listing.append(dict(name=name, onnx_file=onnx_file, n_frames=n_frames,
                            kind="recurrent" if recurrent else "plain", opset=opset,
                            inputs=in_names, outputs=out_names, size=[h, w],
                            state_shapes=state_shapes, keep_bn=keep_bn))
        print(f"exported {name}", file=sys.stderr)
    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump(listing, f, indent=1)


# ------------------------------------------------------------ reference step (ORT)

def reference(outdir, generator_hash):
    import numpy as np
    import onnxruntime as ort
    with open(os.path.join(outdir, "cases.json")) as f:
        listing = json.load(f)
    lines = ["# PyTorch test models: scripts/make_torch_models.py (torch test-model contract)",
             f"# generator {generator_hash}",
             f"# onnxruntime {ort.__version__}, CPU EP, 1 thread, ORT_ENABLE_ALL",
             "# name\tonnx_file\tn_frames\tn_inputs\tn_outputs\tkind"]
    for c in listing:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(os.path.join(outdir, c["onnx_file"]), so,
                                    providers=["CPUExecutionProvider"])
        ins = [i.name for i in sess.get_inputs()]
        outs = [o.name for o in sess.get_outputs()]
        assert ins == c["inputs"] and outs == c["outputs"], (c["name"], ins, outs)
        h, w = c["size"]
        states = [np.zeros(s, np.float32) for s in c["state_shapes"]]
        for k in range(c["n_frames"]):
            name = c["name"]
            img = np.fromfile(os.path.join(outdir, f"{name}.f{k}.in0.f32"), "<f4")
            feed_vals = [img.reshape(1, 3, h, w)] + states
            for i, v in enumerate(feed_vals[1:], start=1):
                v.astype("<f4").tofile(os.path.join(outdir, f"{name}.f{k}.in{i}.f32"))
            res = sess.run(None, dict(zip(ins, feed_vals)))
            for j, r in enumerate(res):
                np.asarray(r, np.float32).astype("<f4").tofile(
                    os.path.join(outdir, f"{name}.f{k}.out{j}.f32"))
            if k == 0:
                for j, r in enumerate(res):
                    p = os.path.join(outdir, f"{name}.torch.out{j}.f32")
                    t = np.fromfile(p, "<f4")
                    rng = float(r.max() - r.min())
                    err = float(np.abs(t - r.ravel()).max())
                    # Loose: only to catch an export that does not compute the model.
                    if err > max(1e-3 * rng, 1e-5):
                        raise SystemExit(f"{name}: ONNX Runtime differs from eager PyTorch on "
                                         f"output {j}: max err {err:g}, range {rng:g}")
                    os.remove(p)
            if c["kind"] == "recurrent":
                states = [np.asarray(r, np.float32) for r in res[1:]]
            rng = ", ".join(f"{outs[j]} [{float(r.min()):.4g}, {float(r.max()):.4g}]"
                            for j, r in enumerate(res))
            print(f"reference {name} frame {k}: {rng}", file=sys.stderr)
        n_in = len(ins)
        lines.append(f"{c['name']}\t{c['onnx_file']}\t{c['n_frames']}\t{n_in}\t{len(outs)}\t"
                     f"{c['kind']}")
    tmp = os.path.join(outdir, "manifest.tsv.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(outdir, "manifest.tsv"))


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("export", "reference"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        reference(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "unknown")


if __name__ == "__main__":
    main()
