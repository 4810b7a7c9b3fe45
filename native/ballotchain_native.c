/*
 * Ballotchain native backend: modular arithmetic on GMP (see ballotchain_native.h).
 *
 * Layout of the code:
 *   - byte/limb conversion helpers (big-endian bytes <-> little-endian limb arrays);
 *   - an AVX-512 IFMA Montgomery multiplication in radix 2^52, used for odd moduli up to 4158
 *     bits when the CPU has it (chosen at run time; BALLOTCHAIN_NATIVE_IFMA=0 turns it off);
 *   - a modulus context (bc_mod) with one modular multiplication: IFMA, or word-by-word
 *     Montgomery reduction on GMP's mpn functions for other odd moduli, or schoolbook division
 *     (mpn_tdiv_qr) for even ones. Values live in a "representation" (Montgomery form for odd
 *     moduli, the plain value otherwise);
 *   - Straus simultaneous exponentiation (multi_powmod, the batched subgroup check, and powmod
 *     itself on the IFMA path), fixed-base tables, prod_mod;
 *   - a small thread runner (pthreads) for the *_many functions;
 *   - the exported functions;
 *   - constant-time exponentiation for secret exponents: fixed base (bc_table_pow_secret*) and
 *     variable base (bc_powmod_sec);
 *   - the range proof's arithmetic mod q, constant time in the vote (bc_range_*).
 *
 * Secret exponents go only to bc_powmod_sec and bc_table_pow_secret* (last section; what they
 * do and do not guarantee is written there). Everything else, including bc_table_pow, takes
 * time and memory accesses that depend on the exponent.
 *
 * Thread safety: no global mutable state (the CPU feature flag is written once, when the
 * library is loaded). Tables are written only while they are built and are read-only
 * afterwards; every call allocates its own scratch space.
 */
#include "ballotchain_native.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <pthread.h>
#define BC_HAVE_PTHREADS 1
#endif

#if GMP_NAIL_BITS != 0
#error "ballotchain_native needs a GMP built without nail bits"
#endif

#define LIMB_BYTES ((size_t)sizeof(mp_limb_t))
#define LIMB_BITS ((size_t)GMP_NUMB_BITS)

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* a * b without overflow, or 0 with *ok cleared. */
static size_t mul_size(size_t a, size_t b, int *ok) {
    if (a != 0 && b > (size_t)-1 / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

static void *alloc_limbs(size_t count) {
    int ok = 1;
    size_t bytes = mul_size(count == 0 ? 1 : count, LIMB_BYTES, &ok);
    if (!ok) return NULL;
    return malloc(bytes);
}

/* A packed array of `count` items of `len` bytes must not be NULL when it holds any byte. */
static int packed_ok(const void *ptr, size_t len, size_t count) {
    int ok = 1;
    size_t total = mul_size(len, count, &ok);
    if (!ok) return 0;
    return total == 0 || ptr != NULL;
}

/* Load big-endian bytes into n little-endian limbs (zero-padded).
 * Returns 0, or -1 when the value does not fit in n limbs. */
static int be_to_limbs(mp_limb_t *dst, size_t n, const uint8_t *src, size_t len) {
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
static int limbs_to_be(uint8_t *dst, size_t len, const mp_limb_t *src, size_t n) {
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

static int mpz_to_be(uint8_t *dst, size_t len, const mpz_t z) {
    return limbs_to_be(dst, len, mpz_limbs_read(z), mpz_size(z));
}

static void be_to_mpz(mpz_t z, const uint8_t *src, size_t len) {
    if (len == 0) {
        mpz_set_ui(z, 0);
        return;
    }
    mpz_import(z, len, 1, 1, 1, 0, src);
}

/* Number of significant bits of an n-limb number. */
static size_t limbs_bitlen(const mp_limb_t *x, size_t n) {
    while (n > 0 && x[n - 1] == 0) n--;
    if (n == 0) return 0;
    {
        mp_limb_t top = x[n - 1];
        size_t bits = 0;
        while (top != 0) {
            top >>= 1;
            bits++;
        }
        return (n - 1) * LIMB_BITS + bits;
    }
}

static unsigned get_bit(const mp_limb_t *x, size_t nx, size_t pos) {
    size_t li = pos / LIMB_BITS;
    if (li >= nx) return 0;
    return (unsigned)((x[li] >> (pos % LIMB_BITS)) & 1u);
}

/* Bits pos .. pos+w-1 of x (w <= 16). */
static unsigned get_bits(const mp_limb_t *x, size_t nx, size_t pos, unsigned w) {
    size_t li = pos / LIMB_BITS;
    size_t off = pos % LIMB_BITS;
    mp_limb_t v;
    if (li >= nx) return 0;
    v = x[li] >> off;
    if (off + w > LIMB_BITS && li + 1 < nx) v |= x[li + 1] << (LIMB_BITS - off);
    return (unsigned)(v & (((mp_limb_t)1 << w) - 1));
}

/* ------------------------------------------------------------------------------------------ */
/* AVX-512 IFMA Montgomery multiplication (x86-64, chosen at run time)                        */
/* ------------------------------------------------------------------------------------------ */

/*
 * Numbers are held as L = 8*V digits of 52 bits, one per 64-bit word, and multiplied with
 * "almost Montgomery" multiplication in radix 2^52: r = a*b / 2^(52L) mod m, with inputs and
 * output below 2m (R' = 2^(52L) > 4m). Each of the L rounds adds the low and high 52-bit halves
 * of a*b_i and m*y into 64-bit lanes, which cannot overflow for L <= 80 (each round adds less
 * than 2^55 to a lane); carries are propagated once at the end. The accumulator, a and m stay
 * in 3V <= 30 vector registers, so V is a compile-time constant of each specialised function.
 */
#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define BC_HAVE_IFMA 1
#include <cpuid.h>
#include <immintrin.h>
#define BC_IFMA_TARGET __attribute__((target("avx512f,avx512ifma")))
#if defined(__clang__)
#define BC_UNROLL _Pragma("unroll")
#else
#define BC_UNROLL _Pragma("GCC unroll 16")
#endif
#endif

#define BC_MAX_VECS 10
#define MASK52 ((((uint64_t)1) << 52) - 1)

#ifdef BC_HAVE_IFMA
/* Set once when the library is loaded, read-only afterwards. */
static int bc_cpu_ifma = 0;

__attribute__((constructor)) static void bc_detect_cpu(void) {
    unsigned a, b, c, d, lo, hi;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return; /* OSXSAVE */
    if (__get_cpuid_max(0, NULL) < 7) return;
    __cpuid_count(7, 0, a, b, c, d);
    if (!(b & (1u << 16)) || !(b & (1u << 21))) return; /* AVX512F, AVX512IFMA */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0xE6u) != 0xE6u) return; /* the OS saves SSE, AVX and all AVX-512 state */
    bc_cpu_ifma = 1;
}

static inline __attribute__((always_inline)) BC_IFMA_TARGET void amm_body(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t k0, const int V) {
    __m512i acc[BC_MAX_VECS], A[BC_MAX_VECS], Mv[BC_MAX_VECS];
    const __m512i zero = _mm512_setzero_si512();
    uint64_t tmp[8 * BC_MAX_VECS], carry;
    int i, j;
    BC_UNROLL for (j = 0; j < V; j++) {
        acc[j] = zero;
        A[j] = _mm512_loadu_si512((const void *)(a + 8 * j));
        Mv[j] = _mm512_loadu_si512((const void *)(m + 8 * j));
    }
    for (i = 0; i < 8 * V; i++) {
        const __m512i bi = _mm512_set1_epi64((long long)b[i]);
        __m512i yv;
        uint64_t y, c;
        BC_UNROLL for (j = 0; j < V; j++) acc[j] = _mm512_madd52lo_epu64(acc[j], A[j], bi);
        y = ((uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(acc[0])) * k0) & MASK52;
        yv = _mm512_set1_epi64((long long)y);
        BC_UNROLL for (j = 0; j < V; j++) acc[j] = _mm512_madd52lo_epu64(acc[j], Mv[j], yv);
        /* The lowest digit is now 0 mod 2^52: carry its top and shift everything down a digit. */
        c = (uint64_t)_mm_cvtsi128_si64(_mm512_castsi512_si128(acc[0])) >> 52;
        BC_UNROLL for (j = 0; j < V - 1; j++) acc[j] = _mm512_alignr_epi64(acc[j + 1], acc[j], 1);
        acc[V - 1] = _mm512_alignr_epi64(zero, acc[V - 1], 1);
        acc[0] = _mm512_add_epi64(acc[0], _mm512_maskz_set1_epi64(1, (long long)c));
        /* High halves belong one digit up, which after the shift is the same lane. */
        BC_UNROLL for (j = 0; j < V; j++) acc[j] = _mm512_madd52hi_epu64(acc[j], A[j], bi);
        BC_UNROLL for (j = 0; j < V; j++) acc[j] = _mm512_madd52hi_epu64(acc[j], Mv[j], yv);
    }
    BC_UNROLL for (j = 0; j < V; j++) _mm512_storeu_si512((void *)(tmp + 8 * j), acc[j]);
    carry = 0;
    for (i = 0; i < 8 * V; i++) {
        uint64_t v = tmp[i] + carry;
        r[i] = v & MASK52;
        carry = v >> 52;
    }
}

#define BC_DEFINE_AMM(V)                                                                      \
    static BC_IFMA_TARGET void amm_##V(uint64_t *r, const uint64_t *a, const uint64_t *b,     \
                                       const uint64_t *m, uint64_t k0) {                      \
        amm_body(r, a, b, m, k0, V);                                                          \
    }
BC_DEFINE_AMM(1)
BC_DEFINE_AMM(2)
BC_DEFINE_AMM(3)
BC_DEFINE_AMM(4)
BC_DEFINE_AMM(5)
BC_DEFINE_AMM(6)
BC_DEFINE_AMM(7)
BC_DEFINE_AMM(8)
BC_DEFINE_AMM(9)
BC_DEFINE_AMM(10)

typedef void (*bc_amm_fn)(uint64_t *, const uint64_t *, const uint64_t *, const uint64_t *,
                          uint64_t);
static bc_amm_fn amm_for(unsigned vecs) {
    static const bc_amm_fn fns[BC_MAX_VECS] = {amm_1, amm_2, amm_3, amm_4, amm_5,
                                               amm_6, amm_7, amm_8, amm_9, amm_10};
    return vecs >= 1 && vecs <= BC_MAX_VECS ? fns[vecs - 1] : NULL;
}
#endif /* BC_HAVE_IFMA */

/* 1 when this CPU runs the IFMA path and BALLOTCHAIN_NATIVE_IFMA does not start with '0'. */
int bc_ifma_available(void) {
#ifdef BC_HAVE_IFMA
    const char *env = getenv("BALLOTCHAIN_NATIVE_IFMA");
    return bc_cpu_ifma && !(env != NULL && env[0] == '0');
#else
    return 0;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* Modulus context and modular multiplication                                                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * Three ways to multiply modulo m, fixed when the context is made:
 *   BC_DIV  (even m): plain values in n limbs, mpn_mul_n then mpn_tdiv_qr;
 *   BC_MONT (odd m):  Montgomery form x*R mod m in n limbs, R = 2^(64n), word-by-word REDC;
 *   BC_IFMA (odd m, AVX-512 IFMA): Montgomery form x*R' in L 52-bit digits, R' = 2^(52L),
 *                     values kept below 2m.
 * An "element" is w words in the context's format. "Plain" elements hold x itself (below 2m for
 * IFMA), "representation" elements hold the Montgomery form (x itself for BC_DIV).
 */
enum { BC_DIV = 0, BC_MONT = 1, BC_IFMA = 2 };

typedef struct {
    int kind;
    size_t n;          /* limbs in the modulus; m[n-1] != 0 */
    size_t w;          /* words per element */
    mp_limb_t *m;      /* modulus, n limbs */
    mp_limb_t minv;    /* -m^{-1} mod 2^64 (BC_MONT) */
    mp_limb_t *one;    /* representation of 1 (w words) */
    mp_limb_t *unit;   /* plain 1 (w words) */
    mp_limb_t *r2;     /* plain R^2 mod m (w words); to_repr multiplies by it */
    uint64_t *m52;     /* modulus in 52-bit digits (BC_IFMA) */
    uint64_t k0;       /* -m^{-1} mod 2^52 (BC_IFMA) */
    unsigned vecs;     /* L / 8 (BC_IFMA) */
#ifdef BC_HAVE_IFMA
    bc_amm_fn amm;
#endif
    mpz_t mz;          /* the modulus */
    mpz_t rz;          /* R mod m (Montgomery kinds), for prod_mod's correction */
} bc_mod;

/* Scratch for one thread: 3n+2 limbs for mpn products and quotients, n+2 limbs for conversions,
 * w words for a temporary element. */
static size_t scratch_limbs(const bc_mod *M) { return 4 * M->n + 4 + M->w; }
#define SCR_LIMBS(M, scr) ((scr) + 3 * (M)->n + 2)
#define SCR_ELEM(M, scr) ((scr) + 4 * (M)->n + 4)

static mp_limb_t limb_neg_inverse(mp_limb_t m0) {
    /* Newton iteration for m0^{-1} mod 2^LIMB_BITS; m0 odd. x = m0 is right to 3 bits. */
    mp_limb_t x = m0;
    int i;
    for (i = 0; i < 7; i++) x *= (mp_limb_t)2 - m0 * x;
    return (mp_limb_t)0 - x;
}

/* 64-bit limbs (n) -> L digits of 52 bits. */
static void limbs_to_digits(uint64_t *d, size_t L, const mp_limb_t *x, size_t n) {
    size_t i;
    for (i = 0; i < L; i++) {
        size_t bit = 52 * i, li = bit / 64, off = bit % 64;
        uint64_t v = li < n ? (uint64_t)x[li] >> off : 0;
        if (off > 12 && li + 1 < n) v |= (uint64_t)x[li + 1] << (64 - off);
        d[i] = v & MASK52;
    }
}

/* L digits of 52 bits -> nl limbs (the value must fit). */
static void digits_to_limbs(mp_limb_t *x, size_t nl, const uint64_t *d, size_t L) {
    size_t i;
    memset(x, 0, nl * LIMB_BYTES);
    for (i = 0; i < L; i++) {
        size_t bit = 52 * i, li = bit / 64, off = bit % 64;
        if (li < nl) x[li] |= (mp_limb_t)(d[i] << off);
        if (off > 12 && li + 1 < nl) x[li + 1] |= (mp_limb_t)(d[i] >> (64 - off));
    }
}

/* A reduced n-limb value -> plain element. */
static void elem_from_limbs(const bc_mod *M, mp_limb_t *dst, const mp_limb_t *x) {
    if (M->kind == BC_IFMA) {
        limbs_to_digits((uint64_t *)dst, M->w, x, M->n);
    } else {
        memcpy(dst, x, M->n * LIMB_BYTES);
    }
}

static void mod_clear(bc_mod *M) {
    free(M->m);
    free(M->one);
    free(M->unit);
    free(M->r2);
    free(M->m52);
    M->m = M->one = M->unit = M->r2 = NULL;
    M->m52 = NULL;
    mpz_clear(M->mz);
    mpz_clear(M->rz);
}

/* An mpz below m -> plain element. */
static void elem_from_mpz(const bc_mod *M, mp_limb_t *dst, const mpz_t z, mp_limb_t *limbs) {
    memset(limbs, 0, M->n * LIMB_BYTES);
    memcpy(limbs, mpz_limbs_read(z), mpz_size(z) * LIMB_BYTES);
    elem_from_limbs(M, dst, limbs);
}

/* Set up a modulus from big-endian bytes. BC_EINVAL when it is zero. */
static int mod_init(bc_mod *M, const uint8_t *mod, size_t mod_len) {
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
static void mulmod(const bc_mod *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
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

/* plain -> representation, in place. */
static void to_repr(const bc_mod *M, mp_limb_t *x, mp_limb_t *scr) {
    if (M->kind != BC_DIV) mulmod(M, x, x, M->r2, scr);
}

/* representation -> plain, in place. */
static void from_repr(const bc_mod *M, mp_limb_t *x, mp_limb_t *scr) {
    if (M->kind != BC_DIV) mulmod(M, x, x, M->unit, scr);
}

/* dst (n limbs) = value of big-endian bytes mod m. */
static void load_reduced(const bc_mod *M, mp_limb_t *dst, const uint8_t *src, size_t len) {
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
static void load_plain(const bc_mod *M, mp_limb_t *dst, const uint8_t *src, size_t len,
                       mp_limb_t *scr) {
    mp_limb_t *limbs = SCR_LIMBS(M, scr);
    load_reduced(M, limbs, src, len);
    elem_from_limbs(M, dst, limbs);
}

/* Fully reduced n limbs of a plain element, in the scratch space. */
static mp_limb_t *plain_limbs(const bc_mod *M, const mp_limb_t *x, mp_limb_t *scr) {
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

static int store_plain(const bc_mod *M, uint8_t *out, size_t out_len, const mp_limb_t *x,
                       mp_limb_t *scr) {
    return limbs_to_be(out, out_len, plain_limbs(M, x, scr), M->n);
}

static int store_repr(const bc_mod *M, uint8_t *out, size_t out_len, const mp_limb_t *x,
                      mp_limb_t *scr) {
    mp_limb_t *tmp = SCR_ELEM(M, scr);
    memcpy(tmp, x, M->w * LIMB_BYTES);
    from_repr(M, tmp, scr);
    return store_plain(M, out, out_len, tmp, scr);
}

/* ------------------------------------------------------------------------------------------ */
/* Thread runner                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef int (*bc_job_fn)(void *ctx, size_t start, size_t end);

typedef struct {
    bc_job_fn fn;
    void *ctx;
    size_t start, end;
    int status;
} bc_job;

#ifdef BC_HAVE_PTHREADS
static void *job_main(void *arg) {
    bc_job *job = (bc_job *)arg;
    job->status = job->fn(job->ctx, job->start, job->end);
    return NULL;
}
#endif

/* Run fn over [0, count) split into up to nthreads contiguous chunks. */
static int run_jobs(bc_job_fn fn, void *ctx, size_t count, int nthreads) {
    size_t nt, i, per, extra, pos;
    bc_job *jobs;
#ifdef BC_HAVE_PTHREADS
    pthread_t *tids;
    int *started;
#endif
    int status = BC_OK;

    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    nt = (size_t)nthreads;
    if (nt > count) nt = count;
    if (nt <= 1) return fn(ctx, 0, count);
#ifndef BC_HAVE_PTHREADS
    return fn(ctx, 0, count);
#else
    jobs = calloc(nt, sizeof(bc_job));
    tids = calloc(nt, sizeof(pthread_t));
    started = calloc(nt, sizeof(int));
    if (jobs == NULL || tids == NULL || started == NULL) {
        free(jobs);
        free(tids);
        free(started);
        return fn(ctx, 0, count);
    }
    per = count / nt;
    extra = count % nt;
    pos = 0;
    for (i = 0; i < nt; i++) {
        size_t len = per + (i < extra ? 1 : 0);
        jobs[i].fn = fn;
        jobs[i].ctx = ctx;
        jobs[i].start = pos;
        jobs[i].end = pos + len;
        jobs[i].status = BC_OK;
        pos += len;
    }
    for (i = 1; i < nt; i++) {
        started[i] = pthread_create(&tids[i], NULL, job_main, &jobs[i]) == 0;
    }
    jobs[0].status = fn(ctx, jobs[0].start, jobs[0].end);
    for (i = 1; i < nt; i++) {
        if (started[i]) {
            pthread_join(tids[i], NULL);
        } else {
            jobs[i].status = fn(ctx, jobs[i].start, jobs[i].end); /* could not start: run here */
        }
    }
    for (i = 0; i < nt; i++) {
        if (jobs[i].status != BC_OK && status == BC_OK) status = jobs[i].status;
    }
    free(jobs);
    free(tids);
    free(started);
    return status;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* Simultaneous exponentiation (Straus, interleaved sliding windows)                          */
/* ------------------------------------------------------------------------------------------ */

/* Window width minimising L/(w+1) + 2^(w-1) multiplications per base. */
static unsigned straus_window(size_t bits) {
    unsigned w, best = 1;
    double best_cost = -1.0;
    for (w = 1; w <= 7; w++) {
        double cost = (double)bits / (double)(w + 1) + (double)(1u << (w - 1));
        if (best_cost < 0 || cost < best_cost) {
            best_cost = cost;
            best = w;
        }
    }
    return best;
}

#define STRAUS_CHUNK 128

/*
 * acc (representation) *= prod_{i<k} bases[i]^exps[i], with bases as representation elements
 * (stride w) and exponents as limb arrays (ne limbs each, stride ne). k <= STRAUS_CHUNK.
 */
static int straus_chunk(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
                        size_t k, mp_limb_t *acc, mp_limb_t *scr) {
    size_t w = M->w, bits = 0, i, j;
    unsigned win, npre;
    mp_limb_t *pre, *res;
    uint8_t *sched;
    int started = 0, ok = 1;
    size_t pre_words, sched_bytes;

    for (i = 0; i < k; i++) {
        size_t b = limbs_bitlen(exps + i * ne, ne);
        if (b > bits) bits = b;
    }
    if (bits == 0) return BC_OK;
    win = straus_window(bits);
    npre = 1u << (win - 1);
    pre_words = mul_size(mul_size(k, npre, &ok), w, &ok);
    sched_bytes = mul_size(k, bits, &ok);
    if (!ok) return BC_ENOMEM;
    pre = alloc_limbs(pre_words);
    res = alloc_limbs(w);
    sched = calloc(sched_bytes == 0 ? 1 : sched_bytes, 1);
    if (pre == NULL || res == NULL || sched == NULL) {
        free(pre);
        free(res);
        free(sched);
        return BC_ENOMEM;
    }

    /* Per base: odd powers b, b^3, ..., b^(2^win - 1) and the window schedule. */
    for (i = 0; i < k; i++) {
        const mp_limb_t *e = exps + i * ne;
        mp_limb_t *p = pre + i * npre * w;
        uint8_t *s = sched + i * bits;
        size_t pos;
        unsigned t;
        if (limbs_bitlen(e, ne) == 0) continue;
        memcpy(p, bases + i * w, w * LIMB_BYTES);
        if (npre > 1) {
            mulmod(M, res, p, p, scr); /* b^2 */
            for (t = 1; t < npre; t++) mulmod(M, p + t * w, p + (t - 1) * w, res, scr);
        }
        pos = bits;
        while (pos > 0) {
            size_t hi = pos - 1, lo;
            if (!get_bit(e, ne, hi)) {
                pos--;
                continue;
            }
            lo = hi + 1 >= win ? hi + 1 - win : 0;
            while (!get_bit(e, ne, lo)) lo++;
            s[lo] = (uint8_t)get_bits(e, ne, lo, (unsigned)(hi - lo + 1));
            pos = lo;
        }
    }

    /* Shared squarings from the top bit down, one multiplication per window end. */
    for (j = bits; j-- > 0;) {
        if (started) mulmod(M, res, res, res, scr);
        for (i = 0; i < k; i++) {
            uint8_t v = sched[i * bits + j];
            const mp_limb_t *entry;
            if (v == 0) continue;
            entry = pre + (i * npre + (v >> 1)) * w;
            if (started) {
                mulmod(M, res, res, entry, scr);
            } else {
                memcpy(res, entry, w * LIMB_BYTES);
                started = 1;
            }
        }
    }
    if (started) mulmod(M, acc, acc, res, scr);
    free(pre);
    free(res);
    free(sched);
    return BC_OK;
}

/* acc (representation) *= prod bases[i]^exps[i] over any k, chunk by chunk. */
static int straus(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
                  size_t k, mp_limb_t *acc, mp_limb_t *scr) {
    size_t start;
    for (start = 0; start < k; start += STRAUS_CHUNK) {
        size_t len = k - start < STRAUS_CHUNK ? k - start : STRAUS_CHUNK;
        int status =
            straus_chunk(M, bases + start * M->w, exps + start * ne, ne, len, acc, scr);
        if (status != BC_OK) return status;
    }
    return BC_OK;
}

/* Load count packed byte values as representation elements. */
static mp_limb_t *load_bases(const bc_mod *M, const uint8_t *src, size_t len, size_t count,
                             mp_limb_t *scr) {
    int ok = 1;
    size_t i, w = M->w;
    mp_limb_t *bases = alloc_limbs(mul_size(count, w, &ok));
    if (!ok || bases == NULL) {
        free(bases);
        return NULL;
    }
    for (i = 0; i < count; i++) {
        load_plain(M, bases + i * w, src + i * len, len, scr);
        to_repr(M, bases + i * w, scr);
    }
    return bases;
}

static size_t exp_limbs_for(size_t len) {
    size_t nl = (len + LIMB_BYTES - 1) / LIMB_BYTES;
    return nl == 0 ? 1 : nl;
}

/* Load count packed exponents of len bytes into limb arrays (*ne limbs each). */
static mp_limb_t *load_exps(const uint8_t *src, size_t len, size_t count, size_t *ne) {
    int ok = 1;
    size_t i, nl = exp_limbs_for(len);
    mp_limb_t *exps = alloc_limbs(mul_size(count, nl, &ok));
    if (!ok || exps == NULL) {
        free(exps);
        return NULL;
    }
    for (i = 0; i < count; i++) be_to_limbs(exps + i * nl, nl, src + i * len, len);
    *ne = nl;
    return exps;
}

/* out = base^exp mod m through the context's own multiplication (one-base Straus). */
static int ctx_powmod(const bc_mod *M, const uint8_t *base, size_t base_len, const mp_limb_t *e,
                      size_t ne, uint8_t *out, size_t out_len, mp_limb_t *b, mp_limb_t *acc,
                      mp_limb_t *scr) {
    int status;
    load_plain(M, b, base, base_len, scr);
    to_repr(M, b, scr);
    memcpy(acc, M->one, M->w * LIMB_BYTES);
    status = straus_chunk(M, b, e, ne, 1, acc, scr);
    if (status != BC_OK) return status;
    return store_repr(M, out, out_len, acc, scr);
}

/* ------------------------------------------------------------------------------------------ */
/* Single exponentiations                                                                     */
/* ------------------------------------------------------------------------------------------ */

static int powmod_fast(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                       const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    bc_mod M;
    mp_limb_t *scr = NULL, *b = NULL, *acc = NULL, *e = NULL;
    size_t ne = 0;
    int status = mod_init(&M, mod, mod_len);
    if (status == BC_OK) {
        scr = alloc_limbs(scratch_limbs(&M));
        b = alloc_limbs(M.w);
        acc = alloc_limbs(M.w);
        e = load_exps(exp, exp_len, 1, &ne);
        if (scr == NULL || b == NULL || acc == NULL || e == NULL) {
            status = BC_ENOMEM;
        } else {
            status = ctx_powmod(&M, base, base_len, e, ne, out, out_len, b, acc, scr);
        }
    }
    free(scr);
    free(b);
    free(acc);
    free(e);
    mod_clear(&M);
    return status;
}

static int powmod_impl(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                       const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    mpz_t b, e, m, r;
    int status;
    if (!packed_ok(base, base_len, 1) || !packed_ok(exp, exp_len, 1) ||
        !packed_ok(mod, mod_len, 1) || !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    mpz_inits(b, e, m, r, NULL);
    be_to_mpz(m, mod, mod_len);
    if (mpz_sgn(m) == 0) {
        status = BC_EINVAL;
    } else if (mpz_odd_p(m) && mpz_cmp_ui(m, 1) > 0 && bc_ifma_available()) {
        status = powmod_fast(base, base_len, exp, exp_len, mod, mod_len, out, out_len);
    } else {
        be_to_mpz(b, base, base_len);
        be_to_mpz(e, exp, exp_len);
        mpz_powm(r, b, e, m);
        status = mpz_to_be(out, out_len, r);
    }
    mpz_clears(b, e, m, r, NULL);
    return status;
}

int bc_powmod(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
              const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    return powmod_impl(base, base_len, exp, exp_len, mod, mod_len, out, out_len);
}

typedef struct {
    const uint8_t *bases, *exps;
    size_t base_len, exp_len, out_len;
    const bc_mod *M;
    uint8_t *out;
} powmod_many_ctx;

static int powmod_many_job(void *arg, size_t start, size_t end) {
    powmod_many_ctx *c = (powmod_many_ctx *)arg;
    const bc_mod *M = c->M;
    size_t i, ne = exp_limbs_for(c->exp_len);
    int status = BC_OK;
    if (M->kind == BC_IFMA) {
        mp_limb_t *scr = alloc_limbs(scratch_limbs(M));
        mp_limb_t *b = alloc_limbs(M->w), *acc = alloc_limbs(M->w), *e = alloc_limbs(ne);
        if (scr == NULL || b == NULL || acc == NULL || e == NULL) status = BC_ENOMEM;
        for (i = start; i < end && status == BC_OK; i++) {
            be_to_limbs(e, ne, c->exps + i * c->exp_len, c->exp_len);
            status = ctx_powmod(M, c->bases + i * c->base_len, c->base_len, e, ne,
                                c->out + i * c->out_len, c->out_len, b, acc, scr);
        }
        free(scr);
        free(b);
        free(acc);
        free(e);
    } else {
        mpz_t b, e, r;
        mpz_inits(b, e, r, NULL);
        for (i = start; i < end && status == BC_OK; i++) {
            be_to_mpz(b, c->bases + i * c->base_len, c->base_len);
            be_to_mpz(e, c->exps + i * c->exp_len, c->exp_len);
            mpz_powm(r, b, e, M->mz);
            status = mpz_to_be(c->out + i * c->out_len, c->out_len, r);
        }
        mpz_clears(b, e, r, NULL);
    }
    return status;
}

int bc_powmod_many(const uint8_t *bases, size_t base_len, const uint8_t *exps, size_t exp_len,
                   size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len,
                   int nthreads) {
    bc_mod M;
    powmod_many_ctx c;
    int status;
    if (!packed_ok(bases, base_len, count) || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, count) || !packed_ok(mod, mod_len, 1))
        return BC_EINVAL;
    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK) {
        c.bases = bases;
        c.exps = exps;
        c.base_len = base_len;
        c.exp_len = exp_len;
        c.out_len = out_len;
        c.M = &M;
        c.out = out;
        status = run_jobs(powmod_many_job, &c, count, nthreads);
    }
    mod_clear(&M);
    return status;
}

int bc_multi_powmod(const uint8_t *bases, size_t base_len, const uint8_t *exps, size_t exp_len,
                    size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    bc_mod M;
    mp_limb_t *scr = NULL, *b = NULL, *e = NULL, *acc = NULL;
    size_t ne = 0;
    int status;
    if (!packed_ok(bases, base_len, count) || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status != BC_OK) {
        mod_clear(&M);
        return status;
    }
    scr = alloc_limbs(scratch_limbs(&M));
    acc = alloc_limbs(M.w);
    status = BC_ENOMEM;
    if (scr != NULL && acc != NULL) {
        b = load_bases(&M, bases, base_len, count, scr);
        e = load_exps(exps, exp_len, count, &ne);
    }
    if (b != NULL && e != NULL) {
        memcpy(acc, M.one, M.w * LIMB_BYTES);
        status = straus(&M, b, e, ne, count, acc, scr);
        if (status == BC_OK) status = store_repr(&M, out, out_len, acc, scr);
    }
    free(scr);
    free(acc);
    free(b);
    free(e);
    mod_clear(&M);
    return status;
}

int bc_prod_mod(const uint8_t *values, size_t value_len, size_t count, const uint8_t *mod,
                size_t mod_len, uint8_t *out, size_t out_len) {
    bc_mod M;
    mp_limb_t *scr = NULL, *acc = NULL, *v = NULL;
    size_t i;
    int status;
    if (!packed_ok(values, value_len, count) || !packed_ok(out, out_len, 1)) return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status != BC_OK) {
        mod_clear(&M);
        return status;
    }
    scr = alloc_limbs(scratch_limbs(&M));
    acc = alloc_limbs(M.w);
    v = alloc_limbs(M.w);
    if (scr == NULL || acc == NULL || v == NULL) {
        status = BC_ENOMEM;
    } else if (count == 0) {
        status = store_repr(&M, out, out_len, M.one, scr);
    } else {
        /* Multiply the plain values with mulmod directly. With Montgomery reduction every step
         * divides by R, so after count-1 steps acc = prod * R^-(count-1); one more mulmod with
         * R^count mod m (computed with a short mpz_powm) gives prod itself. */
        load_plain(&M, acc, values, value_len, scr);
        for (i = 1; i < count; i++) {
            load_plain(&M, v, values + i * value_len, value_len, scr);
            mulmod(&M, acc, acc, v, scr);
        }
        if (M.kind != BC_DIV) {
            mpz_t rc, cz;
            mpz_inits(rc, cz, NULL);
            mpz_import(cz, 1, -1, sizeof(size_t), 0, 0, &count);
            mpz_powm(rc, M.rz, cz, M.mz); /* R^count mod m */
            elem_from_mpz(&M, v, rc, SCR_LIMBS(&M, scr));
            mpz_clears(rc, cz, NULL);
            mulmod(&M, acc, acc, v, scr);
        }
        status = store_plain(&M, out, out_len, acc, scr);
    }
    free(scr);
    free(acc);
    free(v);
    mod_clear(&M);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Batched subgroup membership                                                                */
/* ------------------------------------------------------------------------------------------ */

int bc_batch_in_subgroup(const uint8_t *values, size_t value_len, size_t count, const uint8_t *p,
                         size_t p_len, const uint8_t *q, size_t q_len, const uint8_t *rand,
                         size_t rand_len, int *result) {
    bc_mod M;
    mp_limb_t *scr = NULL, *acc = NULL, *b = NULL, *e = NULL, *qe = NULL, *x = NULL, *y = NULL;
    size_t i, n, w, ne = 0, nq = 0;
    int status, member = 1, ok = 1;

    if (result == NULL) return BC_EINVAL;
    *result = 0;
    if (!packed_ok(values, value_len, count) || !packed_ok(q, q_len, 1) ||
        !packed_ok(rand, rand_len, count) || rand_len > 32)
        return BC_EINVAL;
    status = mod_init(&M, p, p_len);
    if (status != BC_OK) {
        mod_clear(&M);
        return status;
    }
    if (M.kind == BC_DIV || mpz_cmp_ui(M.mz, 2) <= 0) { /* p must be odd and > 2 */
        mod_clear(&M);
        return BC_EINVAL;
    }
    n = M.n;
    w = M.w;
    qe = load_exps(q, q_len, 1, &nq);
    scr = alloc_limbs(scratch_limbs(&M));
    acc = alloc_limbs(w);
    y = alloc_limbs(w);
    x = alloc_limbs(n);
    b = alloc_limbs(mul_size(count, w, &ok));
    if (!ok || qe == NULL || scr == NULL || acc == NULL || y == NULL || x == NULL || b == NULL) {
        status = BC_ENOMEM;
        goto done;
    }
    if (limbs_bitlen(qe, nq) == 0) {
        status = BC_EINVAL;
        goto done;
    }
    /* 0 < x < p and (x|p) = 1 for each x, stopping at the first failure. */
    for (i = 0; i < count; i++) {
        mpz_t xr;
        size_t sz = n;
        if (be_to_limbs(x, n, values + i * value_len, value_len) != 0 ||
            mpn_cmp(x, M.m, (mp_size_t)n) >= 0 || limbs_bitlen(x, n) == 0) {
            member = 0;
            break;
        }
        while (sz > 0 && x[sz - 1] == 0) sz--;
        mpz_roinit_n(xr, x, (mp_size_t)sz);
        if (mpz_jacobi(xr, M.mz) != 1) {
            member = 0;
            break;
        }
        elem_from_limbs(&M, b + i * w, x);
        to_repr(&M, b + i * w, scr);
    }
    if (!member || count == 0) {
        status = BC_OK;
        goto done;
    }
    /* y = prod x_i^r_i, then y^q must be 1. */
    e = load_exps(rand, rand_len, count, &ne);
    if (e == NULL) {
        status = BC_ENOMEM;
        goto done;
    }
    memcpy(y, M.one, w * LIMB_BYTES);
    status = straus(&M, b, e, ne, count, y, scr);
    if (status != BC_OK) goto done;
    memcpy(acc, M.one, w * LIMB_BYTES);
    status = straus_chunk(&M, y, qe, nq, 1, acc, scr);
    if (status != BC_OK) goto done;
    from_repr(&M, acc, scr);
    {
        const mp_limb_t *limbs = plain_limbs(&M, acc, scr);
        member = limbs[0] == 1 && limbs_bitlen(limbs, n) == 1;
    }
    status = BC_OK;
done:
    if (status == BC_OK) *result = member;
    free(scr);
    free(acc);
    free(b);
    free(e);
    free(qe);
    free(x);
    free(y);
    mod_clear(&M);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed-base tables                                                                          */
/* ------------------------------------------------------------------------------------------ */

struct bc_table {
    bc_mod M;
    size_t exp_bits;    /* exponents below 2^exp_bits */
    unsigned window;    /* bits per window */
    size_t nwin;        /* ceil(exp_bits / window) */
    size_t per;         /* entries per window: 2^window - 1 */
    size_t nbytes;      /* bytes held by the entries */
    mp_limb_t *entries; /* entries[(i*per + d-1)*w ..] = base^(d * 2^(window*i)), representation */
};

void bc_table_free(bc_table *t) {
    if (t == NULL) return;
    free(t->entries);
    mod_clear(&t->M);
    free(t);
}

size_t bc_table_nbytes(const bc_table *t) { return t == NULL ? 0 : t->nbytes; }

int bc_table_new(const uint8_t *base, size_t base_len, const uint8_t *mod, size_t mod_len,
                 size_t exp_bits, int window, bc_table **out) {
    bc_table *t;
    mp_limb_t *scr = NULL, *cur = NULL;
    size_t w, i, d, total;
    int status, ok = 1;

    if (out == NULL) return BC_EINVAL;
    *out = NULL;
    if (!packed_ok(base, base_len, 1) || window < 1 || window > BC_MAX_WINDOW ||
        exp_bits < 1 || exp_bits > BC_MAX_EXP_BITS)
        return BC_EINVAL;
    t = calloc(1, sizeof(*t));
    if (t == NULL) return BC_ENOMEM;
    status = mod_init(&t->M, mod, mod_len);
    if (status != BC_OK) {
        mod_clear(&t->M);
        free(t);
        return status;
    }
    w = t->M.w;
    t->exp_bits = exp_bits;
    t->window = (unsigned)window;
    t->nwin = (exp_bits + (size_t)window - 1) / (size_t)window;
    t->per = ((size_t)1 << window) - 1;
    total = mul_size(mul_size(t->nwin, t->per, &ok), w, &ok);
    t->nbytes = mul_size(total, LIMB_BYTES, &ok);
    if (!ok) {
        bc_table_free(t);
        return BC_ENOMEM;
    }
    t->entries = alloc_limbs(total);
    scr = alloc_limbs(scratch_limbs(&t->M));
    cur = alloc_limbs(w);
    if (t->entries == NULL || scr == NULL || cur == NULL) {
        free(scr);
        free(cur);
        bc_table_free(t);
        return BC_ENOMEM;
    }
    load_plain(&t->M, cur, base, base_len, scr);
    to_repr(&t->M, cur, scr); /* cur = base^(2^(window*i)) for window i */
    for (i = 0; i < t->nwin; i++) {
        mp_limb_t *row = t->entries + i * t->per * w;
        memcpy(row, cur, w * LIMB_BYTES);
        for (d = 1; d < t->per; d++) mulmod(&t->M, row + d * w, row + (d - 1) * w, cur, scr);
        if (i + 1 < t->nwin) mulmod(&t->M, cur, row + (t->per - 1) * w, cur, scr);
    }
    free(scr);
    free(cur);
    *out = t;
    return BC_OK;
}

/* acc (representation) = base^e for an exponent of ne limbs already checked < 2^exp_bits. */
static void table_pow_limbs(const bc_table *t, const mp_limb_t *e, size_t ne, mp_limb_t *acc,
                            mp_limb_t *scr) {
    size_t w = t->M.w, i;
    int started = 0;
    for (i = 0; i < t->nwin; i++) {
        unsigned digit = get_bits(e, ne, i * t->window, t->window);
        const mp_limb_t *entry;
        if (digit == 0) continue;
        entry = t->entries + (i * t->per + digit - 1) * w;
        if (started) {
            mulmod(&t->M, acc, acc, entry, scr);
        } else {
            memcpy(acc, entry, w * LIMB_BYTES);
            started = 1;
        }
    }
    if (!started) memcpy(acc, t->M.one, w * LIMB_BYTES);
}

/* Load an exponent and check it is below 2^exp_bits. */
static int table_load_exp(const bc_table *t, mp_limb_t *e, size_t ne, const uint8_t *src,
                          size_t len) {
    if (be_to_limbs(e, ne, src, len) != 0) return BC_EINVAL;
    if (limbs_bitlen(e, ne) > t->exp_bits) return BC_EINVAL;
    return BC_OK;
}

static size_t table_exp_limbs(const bc_table *t) {
    return (t->exp_bits + LIMB_BITS - 1) / LIMB_BITS;
}

typedef struct {
    const bc_table *t;
    const uint8_t *exps;
    size_t exp_len, out_len;
    uint8_t *out;
} table_many_ctx;

static int table_many_job(void *arg, size_t start, size_t end) {
    table_many_ctx *c = (table_many_ctx *)arg;
    const bc_table *t = c->t;
    size_t ne = table_exp_limbs(t), i;
    mp_limb_t *scr = alloc_limbs(scratch_limbs(&t->M));
    mp_limb_t *acc = alloc_limbs(t->M.w);
    mp_limb_t *e = alloc_limbs(ne);
    int status = BC_OK;
    if (scr == NULL || acc == NULL || e == NULL) status = BC_ENOMEM;
    for (i = start; i < end && status == BC_OK; i++) {
        status = table_load_exp(t, e, ne, c->exps + i * c->exp_len, c->exp_len);
        if (status != BC_OK) break;
        table_pow_limbs(t, e, ne, acc, scr);
        status = store_repr(&t->M, c->out + i * c->out_len, c->out_len, acc, scr);
    }
    free(scr);
    free(acc);
    free(e);
    return status;
}

int bc_table_pow(const bc_table *t, const uint8_t *exp, size_t exp_len, uint8_t *out,
                 size_t out_len) {
    table_many_ctx c;
    if (t == NULL || !packed_ok(exp, exp_len, 1) || !packed_ok(out, out_len, 1)) return BC_EINVAL;
    c.t = t;
    c.exps = exp;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    return table_many_job(&c, 0, 1);
}

int bc_table_pow_many(const bc_table *t, const uint8_t *exps, size_t exp_len, size_t count,
                      uint8_t *out, size_t out_len, int nthreads) {
    table_many_ctx c;
    if (t == NULL || !packed_ok(exps, exp_len, count) || !packed_ok(out, out_len, count))
        return BC_EINVAL;
    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    c.t = t;
    c.exps = exps;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    return run_jobs(table_many_job, &c, count, nthreads);
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed-base exponentiation for secret exponents                                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * What does not depend on the exponent's value (only on the table's shape and the lengths):
 *   - the digits are cut out at fixed positions; each row is read in full, entry by entry, and
 *     the wanted entry (1 for digit 0) is kept by AND with a mask made without a branch;
 *   - one multiplication per window, always, by the selected entry (1 included);
 *   - the multiplication: the IFMA one has no branch and no address that depends on the values
 *     (its results stay below 2m, with no final subtraction); on mpn it is mpn_sec_mul or
 *     mpn_sec_sqr (GMP's side-channel silent schoolbook products: mpn_mul_n would switch to
 *     Toom-Cook, whose sign tests branch on the values) followed by a REDC whose final
 *     subtraction is masked;
 *   - the conversion out of Montgomery form and the final reduction below m (masked).
 * What remains: the compiler is asked (an empty asm) not to turn masks back into branches, but
 * nothing checks the generated code; the CPU's own timing of the instructions used (integer
 * multiply, IFMA, vector logic) is assumed to be independent of the operands. The out-of-range
 * check of the exponent answers with an error, which of course depends on it.
 */

/* Opaque to the optimiser: keeps a mask from being turned back into a branch. */
static inline mp_limb_t ct_opaque(mp_limb_t x) {
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

/* All ones when a == b, else 0, without a branch. */
static inline mp_limb_t ct_eq_mask(mp_limb_t a, mp_limb_t b) {
    mp_limb_t x = a ^ b;
    return ct_opaque(((x | ((mp_limb_t)0 - x)) >> (LIMB_BITS - 1)) - 1);
}

/* Overwrite memory that held secrets (a volatile store the compiler keeps). */
static void wipe(void *ptr, size_t bytes) {
    volatile unsigned char *p = (volatile unsigned char *)ptr;
    if (ptr == NULL) return;
    while (bytes-- > 0) *p++ = 0;
}

typedef struct {
    uint64_t mulmods;
    uint64_t words_read;
} ct_trace;

/* Work space of one thread. */
typedef struct {
    mp_limb_t *acc, *sel; /* w words each */
    mp_limb_t *prod;      /* 2n limbs: the product before reduction */
    mp_limb_t *low;       /* n+1 limbs: plain value of the result */
    mp_limb_t *tmp;       /* n limbs: value - m */
    mp_limb_t *itch;      /* GMP's scratch for mpn_sec_mul and mpn_sec_sqr */
    mp_limb_t *e;         /* the exponent, ne limbs */
    mp_limb_t *block;     /* the one allocation the others point into */
    size_t limbs;
} ct_space;

static int ct_space_init(ct_space *s, const bc_mod *M, size_t ne) {
    size_t n = M->n, w = M->w, itch;
    mp_size_t mul_itch = mpn_sec_mul_itch((mp_size_t)n, (mp_size_t)n);
    mp_size_t sqr_itch = mpn_sec_sqr_itch((mp_size_t)n);
    memset(s, 0, sizeof(*s));
    itch = (size_t)(mul_itch > sqr_itch ? mul_itch : sqr_itch) + 1;
    /* n <= w, and a table of w-word entries exists, so these sums cannot overflow; check anyway */
    if (w > ((size_t)-1) / 16 || itch > ((size_t)-1) / 4 || ne > ((size_t)-1) / 4) return BC_ENOMEM;
    s->limbs = 2 * w + 2 * n + (n + 1) + n + itch + ne;
    s->block = alloc_limbs(s->limbs);
    if (s->block == NULL) return BC_ENOMEM;
    s->acc = s->block;
    s->sel = s->acc + w;
    s->prod = s->sel + w;
    s->low = s->prod + 2 * n;
    s->tmp = s->low + n + 1;
    s->itch = s->tmp + n;
    s->e = s->itch + itch;
    return BC_OK;
}

static void ct_space_free(ct_space *s) {
    if (s->block != NULL) wipe(s->block, s->limbs * LIMB_BYTES);
    free(s->block);
    s->block = NULL;
}

/* x (n limbs) plus top * 2^(64n) is below 2m: subtract m once when it is >= m, masked. */
static void ct_reduce_once(mp_limb_t *x, mp_limb_t top, const mp_limb_t *m, mp_limb_t *tmp,
                           size_t n) {
    mp_limb_t borrow = mpn_sub_n(tmp, x, m, (mp_size_t)n);
    mp_limb_t take = ct_opaque((mp_limb_t)0 - ((top | (borrow ^ 1)) & 1));
    size_t k;
    for (k = 0; k < n; k++) x[k] = (tmp[k] & take) | (x[k] & ~take);
}

/* r = a * b / R mod m (odd m) with no value-dependent branch or address; a == b (the same
 * pointer, which is no secret) squares. r may alias a and b. */
static void mulmod_ct(const bc_mod *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                      ct_space *s, ct_trace *tr) {
    size_t n = M->n, i;
    if (tr != NULL) tr->mulmods++;
#ifdef BC_HAVE_IFMA
    if (M->kind == BC_IFMA) {
        M->amm((uint64_t *)r, (const uint64_t *)a, (const uint64_t *)b, M->m52, M->k0);
        return;
    }
#endif
    {
        mp_limb_t *T = s->prod, carry;
        if (a == b) {
            mpn_sec_sqr(T, a, (mp_size_t)n, s->itch);
        } else {
            mpn_sec_mul(T, a, (mp_size_t)n, b, (mp_size_t)n, s->itch);
        }
        /* REDC as in redc(), T[i] parking the carries, then a masked final subtraction */
        for (i = 0; i < n; i++) T[i] = mpn_addmul_1(T + i, M->m, (mp_size_t)n, T[i] * M->minv);
        carry = mpn_add_n(r, T + n, T, (mp_size_t)n);
        ct_reduce_once(r, carry, M->m, s->tmp, n);
    }
}

/* dst = row entry `digit` (M's 1 for digit 0), reading all of 1 and the row's `per` entries.
 * Eight words at a time, so that the accumulators stay in registers while the row streams past. */
static void ct_select_generic(mp_limb_t *restrict dst, const mp_limb_t *restrict one,
                              const mp_limb_t *restrict row, size_t per, size_t w,
                              mp_limb_t digit) {
    size_t k0, d, k;
    for (k0 = 0; k0 + 8 <= w; k0 += 8) {
        mp_limb_t acc[8];
        mp_limb_t mask = ct_eq_mask(0, digit);
        for (k = 0; k < 8; k++) acc[k] = one[k0 + k] & mask;
        for (d = 1; d <= per; d++) {
            const mp_limb_t *restrict entry = row + (d - 1) * w + k0;
            mask = ct_eq_mask((mp_limb_t)d, digit);
            for (k = 0; k < 8; k++) acc[k] |= entry[k] & mask;
        }
        for (k = 0; k < 8; k++) dst[k0 + k] = acc[k];
    }
    for (k = k0; k < w; k++) {
        mp_limb_t acc = one[k] & ct_eq_mask(0, digit);
        for (d = 1; d <= per; d++) acc |= row[(d - 1) * w + k] & ct_eq_mask((mp_limb_t)d, digit);
        dst[k] = acc;
    }
}

#ifdef BC_HAVE_IFMA
/* The same with AVX-512 for IFMA elements of V vectors (w = 8V): the selection accumulates in
 * V registers while the row streams past. */
static inline __attribute__((always_inline)) BC_IFMA_TARGET void ct_select_body(
    uint64_t *dst, const uint64_t *one, const uint64_t *row, size_t per, uint64_t digit,
    const int V) {
    __m512i acc[BC_MAX_VECS];
    __m512i mask = _mm512_set1_epi64((long long)ct_eq_mask(0, digit));
    size_t d;
    int j;
    BC_UNROLL for (j = 0; j < V; j++) {
        acc[j] = _mm512_and_si512(_mm512_loadu_si512((const void *)(one + 8 * j)), mask);
    }
    for (d = 1; d <= per; d++) {
        const uint64_t *entry = row + (d - 1) * (size_t)(8 * V);
        mask = _mm512_set1_epi64((long long)ct_eq_mask((mp_limb_t)d, digit));
        /* acc | (entry & mask): truth table 0xF8 over (acc, entry, mask) */
        BC_UNROLL for (j = 0; j < V; j++) {
            acc[j] = _mm512_ternarylogic_epi64(
                acc[j], _mm512_loadu_si512((const void *)(entry + 8 * j)), mask, 0xF8);
        }
    }
    BC_UNROLL for (j = 0; j < V; j++) _mm512_storeu_si512((void *)(dst + 8 * j), acc[j]);
}

#define BC_DEFINE_SELECT(V)                                                                   \
    static BC_IFMA_TARGET void ct_select_##V(uint64_t *dst, const uint64_t *one,              \
                                             const uint64_t *row, size_t per, uint64_t digit) { \
        ct_select_body(dst, one, row, per, digit, V);                                         \
    }
BC_DEFINE_SELECT(1)
BC_DEFINE_SELECT(2)
BC_DEFINE_SELECT(3)
BC_DEFINE_SELECT(4)
BC_DEFINE_SELECT(5)
BC_DEFINE_SELECT(6)
BC_DEFINE_SELECT(7)
BC_DEFINE_SELECT(8)
BC_DEFINE_SELECT(9)
BC_DEFINE_SELECT(10)

typedef void (*bc_select_fn)(uint64_t *, const uint64_t *, const uint64_t *, size_t, uint64_t);
static bc_select_fn select_for(unsigned vecs) {
    static const bc_select_fn fns[BC_MAX_VECS] = {
        ct_select_1, ct_select_2, ct_select_3, ct_select_4, ct_select_5,
        ct_select_6, ct_select_7, ct_select_8, ct_select_9, ct_select_10};
    return vecs >= 1 && vecs <= BC_MAX_VECS ? fns[vecs - 1] : NULL;
}
#endif

static void ct_select(const bc_mod *M, mp_limb_t *dst, const mp_limb_t *row, size_t per,
                      unsigned digit, ct_trace *tr) {
    if (tr != NULL) tr->words_read += (uint64_t)(per + 1) * M->w;
#ifdef BC_HAVE_IFMA
    if (M->kind == BC_IFMA) {
        select_for(M->vecs)((uint64_t *)dst, (const uint64_t *)M->one, (const uint64_t *)row, per,
                            digit);
        return;
    }
#endif
    ct_select_generic(dst, M->one, row, per, M->w, digit);
}

/* Load an exponent and check it is below 2^exp_bits, without a branch on its bits. */
static int ct_load_exp(const bc_table *t, mp_limb_t *e, size_t ne, const uint8_t *src,
                       size_t len) {
    mp_limb_t excess = 0;
    size_t i;
    if (be_to_limbs(e, ne, src, len) != 0) return BC_EINVAL;
    for (i = 0; i < ne; i++) {
        size_t lo = i * LIMB_BITS;
        mp_limb_t allowed;
        if (t->exp_bits >= lo + LIMB_BITS) {
            allowed = ~(mp_limb_t)0;
        } else if (t->exp_bits <= lo) {
            allowed = 0;
        } else {
            allowed = ((mp_limb_t)1 << (t->exp_bits - lo)) - 1;
        }
        excess |= e[i] & ~allowed;
    }
    return excess == 0 ? BC_OK : BC_EINVAL;
}

/* s->acc (representation) = base^e: a selection per window, a multiplication per window. */
static void table_pow_secret_limbs(const bc_table *t, ct_space *s, size_t ne, ct_trace *tr) {
    size_t w = t->M.w, i;
    ct_select(&t->M, s->acc, t->entries, t->per, get_bits(s->e, ne, 0, t->window), tr);
    for (i = 1; i < t->nwin; i++) {
        const mp_limb_t *row = t->entries + i * t->per * w;
        ct_select(&t->M, s->sel, row, t->per, get_bits(s->e, ne, i * t->window, t->window), tr);
        mulmod_ct(&t->M, s->acc, s->acc, s->sel, s, tr);
    }
}

/* Convert s->acc out of the representation, reduce it below m and store it, all masked. */
static int store_secret(const bc_mod *M, ct_space *s, uint8_t *out, size_t out_len,
                        ct_trace *tr) {
    size_t n = M->n;
    mulmod_ct(M, s->acc, s->acc, M->unit, s, tr);
    if (M->kind == BC_IFMA) {
        digits_to_limbs(s->low, n + 1, (const uint64_t *)s->acc, M->w); /* below 2m */
        ct_reduce_once(s->low, s->low[n], M->m, s->tmp, n);
    } else {
        memcpy(s->low, s->acc, n * LIMB_BYTES); /* REDC reduces fully */
    }
    return limbs_to_be(out, out_len, s->low, n);
}

typedef struct {
    const bc_table *t;
    const uint8_t *exps;
    size_t exp_len, out_len;
    uint8_t *out;
    ct_trace *trace;
} secret_many_ctx;

static int secret_many_job(void *arg, size_t start, size_t end) {
    secret_many_ctx *c = (secret_many_ctx *)arg;
    const bc_table *t = c->t;
    size_t ne = table_exp_limbs(t), i;
    ct_space s;
    int status = ct_space_init(&s, &t->M, ne);
    for (i = start; i < end && status == BC_OK; i++) {
        status = ct_load_exp(t, s.e, ne, c->exps + i * c->exp_len, c->exp_len);
        if (status != BC_OK) break;
        table_pow_secret_limbs(t, &s, ne, c->trace);
        status = store_secret(&t->M, &s, c->out + i * c->out_len, c->out_len, c->trace);
    }
    ct_space_free(&s);
    return status;
}

int bc_table_pow_secret_traced(const bc_table *t, const uint8_t *exp, size_t exp_len,
                               uint8_t *out, size_t out_len, uint64_t *mulmods,
                               uint64_t *words_read) {
    secret_many_ctx c;
    ct_trace trace = {0, 0};
    int status;
    if (t == NULL || t->M.kind == BC_DIV || !packed_ok(exp, exp_len, 1) ||
        !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    c.t = t;
    c.exps = exp;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    c.trace = (mulmods != NULL || words_read != NULL) ? &trace : NULL;
    status = secret_many_job(&c, 0, 1);
    if (mulmods != NULL) *mulmods = trace.mulmods;
    if (words_read != NULL) *words_read = trace.words_read;
    return status;
}

int bc_table_pow_secret(const bc_table *t, const uint8_t *exp, size_t exp_len, uint8_t *out,
                        size_t out_len) {
    return bc_table_pow_secret_traced(t, exp, exp_len, out, out_len, NULL, NULL);
}

int bc_table_pow_secret_many(const bc_table *t, const uint8_t *exps, size_t exp_len,
                             size_t count, uint8_t *out, size_t out_len, int nthreads) {
    secret_many_ctx c;
    if (t == NULL || t->M.kind == BC_DIV || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, count))
        return BC_EINVAL;
    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    c.t = t;
    c.exps = exps;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    c.trace = NULL;
    return run_jobs(secret_many_job, &c, count, nthreads);
}

/* ------------------------------------------------------------------------------------------ */
/* Variable-base exponentiation for secret exponents                                          */
/* ------------------------------------------------------------------------------------------ */

/*
 * Fixed-window exponentiation with the building blocks above. The base is public: its row of
 * powers base^1 .. base^(2^w - 1) is made with the ordinary multiplication. The exponent is read
 * as exp_len bytes, i.e. ne = ceil(exp_len / 8) words of enb = 64 ne bits, whatever its value
 * (the caller pads it to the width of the group order), and then, for every window from the
 * top: w squarings, a full masked scan of the row (1 for digit 0), one multiplication. The window
 * and so the whole sequence of operations and addresses depends on exp_len only; exponent 0 is
 * allowed and takes the same path. The conversion out of Montgomery form and the final
 * reduction are masked (store_secret).
 */

/* The window that minimises the multiplications: 2^w - 2 for the row, enb / w for the windows. */
static unsigned ct_pow_window(size_t enb) {
    unsigned w, best = 1;
    size_t best_cost = (size_t)-1;
    for (w = 1; w <= 6; w++) {
        size_t cost = ((size_t)1 << w) - 2 + (enb + w - 1) / w;
        if (cost < best_cost) {
            best_cost = cost;
            best = w;
        }
    }
    return best;
}

static int powmod_sec_run(const bc_mod *M, const uint8_t *base, size_t base_len,
                          const uint8_t *exp, size_t exp_len, uint8_t *out, size_t out_len,
                          ct_trace *tr) {
    size_t ne = exp_limbs_for(exp_len), enb = ne * LIMB_BITS, w = M->w, per, nwin, d, i;
    unsigned win = ct_pow_window(enb), k;
    mp_limb_t *row = NULL, *scr = NULL;
    ct_space s;
    int ok = 1, status = ct_space_init(&s, M, ne);
    per = ((size_t)1 << win) - 1;
    nwin = (enb + win - 1) / win;
    if (status == BC_OK) {
        row = alloc_limbs(mul_size(per, w, &ok));
        scr = alloc_limbs(scratch_limbs(M));
        if (!ok || row == NULL || scr == NULL) status = BC_ENOMEM;
    }
    if (status == BC_OK) {
        load_plain(M, row, base, base_len, scr);
        to_repr(M, row, scr);
        for (d = 1; d < per; d++) mulmod(M, row + d * w, row + (d - 1) * w, row, scr);
        be_to_limbs(s.e, ne, exp, exp_len); /* fits: ne words hold exp_len bytes */
        ct_select(M, s.acc, row, per, get_bits(s.e, ne, (nwin - 1) * win, win), tr);
        for (i = nwin - 1; i-- > 0;) {
            for (k = 0; k < win; k++) mulmod_ct(M, s.acc, s.acc, s.acc, &s, tr);
            ct_select(M, s.sel, row, per, get_bits(s.e, ne, i * win, win), tr);
            mulmod_ct(M, s.acc, s.acc, s.sel, &s, tr);
        }
        status = store_secret(M, &s, out, out_len, tr);
    }
    free(row);
    free(scr);
    ct_space_free(&s);
    return status;
}

int bc_powmod_sec_traced(const uint8_t *base, size_t base_len, const uint8_t *exp,
                         size_t exp_len, const uint8_t *mod, size_t mod_len, uint8_t *out,
                         size_t out_len, uint64_t *mulmods, uint64_t *words_read) {
    bc_mod M;
    ct_trace trace = {0, 0};
    int status;
    if (!packed_ok(base, base_len, 1) || !packed_ok(exp, exp_len, 1) ||
        !packed_ok(mod, mod_len, 1) || !packed_ok(out, out_len, 1) ||
        exp_len > BC_MAX_EXP_BITS / 8)
        return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK && (M.kind == BC_DIV || mpz_cmp_ui(M.mz, 1) <= 0)) status = BC_EINVAL;
    if (status == BC_OK) {
        status = powmod_sec_run(&M, base, base_len, exp, exp_len, out, out_len,
                                (mulmods != NULL || words_read != NULL) ? &trace : NULL);
    }
    mod_clear(&M);
    if (mulmods != NULL) *mulmods = trace.mulmods;
    if (words_read != NULL) *words_read = trace.words_read;
    return status;
}

int bc_powmod_sec(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                  const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    return bc_powmod_sec_traced(base, base_len, exp, exp_len, mod, mod_len, out, out_len, NULL,
                                NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Arithmetic mod q of the range proof, constant time in the vote and the values              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Spec 2.0.0 eq. 44-48. Every value is n = limbs(q) words; products go through mpn_sec_mul and
 * every reduction through mpn_sec_div_r (GMP's side-channel silent division); carries through
 * mpn_add_n / mpn_sub_n / mpn_sec_add_1. The vote l selects by masks only: (l - j) mod q is
 * |l - j| or q - |l - j| chosen with a mask, and c_l is picked by a full masked scan. So the
 * instructions and addresses depend on count, len and q only. Values not below q are refused
 * with BC_EINVAL after all the work, from a flag collected without branches.
 */

typedef struct {
    size_t n;           /* limbs of q */
    mp_limb_t *q;       /* n limbs */
    mp_limb_t *a, *b;   /* n limbs each */
    mp_limb_t *chk;     /* n limbs: value - q, for the range check */
    mp_limb_t *wide;    /* 2n + 1 limbs */
    mp_limb_t *acc;     /* n + 1 limbs */
    mp_limb_t *tp;      /* GMP's scratch */
    mp_limb_t *block;
    size_t limbs;
    mp_limb_t bad;      /* non-zero once a value was not below q */
} q_space;

static int q_space_init(q_space *s, const uint8_t *q, size_t q_len, size_t len, size_t count) {
    mpz_t qz;
    size_t n, itch;
    mp_size_t i1, i2, i3;
    memset(s, 0, sizeof(*s));
    if (q_len > 0 && q == NULL) return BC_EINVAL;
    mpz_init(qz);
    be_to_mpz(qz, q, q_len);
    n = mpz_size(qz);
    /* q > count, so that |l - j| < q; values of len bytes must fit n limbs */
    if (n == 0 || mpz_cmp_ui(qz, (unsigned long)count) <= 0 || len > n * LIMB_BYTES ||
        n > ((size_t)-1) / 16) {
        mpz_clear(qz);
        return BC_EINVAL;
    }
    i1 = mpn_sec_mul_itch((mp_size_t)n, (mp_size_t)n);
    i2 = mpn_sec_div_r_itch((mp_size_t)(2 * n + 1), (mp_size_t)n);
    i3 = mpn_sec_add_1_itch((mp_size_t)(n + 1));
    itch = (size_t)(i1 > i2 ? (i1 > i3 ? i1 : i3) : (i2 > i3 ? i2 : i3)) + 1;
    s->n = n;
    s->limbs = n + 3 * n + (2 * n + 1) + (n + 1) + itch;
    s->block = alloc_limbs(s->limbs);
    if (s->block == NULL) {
        mpz_clear(qz);
        return BC_ENOMEM;
    }
    s->q = s->block;
    s->a = s->q + n;
    s->b = s->a + n;
    s->chk = s->b + n;
    s->wide = s->chk + n;
    s->acc = s->wide + 2 * n + 1;
    s->tp = s->acc + n + 1;
    memcpy(s->q, mpz_limbs_read(qz), n * LIMB_BYTES);
    mpz_clear(qz);
    return BC_OK;
}

static void q_space_free(q_space *s) {
    if (s->block != NULL) wipe(s->block, s->limbs * LIMB_BYTES);
    free(s->block);
    s->block = NULL;
}

/* dst (n limbs) = a value of len bytes; notes in s->bad, without a branch, when it is not < q. */
static void q_load(q_space *s, mp_limb_t *dst, const uint8_t *src, size_t len) {
    be_to_limbs(dst, s->n, src, len); /* fits: len <= n words */
    s->bad |= mpn_sub_n(s->chk, dst, s->q, (mp_size_t)s->n) ^ 1; /* no borrow: dst >= q */
}

/* r (n limbs) = x mod q for x of xn limbs (destroyed); r may be x. */
static void q_reduce(q_space *s, mp_limb_t *r, mp_limb_t *x, size_t xn) {
    mpn_sec_div_r(x, (mp_size_t)xn, s->q, (mp_size_t)s->n, s->tp);
    if (r != x) memcpy(r, x, s->n * LIMB_BYTES);
}

/* r = a * b mod q (a, b < q); r may alias either. */
static void q_mul(q_space *s, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b) {
    size_t n = s->n;
    mpn_sec_mul(s->wide, a, (mp_size_t)n, b, (mp_size_t)n, s->tp);
    q_reduce(s, r, s->wide, 2 * n);
}

/* dst = (keep ? x : y) limb by limb, keep an all-ones or all-zeros mask. */
static void ct_choose(mp_limb_t *dst, const mp_limb_t *x, const mp_limb_t *y, size_t n,
                      mp_limb_t keep) {
    size_t k;
    for (k = 0; k < n; k++) dst[k] = (x[k] & keep) | (y[k] & ~keep);
}

static int q_store(q_space *s, uint8_t *out, size_t out_len, const mp_limb_t *x) {
    return limbs_to_be(out, out_len, x, s->n);
}

int bc_range_exponents(const uint8_t *us, const uint8_t *cs, size_t len, size_t count,
                       unsigned vote, const uint8_t *q, size_t q_len, uint8_t *out,
                       size_t out_len) {
    q_space s;
    size_t j, n;
    int status = BC_OK, st;
    if (!packed_ok(us, len, count) || !packed_ok(cs, len, count) ||
        !packed_ok(out, out_len, count) || count == 0 || count > 65536 || vote >= count)
        return BC_EINVAL;
    status = q_space_init(&s, q, q_len, len, count);
    if (status != BC_OK) return status;
    n = s.n;
    for (j = 0; j < count; j++) {
        /* f = (l - j) mod q: |l - j| or q - |l - j|, by the sign's mask (l, j < 2^16) */
        mp_limb_t diff = (mp_limb_t)vote - (mp_limb_t)j;
        mp_limb_t neg = ct_opaque((mp_limb_t)0 - (diff >> (LIMB_BITS - 1)));
        mp_limb_t mag = (diff ^ neg) - neg, carry;
        memset(s.a, 0, n * LIMB_BYTES);
        s.a[0] = mag;
        mpn_sub_n(s.b, s.q, s.a, (mp_size_t)n);
        ct_choose(s.a, s.b, s.a, n, neg);
        q_load(&s, s.b, cs + j * len, len);
        mpn_sec_mul(s.wide, s.b, (mp_size_t)n, s.a, (mp_size_t)n, s.tp); /* c_j f < q^2 */
        q_load(&s, s.b, us + j * len, len);
        carry = mpn_add_n(s.wide, s.wide, s.b, (mp_size_t)n);
        mpn_sec_add_1(s.wide + n, s.wide + n, (mp_size_t)n, carry, s.tp); /* < q^2 + q: no carry out */
        q_reduce(&s, s.wide, s.wide, 2 * n);
        st = q_store(&s, out + j * out_len, out_len, s.wide);
        if (st != BC_OK) status = st;
    }
    if (s.bad) status = BC_EINVAL;
    q_space_free(&s);
    return status;
}

int bc_range_responses(const uint8_t *us, const uint8_t *cs, size_t len, size_t count,
                       unsigned vote, const uint8_t *challenge, const uint8_t *nonce,
                       const uint8_t *q, size_t q_len, uint8_t *out_c, uint8_t *out_v,
                       size_t out_len) {
    q_space s;
    size_t j, n;
    mp_limb_t *c_vote = NULL, *xi = NULL, *c_new = NULL;
    int status = BC_OK, st;
    if (!packed_ok(us, len, count) || !packed_ok(cs, len, count) ||
        !packed_ok(challenge, len, 1) || !packed_ok(nonce, len, 1) ||
        !packed_ok(out_c, out_len, count) || !packed_ok(out_v, out_len, count) || count == 0 ||
        count > 65536 || vote >= count)
        return BC_EINVAL;
    status = q_space_init(&s, q, q_len, len, count);
    if (status != BC_OK) return status;
    n = s.n;
    c_vote = alloc_limbs(n);
    xi = alloc_limbs(n);
    c_new = alloc_limbs(n + 1);
    if (c_vote == NULL || xi == NULL || c_new == NULL) {
        status = BC_ENOMEM;
        goto done;
    }
    /* acc = sum of every c_j (n + 1 limbs), c_vote = c_l by a masked scan */
    memset(s.acc, 0, (n + 1) * LIMB_BYTES);
    memset(c_vote, 0, n * LIMB_BYTES);
    for (j = 0; j < count; j++) {
        mp_limb_t keep = ct_eq_mask((mp_limb_t)j, (mp_limb_t)vote);
        size_t k;
        q_load(&s, s.a, cs + j * len, len);
        s.acc[n] += mpn_add_n(s.acc, s.acc, s.a, (mp_size_t)n);
        for (k = 0; k < n; k++) c_vote[k] |= s.a[k] & keep;
    }
    q_reduce(&s, s.acc, s.acc, n + 1);
    /* c_l = c - (sum - c_l) = c + c_l + q - sum mod q, eq. 47: below 3q, in n + 1 limbs */
    q_load(&s, s.a, challenge, len);
    c_new[n] = mpn_add_n(c_new, s.a, c_vote, (mp_size_t)n);
    c_new[n] += mpn_add_n(c_new, c_new, s.q, (mp_size_t)n);
    {
        mp_limb_t borrow = mpn_sub_n(c_new, c_new, s.acc, (mp_size_t)n);
        c_new[n] -= borrow;
    }
    q_reduce(&s, c_new, c_new, n + 1);
    q_load(&s, xi, nonce, len);
    for (j = 0; j < count; j++) {
        mp_limb_t keep = ct_eq_mask((mp_limb_t)j, (mp_limb_t)vote);
        q_load(&s, s.a, cs + j * len, len);
        ct_choose(s.a, c_new, s.a, n, keep);
        st = q_store(&s, out_c + j * out_len, out_len, s.a);
        if (st != BC_OK) status = st;
        /* v_j = u_j - c_j xi = u_j + q - (c_j xi mod q) mod q, eq. 48 */
        q_mul(&s, s.b, s.a, xi);
        q_load(&s, s.a, us + j * len, len);
        s.acc[n] = mpn_add_n(s.acc, s.a, s.q, (mp_size_t)n);
        s.acc[n] -= mpn_sub_n(s.acc, s.acc, s.b, (mp_size_t)n);
        q_reduce(&s, s.acc, s.acc, n + 1);
        st = q_store(&s, out_v + j * out_len, out_len, s.acc);
        if (st != BC_OK) status = st;
    }
    if (s.bad) status = BC_EINVAL;
done:
    if (c_vote != NULL) wipe(c_vote, n * LIMB_BYTES);
    if (xi != NULL) wipe(xi, n * LIMB_BYTES);
    if (c_new != NULL) wipe(c_new, (n + 1) * LIMB_BYTES);
    free(c_vote);
    free(xi);
    free(c_new);
    q_space_free(&s);
    return status;
}
