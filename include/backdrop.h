/*
 * backdrop.h -- the public C API of libbackdrop.
 *
 * libbackdrop finds the people in an image and replaces, blurs or removes the
 * background behind them. It reads pretrained segmentation networks (TFLite, ONNX),
 * compiles them once at load (constant folding, kernel choice, memory plan) and
 * runs them with its own CPU kernels. Around the engine sits an image pipeline
 * that resizes the frame down once for the model, upsamples only the one-channel
 * mask, and composites at the frame's own resolution.
 *
 * Lifecycle: bd_model_create -> bd_model_load_file (import + compile; the model is
 * then immutable and may be shared by threads) -> bd_session_create (one per
 * thread; owns the activation arena) -> bd_session_run, many times, with no
 * allocation -> bd_session_free, bd_model_free.
 *
 * Conventions: every fallible call returns bd_status (0 = OK, negative = error);
 * results come back through trailing out parameters that are untouched on
 * failure; every handle has a *_last_error() with a one-line message; handles
 * that failed unrecoverably are "sticky" and further calls return
 * BD_ERR_BAD_STATE; every *_free accepts NULL. Pointer parameters are borrowed
 * (used only during the call) unless their doc says otherwise.
 */
#ifndef BACKDROP_H
#define BACKDROP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(BD_STATIC_DEFINE)
#define BD_API
#elif defined(_WIN32)
#ifdef BD_BUILDING
#define BD_API __declspec(dllexport)
#else
#define BD_API __declspec(dllimport)
#endif
#else
#define BD_API __attribute__((visibility("default")))
#endif

#define BD_VERSION_MAJOR 0
#define BD_VERSION_MINOR 1
#define BD_VERSION_PATCH 0

/** Returns the library version as "MAJOR.MINOR.PATCH" (static string). */
BD_API const char *bd_version(void);

/* ---------------------------------------------------------------------------
 * Status codes (append-only).
 */
typedef int bd_status;
enum {
    BD_OK = 0,
    BD_ERR_INVALID_ARG = -1, /* an API argument is wrong (NULL, out of range) */
    BD_ERR_NO_MEMORY = -2,   /* an allocation failed */
    BD_ERR_IO = -3,          /* a file could not be opened, read or written */
    BD_ERR_FORMAT = -4,      /* malformed input: model file, image */
    BD_ERR_UNSUPPORTED = -5, /* well-formed but not supported (op, dtype, image kind) */
    BD_ERR_BAD_STATE = -6,   /* the handle failed earlier or is not ready */
    BD_ERR_LIMIT = -7,       /* input exceeds a configured limit (size, dims, count) */
};

/** Returns a static, human-readable name for a status code. Thread-safe. */
BD_API const char *bd_status_str(bd_status status);

/* ---------------------------------------------------------------------------
 * Instruction-set levels for kernel dispatch (append-only). BD_ISA_AUTO picks
 * the best level the CPU and OS support; a lower value caps it. The environment
 * variable BD_ISA=ref|scalar|avx2|avx512 caps it too (the lower cap wins).
 */
typedef enum bd_isa {
    BD_ISA_AUTO = 0,
    BD_ISA_REF = 1,    /* plain C reference kernels (the executable specification) */
    BD_ISA_SCALAR = 2, /* portable production C */
    BD_ISA_AVX2 = 3,   /* x86-64 AVX2 + FMA */
    BD_ISA_AVX512 = 4, /* x86-64 AVX-512 F/BW/DQ/VL */
    BD_ISA_NEON = 5,   /* AArch64 NEON */
} bd_isa;

/** Name of an ISA level ("ref", "avx2", ...). Static string. */
BD_API const char *bd_isa_name(bd_isa isa);
/** The best ISA level this CPU and OS support. Thread-safe. */
BD_API bd_isa bd_isa_detect(void);

/* ---------------------------------------------------------------------------
 * Tensors.
 */
typedef enum bd_dtype {
    BD_DTYPE_F32 = 1,
    BD_DTYPE_F16 = 2,
    BD_DTYPE_I32 = 3,
    BD_DTYPE_U8 = 4,
    BD_DTYPE_I8 = 5,
    BD_DTYPE_I64 = 6,
} bd_dtype;

#define BD_MAX_DIMS 6
#define BD_MAX_NAME 96

/** Describes a model input or output. Layout is the model's (NHWC for TFLite). */
typedef struct bd_tensor_info {
    char name[BD_MAX_NAME]; /* NUL-terminated, truncated if longer */
    bd_dtype dtype;
    int n_dims;
    int64_t dims[BD_MAX_DIMS];
} bd_tensor_info;

/* ---------------------------------------------------------------------------
 * Models.
 */
typedef struct bd_model bd_model;

/** Precision of the convolutions (append-only). Accumulation is fp32 in every
 * mode. */
typedef enum bd_precision {
    BD_PRECISION_FP32 = 0, /* default */
    BD_PRECISION_FP16 = 1, /* weights stored as IEEE half, widened to fp32 in registers
                              (F16C); activations fp32; needs the avx2 or avx512 kernel
                              level, else FP32 */
    BD_PRECISION_BF16 = 2, /* dense convolutions and fully connected ops with bfloat16
                              weights AND activations (each op's input rounded to bf16
                              once per run), fp32 accumulation (vdpbf16ps); bias,
                              outputs and every other op fp32. Needs the avx512 kernel
                              level and a CPU with AVX512_BF16, else FP32 (the
                              precision_note of bd_model_stats says why) */
    BD_PRECISION_INT8 = 3, /* dense convolutions and fully connected ops with s8 weights
                              (symmetric, one scale per output channel) and u8
                              activations (each op's input quantised once per run with
                              the scale and zero point of its min and max), exact int32
                              accumulation (vpdpbusd), dequantised to fp32 with the bias;
                              outputs and every other op fp32. Needs the avx512 kernel
                              level and a CPU with AVX512_VNNI, else FP32 */
    BD_PRECISION_AUTO = 4, /* the fastest precision within the accuracy budget on this
                              CPU, decided at load: BF16 where the CPU has
                              AVX512_BF16 and a ~1 ms timing shows vdpbf16ps doing
                              >= 1.5x the multiply-adds of the FP32 FMA (Zen 4: 2x;
                              some Xeons: 0.4x), else FP32. Never INT8 (opt-in).
                              bd_model_stats: precision is what ran, precision_note
                              says what auto measured and chose */
} bd_precision;

/** Options for loading a model. Fill with bd_model_options_default(). */
/** How dense convolutions are computed (bd_model_options.conv_algo). */
typedef enum bd_conv_algo {
    BD_CONV_ALGO_AUTO = 0,   /* Winograd where it applies and pays, else direct */
    BD_CONV_ALGO_DIRECT = 1  /* direct convolution only */
} bd_conv_algo;

typedef struct bd_model_options {
    size_t struct_size;        /* = sizeof(bd_model_options) */
    bd_isa isa;                /* kernel level cap; BD_ISA_AUTO = best available */
    size_t max_file_bytes;     /* default 512 MiB */
    size_t max_tensor_bytes;   /* largest single tensor; default 1 GiB */
    int max_ops;               /* default 100000 */
    int max_tensors;           /* default 100000 */
    /* Names of intermediate tensors to expose as extra outputs after the model's own
     * outputs (for debugging and reference checks, e.g. pre-sigmoid logits). Borrowed;
     * may be NULL. Fusion never removes a tensor named here. */
    const char *const *extra_outputs;
    int n_extra_outputs;
    /* Precision of the convolutions; default BD_PRECISION_FP32. FP16: weight
     * storage of the dense, 1x1, fully connected and depthwise ones (half the
     * weight bytes); BF16: bf16 weights and activations in the dense ones (see
     * bd_precision). Their error against FP32 on the selfie and matting models is
     * in docs/NOTES.md. A caller's older, smaller struct (struct_size) reads as
     * FP32. Other values: BD_ERR_INVALID_ARG. */
    bd_precision precision;
    /* Size for the free (symbolic) spatial dims of the image-shaped graph inputs
     * (ONNX dim_param "height"/"width" of MODNet-style [N,3,H,W] models); 0 = none,
     * and such a model then fails to load naming the dim. Fixed dims are never
     * changed. Each in 0..BD_MAX_INPUT_SIDE; bd_model_input_free_dims tells which
     * dims were free. A caller's older, smaller struct (struct_size) reads as 0. */
    int input_width, input_height;
    /* The size of the frames the model will see, from which free spatial dims are
     * chosen when input_width/input_height are 0: for a recurrent matting model
     * (Robust Video Matting style: inputs of symbolic shape carried as state) the
     * frame's own size; for others (MODNet style) the frame scaled so that its long
     * side is 512, both sides multiples of 32. 0 = unknown. Each in
     * 0..BD_MAX_INPUT_SIDE. A caller's older, smaller struct reads as 0. */
    int frame_width, frame_height;
    /* Value bound to a graph input named "downsample_ratio" of shape [1] (RVM's:
     * the share of the frame's size the network runs at; its refiner upsamples to
     * the full size). 0 = automatic from the input size, as RVM's authors advise for
     * portraits: 1 up to a short side of 512, else 270 / short side (0.375 at 720p,
     * 0.25 at 1080p). Otherwise in (0, 1]; others: BD_ERR_INVALID_ARG. */
    float downsample_ratio;
    /* Largest activation arena (bytes of one session's planned intermediate
     * tensors) a model may need; a model over it is refused at load with
     * BD_ERR_LIMIT naming both sizes. Default 1 GiB (the selfie models need under
     * 10 MiB); 0 = the default. A caller's older, smaller struct reads as the
     * default. The other caps above are checked while reading the file, before
     * anything of the claimed size is allocated: max_file_bytes on the file,
     * max_ops and max_tensors on the graph's counts, max_tensor_bytes on every
     * tensor's shape (element and byte counts computed with overflow checks). */
    size_t max_arena_bytes;
    /* How the 3x3 and 5x5 stride-1 dense convolutions are computed in fp32:
     * BD_CONV_ALGO_AUTO (0, the default; an older, smaller struct reads as it)
     * uses Winograd F(4x4, 3x3) or F(2x2, 5x5) where the kernel level has it (avx2, avx512) and
     * the layer is large enough to gain (2-3x fewer cycles on RVM's and MODNet's
     * decoders; results within ~5e-6 of sum |w * x| of the direct convolution);
     * BD_CONV_ALGO_DIRECT keeps every convolution direct. Others:
     * BD_ERR_INVALID_ARG. */
    bd_conv_algo conv_algo;
} bd_model_options;

#define BD_MAX_INPUT_SIDE 16384

/** Fills *opts with defaults. */
BD_API void bd_model_options_default(bd_model_options *opts);

/**
 * Creates an empty model handle. opts may be NULL (defaults); it is copied.
 * Returns BD_OK, BD_ERR_INVALID_ARG or BD_ERR_NO_MEMORY.
 */
BD_API bd_status bd_model_create(const bd_model_options *opts, bd_model **out);

/**
 * Reads, validates, imports and compiles a model file (format from its contents:
 * TFLite, or ONNX with ops listed in the op tables of src/import/onnx/). The file is
 * untrusted: every offset, size and index is checked.
 * On failure returns BD_ERR_IO / FORMAT / UNSUPPORTED / LIMIT / NO_MEMORY, the
 * handle becomes sticky-failed and bd_model_last_error() names the problem.
 * A handle can be loaded once. Not thread-safe on the same handle.
 */
BD_API bd_status bd_model_load_file(bd_model *model, const char *path);

/** As bd_model_load_file, from memory. data is borrowed (copied as needed). */
BD_API bd_status bd_model_load_memory(bd_model *model, const void *data, size_t size);

/** Last error message for this handle ("" if none). Valid until the next call on it. */
BD_API const char *bd_model_last_error(const bd_model *model);

/** Frees the model. Accepts NULL. All its sessions must be freed first. */
BD_API void bd_model_free(bd_model *model);

/** Counts of model inputs and outputs (outputs include extra_outputs). 0 if not loaded. */
BD_API int bd_model_n_inputs(const bd_model *model);
BD_API int bd_model_n_outputs(const bd_model *model);
/** Describes input/output `index`. Returns BD_ERR_INVALID_ARG if out of range. */
BD_API bd_status bd_model_input_info(const bd_model *model, int index, bd_tensor_info *out);
BD_API bd_status bd_model_output_info(const bd_model *model, int index, bd_tensor_info *out);
/** Bit k set: dim k of input `index` is free (symbolic) in the file and was set at
 * load: spatial dims from bd_model_options.input_width/input_height (or the frame
 * size), and the dims of a recurrent state input from its paired output (a symbolic
 * batch, taken as 1, is not counted). 0 for fixed inputs, an index out of range or
 * a model not loaded. */
BD_API unsigned bd_model_input_free_dims(const bd_model *model, int index);

/** Facts about a loaded model, for `backdrop info`. */
typedef struct bd_model_stats {
    size_t struct_size;
    const char *format;      /* "tflite" or "onnx"; static */
    const char *description; /* from the file; owned by the model, may be "" */
    int n_ops_imported;      /* ops in the file */
    int n_ops_compiled;      /* ops after compilation (folding, fusion) */
    int64_t n_params;        /* weights + biases (elements) */
    int64_t n_macs;          /* multiply-adds per inference */
    size_t weight_bytes;     /* weight bytes the kernels read after compile: packed
                                convolution weights at their precision + other constants */
    size_t arena_bytes;      /* activation arena of one session */
    bd_isa isa;              /* kernel level chosen */
    bd_precision precision;  /* INT8 / BF16 if any op runs in int8 / bf16, FP16 if any op got half
                                weights, else FP32 */
    int n_ops_fp16;          /* ops whose weights are stored as half */
    const char *precision_note; /* owned by the model: why FP16/BF16/INT8 was not
                                   (fully) used and what AUTO chose, or "" */
    float downsample_ratio;     /* bound to RVM's downsample_ratio input; 0 = none */
    int n_ops_bf16;             /* ops run with bf16 weights and activations */
    int n_ops_int8;             /* ops run with s8 weights and u8 activations */
    int n_ops_winograd;         /* fp32 convolutions run as Winograd (3x3, 5x5) */
} bd_model_stats;

BD_API bd_status bd_model_get_stats(const bd_model *model, bd_model_stats *out);

/**
 * Op histogram of the imported model: calls cb(name, count, user) once per op
 * type, in order of first appearance. name is static or owned by the model.
 */
BD_API bd_status bd_model_op_counts(const bd_model *model,
                                    void (*cb)(const char *op_name, int count, void *user),
                                    void *user);

/* ---------------------------------------------------------------------------
 * Sessions: the activation arena and the state for running one model. A session
 * is used by one thread at a time; many sessions may share one model.
 */
typedef struct bd_session bd_session;

typedef struct bd_session_options {
    size_t struct_size;
    int n_threads; /* worker threads incl. the caller; 0 = 1 */
    int profile;   /* 1 = time every op of every run (see bd_session_op_profile) */

    /* --- appended in 0.3 (recurrent models) ------------------------------------ */
    /* Recurrent state: after each bd_session_run the session copies every state
     * output into its paired input, so the next run sees the previous run's state
     * (the caller writes only the other inputs, e.g. the image). State inputs are
     * zero at creation and after bd_session_reset_state.
     *   carry_state  0 = auto: carry state_pairs if given, else the pairs
     *                    bd_model_state_pairs finds by name; -1 = off (the caller
     *                    feeds every input itself).
     *   state_pairs  n_state_pairs pairs {input index, output index} (borrowed for
     *                the create call); each pair must have the same element count. */
    int carry_state;
    const int *state_pairs;
    int n_state_pairs;
} bd_session_options;

BD_API void bd_session_options_default(bd_session_options *opts);

/** Creates a session; model is retained (must outlive the session). */
BD_API bd_status bd_session_create(const bd_model *model, const bd_session_options *opts,
                                   bd_session **out);
BD_API const char *bd_session_last_error(const bd_session *session);
BD_API void bd_session_free(bd_session *session);

/**
 * Returns the session's buffer for input `index` (f32, dense, the model's layout)
 * and its element count. Write the input there, then call bd_session_run. The
 * pointer stays valid for the session's life.
 */
BD_API bd_status bd_session_input(bd_session *session, int index, float **data, size_t *n);

/** Runs the model once. No allocation, no file I/O. */
BD_API bd_status bd_session_run(bd_session *session);

/**
 * Returns output `index` (f32, dense). Valid until the next bd_session_run or
 * bd_session_free. Outputs are never overwritten by the arena planner.
 */
BD_API bd_status bd_session_output(bd_session *session, int index, const float **data,
                                   size_t *n);

/**
 * Zeroes every carried state input (a scene cut: the next run starts as the first
 * one did). A no-op for a session without state. Returns BD_ERR_INVALID_ARG for NULL.
 */
BD_API bd_status bd_session_reset_state(bd_session *session);

/** Number of state pairs the session carries (0 if none). */
BD_API int bd_session_n_state_pairs(const bd_session *session);

/** Per-op timing of a session created with profile = 1. */
typedef struct bd_op_profile {
    const char *op;       /* compiled op, e.g. "CONV2D" ("CONV2D_WINO": a CONV2D run as
                             Winograd F(4x4, 3x3) or F(2x2, 5x5)); static */
    const char *act;      /* fused activation ("", "relu", "hardswish", ...); static */
    int residual;         /* 1 if a residual add is fused in */
    int src_index;        /* index of the (first) source op in the model file */
    int64_t macs;         /* multiply-adds per run */
    int64_t out_elems;    /* output elements */
    double total_ms;      /* wall time summed over the runs since the last reset */
    int64_t runs;
} bd_op_profile;

/** Number of compiled ops (the profile's length). */
BD_API int bd_session_n_ops(const bd_session *session);
/** Profile of compiled op `index`; BD_ERR_BAD_STATE if profiling is off. */
BD_API bd_status bd_session_op_profile(const bd_session *session, int index, bd_op_profile *out);
/** Clears the accumulated profile. */
BD_API void bd_session_profile_reset(bd_session *session);

/**
 * Measures this core's peak single-precision multiply-add rate (GMAC/s) with an
 * FMA loop at the given ISA level (BD_ISA_AUTO = best), taking about 50 ms.
 * Used by `backdrop bench` to state how far from the hardware bound we are.
 */
BD_API bd_status bd_measure_peak_gmacs(bd_isa isa, double *gmacs);
/**
 * The same for a precision's own instruction (appended in 0.4): FP32 and FP16 the
 * FMA loop, BF16 vdpbf16ps (2 multiply-adds per fp32 lane), INT8 vpdpbusd (4);
 * BD_ERR_UNSUPPORTED (*gmacs = 0) where the level or the CPU has no such kernels,
 * BD_ERR_INVALID_ARG for AUTO or an unknown value.
 */
BD_API bd_status bd_measure_peak_gmacs_precision(bd_isa isa, bd_precision precision,
                                                 double *gmacs);

/* ---------------------------------------------------------------------------
 * Model conventions (appended in 0.3): what a segmentation or matting model wants
 * as its image and what its outputs mean. bd_model_conventions_infer reads them
 * from the model where it makes them clear (layout and size from the image
 * input's shape, probabilities from a final Sigmoid/Softmax, logits from a final
 * linear op, class count from the output's shape, the alpha output and
 * recurrent state pairs from their names); a sidecar file next to the model
 * (bd_model_conventions_sidecar) and the caller may then override any of them.
 * Each group records where it came from. Precedence in the CLI: flags > sidecar
 * > inferred > defaults.
 */
typedef enum bd_layout {
    BD_LAYOUT_NHWC = 1, /* [1, H, W, C]: TFLite, tf2onnx exports */
    BD_LAYOUT_NCHW = 2, /* [1, C, H, W]: PyTorch exports */
} bd_layout;

typedef enum bd_output_kind {
    BD_OUTPUT_UNKNOWN = 0, /* 1 channel: taken as a probability; N channels: taken as
                            * probabilities when every pixel's N values lie in [0, 1]
                            * and sum to 1, else as logits (decided per run) */
    BD_OUTPUT_PROB = 1,    /* probabilities (after Sigmoid / Softmax) */
    BD_OUTPUT_LOGITS = 2,  /* logits: sigmoid (1 channel) or softmax (N) is applied */
    BD_OUTPUT_ALPHA = 3,   /* a matting alpha in [0, 1], used as is */
} bd_output_kind;

typedef enum bd_conv_source {
    BD_FROM_DEFAULT = 0,  /* nothing said otherwise */
    BD_FROM_INFERRED = 1, /* read from the model */
    BD_FROM_SIDECAR = 2,  /* the sidecar file */
    BD_FROM_CALLER = 3,   /* set by the caller (CLI flags) */
} bd_conv_source;

/** Static name of a source: "default", "inferred", "sidecar", "caller". */
BD_API const char *bd_conv_source_name(bd_conv_source source);

#define BD_MAX_STATE_PAIRS 16

typedef struct bd_model_conventions {
    size_t struct_size; /* = sizeof(bd_model_conventions) */
    /* The image input: its index, layout and size (size read-only, from the shape). */
    int image_input;
    bd_layout layout;
    int input_w, input_h;
    /* Colour order of the input's 3 channels: 0 = R,G,B; 1 = B,G,R. */
    int bgr;
    /* Normalisation per channel, in the model's channel order:
     * tensor = (u8 / 255 - mean[c]) / std[c]. [0,1]: mean 0, std 1 (default);
     * [-1,1]: mean 0.5, std 0.5; [0,255]: mean 0, std 1/255. std must not be 0. */
    float mean[3], std[3];
    /* The mask: output index, its layout, channel count (read-only), which channel
     * is the person (-1 = the only one, or 1 of 2), what its values are. */
    int mask_output;
    bd_layout output_layout;
    int n_classes;
    int person_class;
    bd_output_kind output_kind;
    /* Recurrent state carried between runs: input index -> output index. */
    int n_state_pairs;
    int state_input[BD_MAX_STATE_PAIRS], state_output[BD_MAX_STATE_PAIRS];
    /* Where each group came from. */
    bd_conv_source from_image_input, from_layout, from_color, from_norm, from_mask_output,
        from_output_layout, from_class, from_output_kind, from_states;
    /* --- appended in 0.5 (matting) --- */
    /* The output with the foreground colour (RVM's "fgr": [1,3,h,w] / [1,h,w,3] in
     * 0..1, the mask's size and layout), inferred by name ("fgr", "foreground");
     * -1 = none. The mask output's own index also means none (so a zeroed struct
     * does no harm). */
    int fgr_output;
} bd_model_conventions;

/**
 * Fills *out (set out->struct_size = sizeof(bd_model_conventions) first; an older,
 * smaller struct gets its prefix) with the conventions read from a loaded model
 * (its shapes, names, final ops, and an ONNX file's metadata_props entries
 * "backdrop.KEY" = value, read like sidecar lines), defaults elsewhere. Returns
 * BD_OK, BD_ERR_INVALID_ARG, BD_ERR_BAD_STATE (not loaded), BD_ERR_UNSUPPORTED
 * (no input looks like an image [1,H,W,3] / [1,3,H,W], or no output like a map)
 * or BD_ERR_FORMAT (a bad metadata_props entry); err, if given, says which.
 */
BD_API bd_status bd_model_conventions_infer(const bd_model *model, bd_model_conventions *out,
                                            char *err, size_t err_size);

/**
 * Applies a sidecar file (untrusted text, at most 64 KiB) on top of *conv, marking
 * what it sets as BD_FROM_SIDECAR. One "key = value" per line; '#' starts a
 * comment; blank lines are ignored; each key at most once. Keys:
 *   layout = nchw | nhwc           color = rgb | bgr
 *   mean = R, G, B                 std = R, G, B   (or one number for all three)
 *   range = 0..1 | -1..1 | 0..255  (instead of mean and std)
 *   output = prob | logits | alpha person_class = N
 *   image_input = NAME | INDEX     mask_output = NAME | INDEX
 *   output_layout = nchw | nhwc
 *   state = INPUT OUTPUT           (names or indices; repeatable; replaces the
 *                                   inferred pairs)
 * Returns BD_ERR_IO (cannot read), BD_ERR_FORMAT ("file:line: what is wrong"),
 * BD_ERR_LIMIT (too large) with the message in err; *conv is untouched on error.
 */
BD_API bd_status bd_model_conventions_sidecar(const bd_model *model, const char *path,
                                              bd_model_conventions *conv, char *err,
                                              size_t err_size);
/** As bd_model_conventions_sidecar, from memory; `name` labels the messages. */
BD_API bd_status bd_model_conventions_parse(const bd_model *model, const char *text,
                                            size_t len, const char *name,
                                            bd_model_conventions *conv, char *err,
                                            size_t err_size);

/**
 * Finds recurrent state pairs by name: an input and an output of the same shape
 * whose names differ only in a suffix pair (r1i/r1o, h_in/h_out, h/h_out,
 * state_in/state_out, ...). Writes up to max pairs; *n gets the count found.
 */
BD_API bd_status bd_model_state_pairs(const bd_model *model, int *inputs, int *outputs, int max,
                                      int *n);

/* ---------------------------------------------------------------------------
 * Images. A bd_image is a view: it does not own its pixels.
 */
typedef enum bd_pixel_format {
    BD_PIXEL_GRAY8 = 1, /* 1 byte per pixel */
    BD_PIXEL_RGB24 = 2, /* R,G,B */
    BD_PIXEL_RGBA32 = 3, /* R,G,B,A; straight (non-premultiplied) alpha */
    BD_PIXEL_BGR24 = 4,  /* B,G,R */
    BD_PIXEL_BGRA32 = 5, /* B,G,R,A; straight alpha */
    BD_PIXEL_RGBX32 = 6, /* R,G,B,X: X is ignored on input and written as 255 */
    BD_PIXEL_BGRX32 = 7, /* B,G,R,X */
    /* YUV, BT.601 limited range (what cameras and decoders deliver). Chroma is
     * sited between the luma samples it covers; odd sizes round the chroma up. */
    BD_PIXEL_YUYV = 8, /* 4:2:2 packed: Y0,U,Y1,V per 2 pixels (2 bytes per pixel) */
    BD_PIXEL_NV12 = 9, /* 4:2:0: Y plane (data), interleaved U,V plane (plane[0]) */
    BD_PIXEL_I420 = 10, /* 4:2:0: Y plane (data), U plane (plane[0]), V plane (plane[1]) */
} bd_pixel_format;

typedef struct bd_image {
    int width;
    int height;
    bd_pixel_format format;
    size_t stride_bytes; /* bytes from one row to the next, >= width * bytes per pixel */
    uint8_t *data;       /* the pixels; for NV12 and I420 the Y plane */
    /* NV12 / I420 only (NULL / 0 otherwise): the chroma planes, each
     * (width + 1) / 2 samples wide (NV12: U,V pairs) and (height + 1) / 2 rows. */
    uint8_t *plane[2];
    size_t plane_stride_bytes[2];
} bd_image;

/** Bytes per pixel of a format (of the Y plane for NV12 / I420: 1; YUYV: 2), 0 if unknown. */
BD_API int bd_pixel_format_bpp(bd_pixel_format format);

/** An image that owns its pixels (from the codecs, or bd_image_alloc). */
typedef struct bd_image_buf bd_image_buf;

/** Allocates a zeroed image with a 64-byte aligned, tightly padded stride. */
BD_API bd_status bd_image_alloc(int width, int height, bd_pixel_format format,
                                bd_image_buf **out);
/** The view of an owned image (valid until bd_image_free). */
BD_API const bd_image *bd_image_view(const bd_image_buf *img);
BD_API void bd_image_free(bd_image_buf *img);

/** Limits applied when decoding untrusted images. */
typedef struct bd_image_limits {
    size_t struct_size;
    int max_width;     /* default 16384 */
    int max_height;    /* default 16384 */
    size_t max_pixels; /* default 100 M */
    /* 0 (default): an EXIF orientation tag (JPEG APP1, PNG eXIf) is applied, so
     * the pixels come out upright as viewers show them; 1: pixels as stored. */
    int keep_orientation;
} bd_image_limits;

BD_API void bd_image_limits_default(bd_image_limits *limits);

/**
 * Decodes a PNG or JPEG file (format from its signature) to `want` (GRAY8,
 * RGB24 or RGBA32; gray is replicated, alpha dropped or set opaque as needed).
 * limits may be NULL. On failure, writes a one-line message into err (if
 * err_size > 0) and returns BD_ERR_IO / FORMAT / UNSUPPORTED / LIMIT.
 * Returns BD_ERR_UNSUPPORTED if the library was built without codecs.
 */
BD_API bd_status bd_image_read_file(const char *path, bd_pixel_format want,
                                    const bd_image_limits *limits, bd_image_buf **out,
                                    char *err, size_t err_size);

/**
 * As bd_image_read_file, from `size` bytes in memory (an upload, a network
 * buffer): the same PNG and JPEG decoders, the same EXIF orientation handling
 * and the same limits, which are checked against the header's dimensions
 * before any pixel memory is allocated. data is borrowed for the call (never
 * written, not kept). Messages name the source "(memory)". Returns BD_OK,
 * BD_ERR_INVALID_ARG (data NULL with size > 0, out NULL, unknown format, bad
 * limits), BD_ERR_FORMAT (not a PNG/JPEG, corrupt, truncated),
 * BD_ERR_UNSUPPORTED, BD_ERR_LIMIT or BD_ERR_NO_MEMORY; *out is set only on
 * success. Thread-safe (no shared state).
 */
BD_API bd_status bd_image_read_memory(const void *data, size_t size, bd_pixel_format want,
                                      const bd_image_limits *limits, bd_image_buf **out,
                                      char *err, size_t err_size);

/**
 * Encodes an image to a file: PNG if path ends in .png (any case), JPEG for
 * .jpg/.jpeg (quality 1..100, 0 = 92; GRAY8 or RGB24 only, RGBA32 returns
 * BD_ERR_UNSUPPORTED). The file is written to a temporary name in the same
 * directory and renamed, so no partial file is ever left at `path`.
 */
BD_API bd_status bd_image_write_file(const char *path, const bd_image *img, int jpeg_quality,
                                     char *err, size_t err_size);

/* ---------------------------------------------------------------------------
 * Matting pipeline: frame -> model -> full-resolution alpha -> composite.
 */
typedef struct bd_pipeline bd_pipeline;

typedef struct bd_pipeline_options {
    size_t struct_size;
    int n_threads; /* 0 = 1 */
    /* Model input normalisation: tensor = pixel/255 * scale + offset. Defaults come
     * from the model (MediaPipe selfie models: scale 1, offset 0, RGB order). */
    float input_scale;
    float input_offset;
    /* Mask softness: alpha = clamp((p - threshold) / softness + 0.5, 0, 1) when
     * softness > 0; softness <= 0 uses the probability as is. */
    float threshold;
    float softness;

    /* --- appended in 0.2 (image pipeline v2) ---------------------------------- */
    /* How the frame is fitted to the model input; the mask upsampling undoes it
     * exactly. STRETCH (default) scales each axis on its own; LETTERBOX keeps the
     * aspect ratio and pads (mid grey); CROP keeps the aspect ratio, fills the
     * input with the frame's centre and extends the mask's edge to the rest. */
    int fit; /* a bd_fit value */
    /* Edge refinement: a guided filter with the frame's luma as the guide snaps
     * the upsampled mask to the frame's edges (hair, fingers). Radius in frame
     * pixels (0 = default, about max(w, h) / 100); eps is the regularisation on
     * a 0..1 intensity scale (0 = default 1e-3; larger = smoother). */
    int refine;
    int refine_radius;
    float refine_eps;
    /* Feathering: softens the mask edge over about this many frame pixels
     * (a blur of the mask before upsampling); 0 = off. */
    float feather;
    /* Light wrap, 0..1: a little of the (blurred) background's light spills
     * over the subject's edge so the cut-out does not look pasted on; 0 = off. */
    float light_wrap;
    /* BD_BG_TRANSPARENT: 1 = premultiplied colour (C * A / 255), 0 = straight. */
    int premultiplied;
    /* 1 = the model's first output holds logits (a sigmoid is applied); 0 =
     * probabilities (the MediaPipe selfie models). */
    int mask_logits;
    /* Kernel level cap for the image stages (BD_ISA_AUTO = best available). */
    bd_isa isa;

    /* --- appended in 0.2 (N-class models) --------------------------------------- */
    /* Which channel of an N-class first output [1,H,W,N] is the person: -1 = auto
     * (the only channel if N = 1, channel 1 if N = 2, else bd_pipeline_create
     * fails asking for it); 0..N-1 = that channel. With N >= 2 the person map is
     * the softmax probability of that class, computed stably (N = 2:
     * sigmoid(l_person - l_other); else exp(l_p - max) / sum_k exp(l_k - max)).
     * The output is taken as probabilities already (a model ending in Softmax)
     * and used as is when every pixel's N values lie in [0, 1] and sum to 1
     * within 1e-3; this is decided per run over the whole map, and mask_logits =
     * 1 skips the test (always softmax). With N = 1 mask_logits alone decides. */
    int person_class;
    /* Optional, caller-owned: on a failure of bd_pipeline_create or
     * bd_pipeline_create_postprocess a one-line reason is written here
     * (truncated, NUL-terminated), on success "". Borrowed for the create
     * call only (never written later); NULL / 0 = no message. */
    char *error_buf;
    size_t error_buf_size;

    /* --- appended in 0.3 (model conventions) ------------------------------------ */
    /* The model's conventions (borrowed for the create call); NULL = those of
     * bd_model_conventions_infer. The older fields above, when not at their
     * defaults, still override them: input_scale/input_offset (all channels),
     * mask_logits = 1 (logits), person_class >= 0. A model with recurrent state
     * pairs has them carried by the pipeline's session; bd_pipeline_reset_state
     * and a change of frame size start them from zero again. */
    const bd_model_conventions *conventions;

    /* --- appended in 0.4 (video) ------------------------------------------------ */
    /* Temporal stability for a sequence of frames (a video, a camera): 1 = the
     * person map is smoothed over time with per-pixel weights that follow the
     * frame's change (still pixels are averaged, moving ones follow at once; no
     * frame of added latency; a scene cut restarts; small wobbles of a still
     * pixel are ignored); 0 = off (default; every
     * frame on its own, as for photos). Applies to bd_pipeline_mask and
     * bd_pipeline_replace; bd_pipeline_reset_state forgets the past, and so does
     * a change of frame size. */
    int temporal;
    /* 0..1, how much still pixels are smoothed (0 = the default, 0.8): a still
     * pixel takes 1 - 0.95 * strength of the new value, and near p = 0.5 mostly
     * ignores changes below 0.25 * strength (figures: docs/VIDEO.md). */
    float temporal_strength;
    /* 1 = when the frame barely changed since the last frame the model ran on,
     * skip the model and reuse its map (still refined and composited at full
     * resolution); at most 15 frames in a row; never for models with recurrent
     * state. 0 = off (default). */
    int reuse;

    /* --- appended in 0.5 (matting) ----------------------------------------------- */
    /* 0 (default) = where the model gives the foreground colour (conventions'
     * fgr_output) at the frame's size, with a colour frame (RGB family or YUV, not
     * GRAY8) and the stretch fit, bd_pipeline_replace composites
     * C = fgr * a + bg * (1 - a) (and a transparent cut-out takes fgr's colours);
     * 1 = always the frame's colours. */
    int ignore_fgr;
} bd_pipeline_options;

/** Counters of a pipeline (bd_pipeline_get_stats). */
typedef struct bd_pipeline_stats {
    size_t struct_size; /* = sizeof(bd_pipeline_stats) */
    int64_t frames;     /* frames through bd_pipeline_mask / bd_pipeline_replace */
    int64_t reused;     /* of which the model run was skipped (options.reuse) */
} bd_pipeline_stats;

/** Fills *out (set out->struct_size first). BD_ERR_INVALID_ARG for NULL. */
BD_API bd_status bd_pipeline_get_stats(const bd_pipeline *pipeline, bd_pipeline_stats *out);

/** Fit policies for bd_pipeline_options.fit. */
typedef enum bd_fit {
    BD_FIT_STRETCH = 0,
    BD_FIT_LETTERBOX = 1,
    BD_FIT_CROP = 2,
} bd_fit;

BD_API void bd_pipeline_options_default(bd_pipeline_options *opts);

/**
 * Creates a pipeline; model is retained (must outlive the pipeline). The model
 * needs an f32 image input [1,H,W,3] or [1,3,H,W] and a mask output [1,h,w,N],
 * [1,N,h,w] or [1,h,w] (N class channels, see person_class); which ones and
 * what they mean come from opts->conventions. Other inputs must be recurrent
 * state (carried by the session); any other extra input is refused, naming it. Returns BD_OK, BD_ERR_INVALID_ARG (bad options),
 * BD_ERR_BAD_STATE (model not loaded), BD_ERR_UNSUPPORTED (the model's inputs or
 * outputs do not fit), BD_ERR_NO_MEMORY or the session's error; the reason is
 * written to opts->error_buf if given.
 */
BD_API bd_status bd_pipeline_create(const bd_model *model, const bd_pipeline_options *opts,
                                    bd_pipeline **out);

/**
 * Creates a pipeline without a model, for callers that run their own
 * segmentation: bd_pipeline_composite and bd_pipeline_composite_map work,
 * bd_pipeline_mask and bd_pipeline_replace return BD_ERR_BAD_STATE. opts may be
 * NULL. Returns BD_OK, BD_ERR_INVALID_ARG or BD_ERR_NO_MEMORY.
 */
BD_API bd_status bd_pipeline_create_postprocess(const bd_pipeline_options *opts,
                                                bd_pipeline **out);
BD_API const char *bd_pipeline_last_error(const bd_pipeline *pipeline);
BD_API void bd_pipeline_free(bd_pipeline *pipeline);

/**
 * Runs the model on `frame` (RGB24, RGBA32 or GRAY8) and writes the person alpha
 * at the frame's full resolution into `alpha` (GRAY8, same width and height,
 * caller-owned). The mask is upsampled with bilinear, half-pixel centres.
 * Returns BD_OK, BD_ERR_INVALID_ARG (bad view or size mismatch; the pipeline stays
 * usable), BD_ERR_NO_MEMORY, or the session's error if the model run fails (the
 * pipeline is then sticky-failed: BD_ERR_BAD_STATE from then on). Allocates only
 * when the frame is larger than any before. Not thread-safe on one pipeline.
 */
BD_API bd_status bd_pipeline_mask(bd_pipeline *pipeline, const bd_image *frame,
                                  const bd_image *alpha);

/**
 * Zeroes the recurrent state of a model with state pairs (call at a scene cut);
 * a no-op otherwise. Returns BD_OK, BD_ERR_INVALID_ARG or BD_ERR_BAD_STATE.
 */
BD_API bd_status bd_pipeline_reset_state(bd_pipeline *pipeline);

typedef enum bd_background_kind {
    BD_BG_IMAGE = 1,       /* a still image, scaled to cover and centred */
    BD_BG_BLUR = 2,        /* the frame itself, blurred */
    BD_BG_COLOR = 3,       /* a solid colour */
    BD_BG_TRANSPARENT = 4, /* RGBA output with the alpha as its alpha channel */
} bd_background_kind;

typedef struct bd_background {
    bd_background_kind kind;
    const bd_image *image; /* BD_BG_IMAGE: borrowed for the call */
    int blur_radius;       /* BD_BG_BLUR: in pixels of the frame (about the sigma of a
                            * Gaussian); 0 = default, max(width, height) / 40 */
    uint8_t color[3];      /* BD_BG_COLOR: R,G,B */
    /* BD_BG_IMAGE (appended in 0.2): 0 = the image's pixels are hashed on every
     * call so that in-place edits reach the cached scaled copy; nonzero = a
     * version number the caller changes whenever it changes the pixels (no
     * hashing, which saves reading the whole image every frame). */
    uint32_t image_version;
} bd_background;

/**
 * Composites `frame` over the background using `alpha` (GRAY8, frame size, e.g.
 * from bd_pipeline_mask) and writes `out` (caller-owned, frame size; RGB24, or
 * RGBA32 for BD_BG_TRANSPARENT).
 * out may also be RGBA32 for the opaque kinds (its A is then 255). BD_BG_BLUR
 * blurs only the background pixels (weighted by 255 - alpha), so the person
 * does not halo into it. BD_BG_IMAGE: the scaled image is cached in the
 * pipeline and reused while the image (pointer, size, pixel contents or
 * image_version) and the frame size and out format stay the same. Returns BD_OK, BD_ERR_INVALID_ARG (a view is NULL,
 * malformed, of the wrong format or size; see bd_pipeline_last_error),
 * BD_ERR_NO_MEMORY or BD_ERR_BAD_STATE. Not thread-safe on one pipeline.
 */
BD_API bd_status bd_pipeline_composite(bd_pipeline *pipeline, const bd_image *frame,
                                       const bd_image *alpha, const bd_background *bg,
                                       const bd_image *out);

/**
 * The whole matting step in one call: runs the model on `frame`, then
 * upsamples the mask and composites in one fused pass over the frame's rows
 * (the full-resolution alpha is never stored). Frame formats: all of
 * bd_pixel_format; `out` has the frame's format (or, for packed RGB-family
 * frames, any packed RGB-family format; BD_BG_TRANSPARENT needs RGBA32 or
 * BGRA32 and an RGB-family frame). Returns as bd_pipeline_mask and
 * bd_pipeline_composite. Not thread-safe on one pipeline; no allocation once
 * the frame size has been seen.
 */
BD_API bd_status bd_pipeline_replace(bd_pipeline *pipeline, const bd_image *frame,
                                     const bd_background *bg, const bd_image *out);

/**
 * The post-process alone, from a person map the caller computed: `map` holds
 * map_h rows of map_w floats (dense; probabilities, or logits if
 * opts.mask_logits) covering the frame as fitted by opts.fit with a model
 * input of map_w x map_h. Threshold, softness, refinement, feathering, light
 * wrap and the background are applied as in bd_pipeline_replace. alpha_out
 * (GRAY8, frame size) may be NULL; if given it receives the alpha used. With
 * bg and out both NULL only alpha_out is computed (the mask stage alone).
 * map is borrowed for the call.
 */
BD_API bd_status bd_pipeline_composite_map(bd_pipeline *pipeline, const float *map, int map_w,
                                           int map_h, const bd_image *frame,
                                           const bd_background *bg, const bd_image *out,
                                           const bd_image *alpha_out);

#ifdef __cplusplus
}
#endif
#endif /* BACKDROP_H */
