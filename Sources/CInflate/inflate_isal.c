/*
 * ISA-L's inflate behind meshlog's API (CInflate.h).
 *
 * ISA-L's header is used at build time when it is there, for the decoder's struct layout and
 * constants (no copy of it here); the two functions are looked up at run time in libisal.so.2,
 * so nothing links against ISA-L: a build without the header, or a run where the shared library
 * is missing, reports ISA-L unavailable and meshlog inflates with zlib. MESHLOG_NO_ISAL builds
 * the fallback on purpose (to check that it compiles where the header is installed).
 */

#define _POSIX_C_SOURCE 200809L /* posix_memalign, dlopen */

#include "CInflate.h"

#if __has_include(<isa-l/igzip_lib.h>) && !defined(MESHLOG_NO_ISAL)

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <isa-l/igzip_lib.h>

struct meshlog_isal_state {
    struct inflate_state inflate;
};

static void (*isal_inflate_init_fn)(struct inflate_state *);
static int (*isal_inflate_fn)(struct inflate_state *);
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* Loads libisal.so.2 once; leaves both pointers NULL if it or a function is missing. */
static void load_isal(void) {
    void *library = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return;
    void *init = dlsym(library, "isal_inflate_init");
    void *inflate = dlsym(library, "isal_inflate");
    if (init == NULL || inflate == NULL) {
        dlclose(library);
        return;
    }
    isal_inflate_init_fn = (void (*)(struct inflate_state *))init;
    isal_inflate_fn = (int (*)(struct inflate_state *))inflate;
}

int meshlog_isal_available(void) {
    pthread_once(&load_once, load_isal);
    return isal_inflate_fn != NULL;
}

meshlog_isal_state *meshlog_isal_create(void) {
    if (!meshlog_isal_available()) return NULL;
    meshlog_isal_state *state = NULL;
    if (posix_memalign((void **)&state, 64, sizeof *state) != 0) return NULL;
    memset(state, 0, sizeof *state);
    meshlog_isal_reset(state);
    return state;
}

void meshlog_isal_free(meshlog_isal_state *state) {
    free(state);
}

void meshlog_isal_reset(meshlog_isal_state *state) {
    struct inflate_state *s = &state->inflate;
    /* Initialising clears the buffers too: keep them. */
    uint8_t *next_in = s->next_in, *next_out = s->next_out;
    uint32_t avail_in = s->avail_in, avail_out = s->avail_out;
    isal_inflate_init_fn(s);
    s->crc_flag = ISAL_GZIP;
    s->next_in = next_in;
    s->avail_in = avail_in;
    s->next_out = next_out;
    s->avail_out = avail_out;
}

void meshlog_isal_set_input(meshlog_isal_state *state, const uint8_t *next, uint32_t count) {
    /* ISA-L never writes through next_in; its header just lacks the const. */
    state->inflate.next_in = (uint8_t *)next;
    state->inflate.avail_in = count;
}

void meshlog_isal_set_output(meshlog_isal_state *state, uint8_t *next, uint32_t count) {
    state->inflate.next_out = next;
    state->inflate.avail_out = count;
}

uint32_t meshlog_isal_avail_in(const meshlog_isal_state *state) {
    return state->inflate.avail_in;
}

uint32_t meshlog_isal_avail_out(const meshlog_isal_state *state) {
    return state->inflate.avail_out;
}

int meshlog_isal_inflate(meshlog_isal_state *state) {
    int status = isal_inflate_fn(&state->inflate);
    switch (status) {
    case ISAL_DECOMP_OK:
    case ISAL_END_INPUT:
    case ISAL_OUT_OVERFLOW:
        return state->inflate.block_state == ISAL_BLOCK_FINISH ? MESHLOG_ISAL_MEMBER_END : MESHLOG_ISAL_OK;
    case ISAL_NEED_DICT: return MESHLOG_ISAL_NEED_DICT;
    case ISAL_INVALID_BLOCK: return MESHLOG_ISAL_INVALID_BLOCK;
    case ISAL_INVALID_SYMBOL: return MESHLOG_ISAL_INVALID_SYMBOL;
    case ISAL_INVALID_LOOKBACK: return MESHLOG_ISAL_INVALID_LOOKBACK;
    case ISAL_INVALID_WRAPPER: return MESHLOG_ISAL_INVALID_WRAPPER;
    case ISAL_UNSUPPORTED_METHOD: return MESHLOG_ISAL_UNSUPPORTED_METHOD;
    case ISAL_INCORRECT_CHECKSUM: return MESHLOG_ISAL_INCORRECT_CHECKSUM;
    default: return status < 0 ? MESHLOG_ISAL_OTHER_ERROR : MESHLOG_ISAL_OK;
    }
}

#else

/* Built without ISA-L's header: every caller sees it unavailable and uses zlib. */

#include <stddef.h>

int meshlog_isal_available(void) { return 0; }
meshlog_isal_state *meshlog_isal_create(void) { return NULL; }
void meshlog_isal_free(meshlog_isal_state *state) { (void)state; }
void meshlog_isal_reset(meshlog_isal_state *state) { (void)state; }
void meshlog_isal_set_input(meshlog_isal_state *state, const uint8_t *next, uint32_t count) {
    (void)state; (void)next; (void)count;
}
void meshlog_isal_set_output(meshlog_isal_state *state, uint8_t *next, uint32_t count) {
    (void)state; (void)next; (void)count;
}
uint32_t meshlog_isal_avail_in(const meshlog_isal_state *state) { (void)state; return 0; }
uint32_t meshlog_isal_avail_out(const meshlog_isal_state *state) { (void)state; return 0; }
int meshlog_isal_inflate(meshlog_isal_state *state) { (void)state; return MESHLOG_ISAL_OTHER_ERROR; }

#endif
