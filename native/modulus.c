/*
 * Ballotchain native backend: the modulus context (bc_mod, see bc_internal.h) and its modular
 * multiplication: AVX-512 IFMA (ifma.c), word-by-word Montgomery reduction on GMP's mpn functions
 * for other odd moduli, or schoolbook division (mpn_tdiv_qr) for even ones; loading values into
 * the context's format and storing them back as bytes. Variable time: secrets go to ct_secret.c.
 */
#include "bc_internal.h"

static mp_limb_t limb_neg_inverse(mp_limb_t m0) {
    /* Newton iteration for m0^{-1} mod 2^LIMB_BITS; m0 odd. x = m0 is right to 3 bits. */
    mp_limb_t x = m0;
    int i;
    for (i = 0; i < 7; i++) x *= (mp_limb_t)2 - m0 * x;
    return (mp_limb_t)0 - x;
}

/* 64-bit limbs (n) -> L digits of 52 bits. */
void limbs_to_digits(uint64_t *d, size_t L, const mp_limb_t *x, size_t n) {
    size_t i;
    for (i = 0; i < L; i++) {
        size_t bit = 52 * i, li = bit / 64, off = bit % 64;
        uint64_t v = li < n ? (uint64_t)x[li] >> off : 0;
        if (off > 12 && li + 1 < n) v |= (uint64_t)x[li + 1] << (64 - off);
        d[i] = v & MASK52;
    }
}

/* L digits of 52 bits -> nl limbs (the value must fit). */
void digits_to_limbs(mp_limb_t *x, size_t nl, const uint64_t *d, size_t L) {
    size_t i;
    memset(x, 0, nl * LIMB_BYTES);
    for (i = 0; i < L; i++) {
        size_t bit = 52 * i, li = bit / 64, off = bit % 64;
        if (li < nl) x[li] |= (mp_limb_t)(d[i] << off);
        if (off > 12 && li + 1 < nl) x[li + 1] |= (mp_limb_t)(d[i] >> (64 - off));
    }
}

/* A reduced n-limb value -> plain element. */
void elem_from_limbs(const bc_mod *M, mp_limb_t *dst, const mp_limb_t *x) {
    if (M->kind == BC_IFMA) {
        limbs_to_digits((uint64_t *)dst, M->w, x, M->n);
    } else {
        memcpy(dst, x, M->n * LIMB_BYTES);
    }
}

void mod_clear(bc_mod *M) {
    free(M->m);
    free(M->one);
    free(M->unit);
    free(M->r2);
    free(M->m52);
    free(M->mtail);
    M->mtail = NULL;
    M->m = M->one = M->unit = M->r2 = NULL;
    M->m52 = NULL;
    mpz_clear(M->mz);
    mpz_clear(M->rz);
}

/* An mpz below m -> plain element. */
void elem_from_mpz(const bc_mod *M, mp_limb_t *dst, const mpz_t z, mp_limb_t *limbs) {
    memset(limbs, 0, M->n * LIMB_BYTES);
    memcpy(limbs, mpz_limbs_read(z), mpz_size(z) * LIMB_BYTES);
    elem_from_limbs(M, dst, limbs);
}

/* Set up a modulus from big-endian bytes. BC_EINVAL when it is zero. */
/*
 * For a modulus whose k lowest words are all ones (m = -1 mod 2^(64k), as the production p of
 * spec 3.1.1 with k = 4), the REDC's rows need only n - k words: -1/m = 1 mod 2^64, so u is the
 * word itself, and u m = -u + 2^(64k) u (m + 1) / 2^(64k). k is rounded down so that n - k is a
 * multiple of 4 (ct_rows.c's fast rows), and kept below n (m = 2^(64n) - 1 has no such tail).
 */
static int mont_tail(bc_mod *M) {
    size_t n = M->n, k = 0, rest;
    mpz_t tail;
    while (k < n && M->m[k] == ~(mp_limb_t)0) k++;
    if (k == n) k = 0;
    while (k > 0 && (n - k) % 4 != 0) k--;
    if (k == 0) return BC_OK;
    rest = n - k;
    M->mtail = alloc_limbs(rest);
    if (M->mtail == NULL) return BC_ENOMEM;
    mpz_init(tail);
    mpz_add_ui(tail, M->mz, 1);
    mpz_tdiv_q_2exp(tail, tail, k * LIMB_BITS);
    /* m's word k.. are not all ones up to the top (k < n), so m + 1 carries no further */
    memset(M->mtail, 0, rest * LIMB_BYTES);
    memcpy(M->mtail, mpz_limbs_read(tail), mpz_size(tail) * LIMB_BYTES);
    mpz_clear(tail);
    M->skip = k;
    return BC_OK;
}

int mod_init(bc_mod *M, const uint8_t *mod, size_t mod_len) {
    size_t n, bits;
    mpz_t t;
    mp_limb_t *limbs;
    memset(M, 0, sizeof(*M));
    mpz_init(M->mz);
    mpz_init_set_ui(M->rz, 1);
    if (mod_len > 0 && mod == NULL) return BC_EINVAL;
    be_to_mpz(M->mz, mod, mod_len);
    if (mpz_sgn(M->mz) <= 0) return BC_EINVAL;
    n = mpz_size(M->mz);
    bits = mpz_sizeinbase(M->mz, 2);
    M->n = n;
    M->w = n;
    M->kind = mpz_odd_p(M->mz) ? BC_MONT : BC_DIV;
#ifdef BC_HAVE_IFMA
    if (M->kind == BC_MONT && mpz_cmp_ui(M->mz, 1) > 0 && bc_ifma_available()) {
        size_t L = ((bits + 2 + 51) / 52 + 7) / 8 * 8; /* R' = 2^(52L) > 4m */
        if (L / 8 <= BC_MAX_VECS) {
            M->kind = BC_IFMA;
            M->w = L;
            M->vecs = (unsigned)(L / 8);
            M->amm = amm_for(M->vecs);
        }
    }
#endif
    M->m = alloc_limbs(n);
    M->one = alloc_limbs(M->w);
    M->unit = alloc_limbs(M->w);
    M->r2 = alloc_limbs(M->w);
    limbs = alloc_limbs(n + 1);
    if (M->m == NULL || M->one == NULL || M->unit == NULL || M->r2 == NULL || limbs == NULL) {
        free(limbs);
        return BC_ENOMEM;
    }
    memcpy(M->m, mpz_limbs_read(M->mz), n * LIMB_BYTES);
    memset(limbs, 0, (n + 1) * LIMB_BYTES);
    limbs[0] = 1;
    mpz_init(t);
    if (M->kind == BC_DIV) {
        memcpy(M->one, limbs, n * LIMB_BYTES); /* an even modulus is >= 2, so 1 is reduced */
        memcpy(M->unit, limbs, n * LIMB_BYTES);
        memset(M->r2, 0, n * LIMB_BYTES);
    } else {
        elem_from_limbs(M, M->unit, limbs);
        mpz_set_ui(t, 0);
        mpz_setbit(t, M->kind == BC_IFMA ? 52 * M->w : n * LIMB_BITS); /* R */
        mpz_mod(M->rz, t, M->mz);
        elem_from_mpz(M, M->one, M->rz, limbs);
        mpz_mul(t, M->rz, M->rz);
        mpz_mod(t, t, M->mz);
        elem_from_mpz(M, M->r2, t, limbs);
        if (M->kind == BC_MONT) {
            M->minv = limb_neg_inverse(M->m[0]);
            if (mont_tail(M) != BC_OK) {
                mpz_clear(t);
                free(limbs);
                return BC_ENOMEM;
            }
        } else {
            M->m52 = malloc(M->w * sizeof(uint64_t));
            if (M->m52 == NULL) {
                mpz_clear(t);
                free(limbs);
                return BC_ENOMEM;
            }
            limbs_to_digits(M->m52, M->w, M->m, n);
            M->k0 = (uint64_t)limb_neg_inverse(M->m[0]) & MASK52;
        }
    }
    mpz_clear(t);
    free(limbs);
    return BC_OK;
}

/* r = T / R mod m for T < m*R (2n limbs, destroyed). */
static void redc(const bc_mod *M, mp_limb_t *r, mp_limb_t *T) {
    size_t n = M->n, i;
    mp_limb_t carry;
    for (i = 0; i < n; i++) {
        mp_limb_t u = T[i] * M->minv;
        /* T[i] becomes zero; park the carry out of this row there. */
        T[i] = mpn_addmul_1(T + i, M->m, (mp_size_t)n, u);
    }
    carry = mpn_add_n(r, T + n, T, (mp_size_t)n);
    if (carry || mpn_cmp(r, M->m, (mp_size_t)n) >= 0) mpn_sub_n(r, r, M->m, (mp_size_t)n);
}

/* r = a * b (times R^-1 for the Montgomery kinds); r may alias a or b. */
void mulmod(const bc_mod *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
            mp_limb_t *scr) {
    size_t n = M->n;
#ifdef BC_HAVE_IFMA
    if (M->kind == BC_IFMA) {
        M->amm((uint64_t *)r, (const uint64_t *)a, (const uint64_t *)b, M->m52, M->k0);
        return;
    }
#endif
    if (a == b) {
        mpn_sqr(scr, a, (mp_size_t)n);
    } else {
        mpn_mul_n(scr, a, b, (mp_size_t)n);
    }
    if (M->kind == BC_MONT) {
        redc(M, r, scr);
    } else {
        mpn_tdiv_qr(scr + 2 * n + 1, r, 0, scr, (mp_size_t)(2 * n), M->m, (mp_size_t)n);
    }
}
/* dst (n limbs) = value of big-endian bytes mod m. */
void load_reduced(const bc_mod *M, mp_limb_t *dst, const uint8_t *src, size_t len) {
    size_t n = M->n;
    if (be_to_limbs(dst, n, src, len) == 0 && mpn_cmp(dst, M->m, (mp_size_t)n) < 0) return;
    {
        mpz_t t;
        mpz_init(t);
        be_to_mpz(t, src, len);
        mpz_mod(t, t, M->mz);
        memset(dst, 0, n * LIMB_BYTES);
        memcpy(dst, mpz_limbs_read(t), mpz_size(t) * LIMB_BYTES);
        mpz_clear(t);
    }
}

/* dst (plain element) = big-endian bytes mod m. */
void load_plain(const bc_mod *M, mp_limb_t *dst, const uint8_t *src, size_t len,
                mp_limb_t *scr) {
    mp_limb_t *limbs = SCR_LIMBS(M, scr);
    load_reduced(M, limbs, src, len);
    elem_from_limbs(M, dst, limbs);
}

/* Fully reduced n limbs of a plain element, in the scratch space. */
mp_limb_t *plain_limbs(const bc_mod *M, const mp_limb_t *x, mp_limb_t *scr) {
    mp_limb_t *limbs = SCR_LIMBS(M, scr);
    size_t n = M->n;
    if (M->kind == BC_IFMA) {
        /* below 2m: at most one subtraction */
        digits_to_limbs(limbs, n + 1, (const uint64_t *)x, M->w);
        if (limbs[n] != 0 || mpn_cmp(limbs, M->m, (mp_size_t)n) >= 0) {
            limbs[n] -= mpn_sub_n(limbs, limbs, M->m, (mp_size_t)n);
        }
    } else {
        memcpy(limbs, x, n * LIMB_BYTES);
    }
    return limbs;
}

int store_plain(const bc_mod *M, uint8_t *out, size_t out_len, const mp_limb_t *x,
                mp_limb_t *scr) {
    return limbs_to_be(out, out_len, plain_limbs(M, x, scr), M->n);
}

int store_repr(const bc_mod *M, uint8_t *out, size_t out_len, const mp_limb_t *x,
               mp_limb_t *scr) {
    mp_limb_t *tmp = SCR_ELEM(M, scr);
    memcpy(tmp, x, M->w * LIMB_BYTES);
    from_repr(M, tmp, scr);
    return store_plain(M, out, out_len, tmp, scr);
}
