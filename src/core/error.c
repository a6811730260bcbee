/*
 * error.c -- status names, per-handle error messages and the version string.
 */
#include <stdio.h>
#include <string.h>

#include "core/core.h"

const char *bd_version(void) {
#define BD_STR2(x) #x
#define BD_STR(x) BD_STR2(x)
    return BD_STR(BD_VERSION_MAJOR) "." BD_STR(BD_VERSION_MINOR) "." BD_STR(BD_VERSION_PATCH);
}

const char *bd_status_str(bd_status status) {
    switch (status) {
    case BD_OK: return "ok";
    case BD_ERR_INVALID_ARG: return "invalid argument";
    case BD_ERR_NO_MEMORY: return "out of memory";
    case BD_ERR_IO: return "I/O error";
    case BD_ERR_FORMAT: return "malformed input";
    case BD_ERR_UNSUPPORTED: return "unsupported";
    case BD_ERR_BAD_STATE: return "bad state";
    case BD_ERR_LIMIT: return "limit exceeded";
    default: return "unknown status";
    }
}

bd_status bd_err_set(bd_err *err, bd_status status, const char *fmt, ...) {
    if (!err || err->status != BD_OK) return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

void bd_err_clear(bd_err *err) {
    err->status = BD_OK;
    err->msg[0] = '\0';
}
