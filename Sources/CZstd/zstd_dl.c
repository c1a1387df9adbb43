/*
 * libzstd's streaming decompression behind meshlog's API (CZstd.h), loaded at run time.
 *
 * The declarations below are libzstd's stable public API (zstd.h, "ZSTD_decompressStream" and the
 * buffer structs, unchanged since v1.0): declared here so the build needs no libzstd-dev. Nothing
 * links against libzstd: a run where libzstd.so.1 is missing reports zstd unavailable.
 */

#define _POSIX_C_SOURCE 200809L /* dlopen */

#include "CZstd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const void *src; size_t size; size_t pos; } zstd_in_buffer;   /* ZSTD_inBuffer */
typedef struct { void *dst; size_t size; size_t pos; } zstd_out_buffer;        /* ZSTD_outBuffer */

static void *(*create_dctx)(void);                                             /* ZSTD_createDCtx */
static size_t (*free_dctx)(void *);                                            /* ZSTD_freeDCtx */
static size_t (*decompress_stream)(void *, zstd_out_buffer *, zstd_in_buffer *); /* ZSTD_decompressStream */
static unsigned (*is_error)(size_t);                                           /* ZSTD_isError */
static const char *(*error_name)(size_t);                                      /* ZSTD_getErrorName */
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

struct meshlog_zstd {
    void *dctx;
    const char *error;
};

/*
 * Loads libzstd.so.1 once; leaves create_dctx NULL if it or a function is missing. MESHLOG_ZSTD=off behaves as
 * if it were missing (to see the message users without libzstd get).
 */
static void load_zstd(void) {
    const char *setting = getenv("MESHLOG_ZSTD");
    if (setting != NULL && strcmp(setting, "off") == 0) return;
    void *library = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return;
    void *c = dlsym(library, "ZSTD_createDCtx");
    void *f = dlsym(library, "ZSTD_freeDCtx");
    void *d = dlsym(library, "ZSTD_decompressStream");
    void *e = dlsym(library, "ZSTD_isError");
    void *n = dlsym(library, "ZSTD_getErrorName");
    if (c == NULL || f == NULL || d == NULL || e == NULL || n == NULL) {
        dlclose(library);
        return;
    }
    free_dctx = (size_t (*)(void *))f;
    decompress_stream = (size_t (*)(void *, zstd_out_buffer *, zstd_in_buffer *))d;
    is_error = (unsigned (*)(size_t))e;
    error_name = (const char *(*)(size_t))n;
    create_dctx = (void *(*)(void))c;
}

int meshlog_zstd_available(void) {
    pthread_once(&load_once, load_zstd);
    return create_dctx != NULL;
}

meshlog_zstd *meshlog_zstd_create(void) {
    if (!meshlog_zstd_available()) return NULL;
    meshlog_zstd *decoder = malloc(sizeof *decoder);
    if (decoder == NULL) return NULL;
    decoder->dctx = create_dctx();
    decoder->error = "";
    if (decoder->dctx == NULL) {
        free(decoder);
        return NULL;
    }
    return decoder;
}

void meshlog_zstd_free(meshlog_zstd *decoder) {
    if (decoder == NULL) return;
    free_dctx(decoder->dctx);
    free(decoder);
}

int meshlog_zstd_decompress(meshlog_zstd *decoder, const uint8_t *input, size_t in_count, size_t *in_pos,
                            uint8_t *output, size_t out_count, size_t *out_pos) {
    zstd_in_buffer in = {input, in_count, *in_pos};
    zstd_out_buffer out = {output, out_count, *out_pos};
    size_t result = decompress_stream(decoder->dctx, &out, &in);
    *in_pos = in.pos;
    *out_pos = out.pos;
    if (is_error(result)) {
        decoder->error = error_name(result);
        return MESHLOG_ZSTD_ERROR;
    }
    return result == 0 ? MESHLOG_ZSTD_FRAME_END : MESHLOG_ZSTD_PROGRESS;
}

const char *meshlog_zstd_error(const meshlog_zstd *decoder) {
    return decoder->error;
}
