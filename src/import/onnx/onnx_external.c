/*
 * onnx_external.c -- initializers stored outside the model file (ONNX external
 * data: TensorProto.data_location = EXTERNAL with external_data entries
 * "location", "offset", "length"; "checksum" is ignored), as written by
 * onnx.save_model(..., save_as_external_data=True).
 *
 * The location comes from an untrusted file, so it is confined to the model's
 * directory tree: it must be a relative path without any ".." component (and
 * without backslashes or NUL bytes), and the bytes read must lie inside the
 * named regular file and be exactly the tensor's size. Nothing else is opened.
 */
#define _POSIX_C_SOURCE 200809L /* fileno, fseeko, fstat */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import/onnx/onnx.h"

#define MAX_LOCATION 1024

/* Parses a non-negative decimal string (at most 18 digits, so no overflow). */
static bool parse_dec(onnx_str s, uint64_t *out) {
    uint64_t v = 0;
    if (s.len == 0 || s.len > 18) return false;
    for (size_t i = 0; i < s.len; i++) {
        if (s.s[i] < '0' || s.s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s.s[i] - '0');
    }
    *out = v;
    return true;
}

/* True if loc is a relative path that stays below its base directory. */
static bool safe_location(onnx_str loc) {
    if (loc.len == 0 || loc.len > MAX_LOCATION || loc.s[0] == '/') return false;
    size_t start = 0;
    for (size_t i = 0; i <= loc.len; i++) {
        if (i < loc.len && (loc.s[i] == '\0' || loc.s[i] == '\\')) return false;
        if (i == loc.len || loc.s[i] == '/') {
            if (i - start == 2 && loc.s[start] == '.' && loc.s[start + 1] == '.') return false;
            start = i + 1;
        }
    }
    return true;
}

bd_status onnx_external_read(const onnx_tensor *t, const char *base_dir, uint8_t **buf,
                             onnx_tensor *resolved, bd_err *err) {
    char name[64], loc[96];
    onnx_str_print(t->name, name, sizeof name);
    onnx_str_print(t->location, loc, sizeof loc);
    if (!base_dir)
        return bd_err_set(err, BD_ERR_UNSUPPORTED,
                          "tensor '%s' keeps its data in the external file '%s'; load the model "
                          "from its file (bd_model_load_file) so that the file can be found",
                          name, loc);
    if (!safe_location(t->location))
        return bd_err_set(err, BD_ERR_FORMAT,
                          "tensor '%s': external data location '%s' is not a relative path "
                          "inside the model's directory",
                          name, loc);
    size_t esize = onnx_raw_elem_size(t->data_type), want;
    if (esize == 0)
        return bd_err_set(err, BD_ERR_UNSUPPORTED, "tensor '%s' has unsupported data type %d",
                          name, (int)t->data_type);
    if (!bd_size_mul(t->n_elems, esize, &want))
        return bd_err_set(err, BD_ERR_LIMIT, "tensor '%s' is too large", name);
    uint64_t offset = 0, length = want;
    if ((t->has_offset && !parse_dec(t->ext_offset, &offset)) ||
        (t->has_length && !parse_dec(t->ext_length, &length)))
        return bd_err_set(err, BD_ERR_FORMAT,
                          "tensor '%s': external data offset or length is not a decimal number",
                          name);
    if (length != want)
        return bd_err_set(err, BD_ERR_FORMAT,
                          "tensor '%s': external data length %llu, but its shape needs %zu bytes",
                          name, (unsigned long long)length, want);
    char path[2 * MAX_LOCATION + 8];
    int k = snprintf(path, sizeof path, "%s/%.*s", base_dir, (int)t->location.len,
                     t->location.s);
    if (k < 0 || (size_t)k >= sizeof path)
        return bd_err_set(err, BD_ERR_LIMIT, "tensor '%s': external data path too long", name);
    FILE *f = fopen(path, "rb");
    struct stat sb;
    bd_status st = BD_OK;
    *buf = NULL;
    if (!f)
        return bd_err_set(err, BD_ERR_IO, "tensor '%s': cannot open external data file '%s': %s",
                          name, loc, strerror(errno));
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = bd_err_set(err, BD_ERR_IO, "tensor '%s': external data '%s' is not a regular file",
                        name, loc);
        goto done;
    }
    uint64_t fsize = (uint64_t)sb.st_size;
    if (offset > fsize || length > fsize - offset) {
        st = bd_err_set(err, BD_ERR_FORMAT,
                        "tensor '%s': external data bytes %llu..%llu lie outside '%s' (%llu bytes)",
                        name, (unsigned long long)offset, (unsigned long long)(offset + length),
                        loc, (unsigned long long)fsize);
        goto done;
    }
    *buf = malloc(want ? want : 1);
    if (!*buf) {
        st = bd_err_set(err, BD_ERR_NO_MEMORY, "out of memory reading tensor '%s'", name);
        goto done;
    }
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0 || fread(*buf, 1, want, f) != want) {
        st = bd_err_set(err, BD_ERR_IO, "tensor '%s': cannot read %zu bytes of '%s'", name, want,
                        loc);
        goto done;
    }
    *resolved = *t;
    resolved->external = false;
    resolved->has_raw = true;
    resolved->raw = *buf;
    resolved->raw_len = want;
done:
    fclose(f);
    if (st) {
        free(*buf);
        *buf = NULL;
    }
    return st;
}
