/*
 * Ballotchain native backend: conversions between the interface's big-endian byte strings and
 * GMP's little-endian limb arrays, and checked sizes for allocations.
 */
#include "bc_internal.h"

/* Load big-endian bytes into n little-endian limbs (zero-padded).
 * Returns 0, or -1 when the value does not fit in n limbs. */
int be_to_limbs(mp_limb_t *dst, size_t n, const uint8_t *src, size_t len) {
    size_t limb = 0, j;
    while (len > n * LIMB_BYTES) { /* leading bytes beyond the capacity must be zero */
        if (*src != 0) return -1;
        src++;
        len--;
    }
    while (len >= LIMB_BYTES) { /* whole limbs, from the least significant end */
        const uint8_t *p = src + len - LIMB_BYTES;
        mp_limb_t v = 0;
        for (j = 0; j < LIMB_BYTES; j++) v = (v << 8) | p[j];
        dst[limb++] = v;
        len -= LIMB_BYTES;
    }
    if (len > 0) {
        mp_limb_t v = 0;
        for (j = 0; j < len; j++) v = (v << 8) | src[j];
        dst[limb++] = v;
    }
    while (limb < n) dst[limb++] = 0;
    return 0;
}

/* Store n limbs as exactly len big-endian bytes. Returns 0, or BC_ERANGE when it does not fit. */
int limbs_to_be(uint8_t *dst, size_t len, const mp_limb_t *src, size_t n) {
    size_t limb = 0, j;
    while (len >= LIMB_BYTES) { /* whole limbs, from the least significant end */
        uint8_t *p = dst + len - LIMB_BYTES;
        mp_limb_t v = limb < n ? src[limb] : 0;
        for (j = LIMB_BYTES; j-- > 0;) {
            p[j] = (uint8_t)v;
            v >>= 8;
        }
        limb++;
        len -= LIMB_BYTES;
    }
    if (len > 0) {
        mp_limb_t v = limb < n ? src[limb] : 0;
        for (j = len; j-- > 0;) {
            dst[j] = (uint8_t)v;
            v >>= 8;
        }
        if (v != 0) return BC_ERANGE;
        limb++;
    }
    for (; limb < n; limb++) {
        if (src[limb] != 0) return BC_ERANGE;
    }
    return BC_OK;
}

int mpz_to_be(uint8_t *dst, size_t len, const mpz_t z) {
    return limbs_to_be(dst, len, mpz_limbs_read(z), mpz_size(z));
}

void be_to_mpz(mpz_t z, const uint8_t *src, size_t len) {
    if (len == 0) {
        mpz_set_ui(z, 0);
        return;
    }
    mpz_import(z, len, 1, 1, 1, 0, src);
}
