#ifndef MESHLOG_CINFLATE_H
#define MESHLOG_CINFLATE_H

/*
 * meshlog's own small API over Intel ISA-L's gzip inflate (isal_inflate).
 *
 * Swift sees only these declarations, never ISA-L's types. The library is loaded at run time
 * (dlopen of libisal.so.2), so meshlog links without it and falls back to zlib when it is
 * missing; see inflate_isal.c.
 */

#include <stdint.h>

/* What one inflate step ended with. Negative values are errors. */
#define MESHLOG_ISAL_OK 0                  /* progress: more input or more output room is needed */
#define MESHLOG_ISAL_MEMBER_END 1          /* the gzip member ended; its CRC-32 and length matched */
#define MESHLOG_ISAL_NEED_DICT 2           /* the data needs a preset dictionary (not valid gzip) */
#define MESHLOG_ISAL_INVALID_BLOCK (-1)    /* invalid deflate block */
#define MESHLOG_ISAL_INVALID_SYMBOL (-2)   /* invalid Huffman symbol */
#define MESHLOG_ISAL_INVALID_LOOKBACK (-3) /* a distance reaches back before the data */
#define MESHLOG_ISAL_INVALID_WRAPPER (-4)  /* not a gzip header */
#define MESHLOG_ISAL_UNSUPPORTED_METHOD (-5)
#define MESHLOG_ISAL_INCORRECT_CHECKSUM (-6) /* the trailer's CRC-32 or length does not match */
#define MESHLOG_ISAL_OTHER_ERROR (-100)

/* A gzip decoder's state (ISA-L's, about 50 KB, on the heap). */
typedef struct meshlog_isal_state meshlog_isal_state;

/* 1 when meshlog was built with ISA-L's header and libisal.so.2 loads; else 0. */
int meshlog_isal_available(void);

/* A decoder ready for a gzip member; NULL when ISA-L is unavailable or memory is short. */
meshlog_isal_state *meshlog_isal_create(void);

/* Frees a decoder from meshlog_isal_create (NULL is ignored). */
void meshlog_isal_free(meshlog_isal_state *state);

/* Starts a new gzip member, keeping the input left and the output room. */
void meshlog_isal_reset(meshlog_isal_state *state);

/* The compressed bytes to read next. */
void meshlog_isal_set_input(meshlog_isal_state *state, const uint8_t *next, uint32_t count);

/* Where decoded bytes go next. */
void meshlog_isal_set_output(meshlog_isal_state *state, uint8_t *next, uint32_t count);

/* Compressed bytes not yet read by the decoder. */
uint32_t meshlog_isal_avail_in(const meshlog_isal_state *state);

/* Room left in the output buffer. */
uint32_t meshlog_isal_avail_out(const meshlog_isal_state *state);

/* Decodes until the input runs out, the output is full or the member ends: a MESHLOG_ISAL_ code. */
int meshlog_isal_inflate(meshlog_isal_state *state);

#endif
