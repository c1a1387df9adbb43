#ifndef MESHLOG_CZSTD_H
#define MESHLOG_CZSTD_H

/*
 * meshlog's own small API over libzstd's streaming decompression.
 *
 * libzstd is not one of meshlog's required packages (no header or link flag at build time): the
 * few functions are declared in zstd_dl.c and looked up at run time in libzstd.so.1 (dlopen), so
 * a zstd-compressed input is read where the library is installed (Debian's libzstd1, present on
 * most systems) and refused with a clear message where it is not.
 */

#include <stddef.h>
#include <stdint.h>

/* What one decompression step ended with. */
#define MESHLOG_ZSTD_FRAME_END 0   /* a frame ended and all of its output was written */
#define MESHLOG_ZSTD_PROGRESS 1    /* more input or more output room is needed */
#define MESHLOG_ZSTD_ERROR (-1)    /* corrupt data; meshlog_zstd_error says why */

typedef struct meshlog_zstd meshlog_zstd;

/* 1 when libzstd.so.1 loads and has the functions meshlog needs (and MESHLOG_ZSTD is not "off"); else 0. */
int meshlog_zstd_available(void);

/* A decoder; NULL when libzstd is unavailable or memory is short. */
meshlog_zstd *meshlog_zstd_create(void);

/* Frees a decoder (NULL is ignored). */
void meshlog_zstd_free(meshlog_zstd *decoder);

/*
 * Decodes input[*in_pos..<in_count] into output[*out_pos..<out_count], advancing both positions:
 * a MESHLOG_ZSTD_ code. After MESHLOG_ZSTD_FRAME_END the next byte may start another frame.
 */
int meshlog_zstd_decompress(meshlog_zstd *decoder, const uint8_t *input, size_t in_count, size_t *in_pos,
                            uint8_t *output, size_t out_count, size_t *out_pos);

/* Why the last step failed (libzstd's error name), or "" */
const char *meshlog_zstd_error(const meshlog_zstd *decoder);

#endif
