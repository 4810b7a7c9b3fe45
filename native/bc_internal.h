/*
 * Ballotchain native backend: what its C files share, and nothing the Python side sees (the public
 * interface is ballotchain_native.h). Every function declared here is hidden in the built module.
 *
 * The files, one concern each:
 *   limbs.c     big-endian bytes <-> little-endian limbs, allocation and size checks;
 *   ifma.c      AVX-512 IFMA Montgomery multiplication in radix 2^52 (CPU detection, bc_ifma_available);
 *   modulus.c   the modulus context (bc_mod) and its multiplication: IFMA, word-by-word Montgomery
 *               reduction on GMP's mpn functions, or division for even moduli;
 *   threads.c   the thread runner of the *_many functions;
 *   multiexp.c  Straus and Pippenger multi-exponentiation, one base to several exponents (Yao),
 *               fixed-base tables (variable time);
 *   api.c       the exported variable-time functions: powmod, powmod_many, powmod_same_base,
 *               multi_powmod, prod_mod, batch_in_subgroup;
 *   ct_secret.c everything that takes a secret: bc_table_pow_secret*, bc_powmod_sec*, bc_range_*;
 *   ct_karatsuba.c the products of secret numbers on the mpn path (constant-time Karatsuba);
 *   ct_rows.c   the rows of such products, rp += up * v (mulx and adcx/adox where the CPU has them).
 *
 * Thread safety: no global mutable state (the CPU feature flag is written once, when the library
 * is loaded). Tables are written only while they are built and are read-only afterwards; every
 * call allocates its own scratch space.
 */
#ifndef BC_INTERNAL_H
#define BC_INTERNAL_H

#include "ballotchain_native.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#define BC_HAVE_PTHREADS 1
#endif

#if GMP_NAIL_BITS != 0
#error "ballotchain_native needs a GMP built without nail bits"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BC_HIDDEN __attribute__((visibility("hidden")))
#else
#define BC_HIDDEN
#endif

#define LIMB_BYTES ((size_t)sizeof(mp_limb_t))
#define LIMB_BITS ((size_t)GMP_NUMB_BITS)

/* ---- limbs.c ------------------------------------------------------------------------------ */

/* a * b without overflow, or 0 with *ok cleared. */
static inline size_t mul_size(size_t a, size_t b, int *ok) {
    if (a != 0 && b > (size_t)-1 / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

static inline void *alloc_limbs(size_t count) {
    int ok = 1;
    size_t bytes = mul_size(count == 0 ? 1 : count, LIMB_BYTES, &ok);
    if (!ok) return NULL;
    return malloc(bytes);
}

/* A packed array of `count` items of `len` bytes must not be NULL when it holds any byte. */
static inline int packed_ok(const void *ptr, size_t len, size_t count) {
    int ok = 1;
    size_t total = mul_size(len, count, &ok);
    if (!ok) return 0;
    return total == 0 || ptr != NULL;
}

/* Limbs for an exponent of len bytes (at least one). */
static inline size_t exp_limbs_for(size_t len) {
    size_t nl = (len + LIMB_BYTES - 1) / LIMB_BYTES;
    return nl == 0 ? 1 : nl;
}
/* Big-endian bytes -> n little-endian limbs (zero-padded); -1 when the value does not fit. */
BC_HIDDEN int be_to_limbs(mp_limb_t *dst, size_t n, const uint8_t *src, size_t len);
/* n limbs -> exactly len big-endian bytes; BC_ERANGE when it does not fit. */
BC_HIDDEN int limbs_to_be(uint8_t *dst, size_t len, const mp_limb_t *src, size_t n);
BC_HIDDEN int mpz_to_be(uint8_t *dst, size_t len, const mpz_t z);
BC_HIDDEN void be_to_mpz(mpz_t z, const uint8_t *src, size_t len);

/* Number of significant bits of an n-limb number. */
static inline size_t limbs_bitlen(const mp_limb_t *x, size_t n) {
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

static inline unsigned get_bit(const mp_limb_t *x, size_t nx, size_t pos) {
    size_t li = pos / LIMB_BITS;
    if (li >= nx) return 0;
    return (unsigned)((x[li] >> (pos % LIMB_BITS)) & 1u);
}

/* Bits pos .. pos+w-1 of x (w <= 16). */
static inline unsigned get_bits(const mp_limb_t *x, size_t nx, size_t pos, unsigned w) {
    size_t li = pos / LIMB_BITS;
    size_t off = pos % LIMB_BITS;
    mp_limb_t v;
    if (li >= nx) return 0;
    v = x[li] >> off;
    if (off + w > LIMB_BITS && li + 1 < nx) v |= x[li + 1] << (LIMB_BITS - off);
    return (unsigned)(v & (((mp_limb_t)1 << w) - 1));
}

/* Opaque to the optimiser: keeps a mask from being turned back into a branch. */
static inline mp_limb_t ct_opaque(mp_limb_t x) {
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

/* ---- ct_rows.c ---------------------------------------------------------------------------- */

/* 1 when rows of n limbs run the mulx/adcx/adox loop. */
BC_HIDDEN int ct_rows_fast(size_t n);
/* r (2n limbs) = a * b, schoolbook, row by row. */
BC_HIDDEN void ct_mul_rows(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, size_t n);
/* Cache lines of the bytes prefetched by ct_redc_rows. */
#define CT_LINE 64
/* The n rows of a word-by-word Montgomery reduction of T (2n limbs): row i adds u mrow (len
 * limbs) at word i + off, u = T[i] minv, and parks its carry in T[i]. Meanwhile the cache lines
 * of next (next_bytes bytes, or NULL) are prefetched, a few per row. */
BC_HIDDEN void ct_redc_rows(mp_limb_t *T, size_t n, const mp_limb_t *mrow, size_t len, size_t off,
                            mp_limb_t minv, const void *next, size_t next_bytes);

/* ---- ct_karatsuba.c ----------------------------------------------------------------------- */

/* Limbs of scratch for ct_mul and ct_sqr of n limbs. */
BC_HIDDEN size_t ct_mul_itch(size_t n);
/* r (2n limbs) = a * b, or a^2, of n-limb numbers, with no value-dependent branch or address. */
BC_HIDDEN void ct_mul(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, size_t n,
                      mp_limb_t *tp);
BC_HIDDEN void ct_sqr(mp_limb_t *r, const mp_limb_t *a, size_t n, mp_limb_t *tp);

/* ---- ifma.c ------------------------------------------------------------------------------- */

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#define BC_HAVE_IFMA 1
#include <immintrin.h>
#define BC_IFMA_TARGET __attribute__((target("avx512f,avx512ifma")))
#define BC_AVX2_TARGET __attribute__((target("avx2")))
#if defined(__clang__)
#define BC_UNROLL _Pragma("unroll")
#else
#define BC_UNROLL _Pragma("GCC unroll 16")
#endif
#endif

#define BC_MAX_VECS 10
#define MASK52 ((((uint64_t)1) << 52) - 1)

#ifdef BC_HAVE_IFMA
/* r = a*b / 2^(52L) mod m for L = 8 * vecs digits of 52 bits, inputs and output below 2m. */
typedef void (*bc_amm_fn)(uint64_t *, const uint64_t *, const uint64_t *, const uint64_t *,
                          uint64_t);
/* The multiplication specialised for `vecs` vectors (1..BC_MAX_VECS), else NULL. */
BC_HIDDEN bc_amm_fn amm_for(unsigned vecs);
/* 1 when the CPU and OS support AVX2; 1 when the CPU has BMI2 and ADX (mulx, adcx, adox). Set
 * when the library is loaded. */
BC_HIDDEN extern int bc_cpu_avx2;
BC_HIDDEN extern int bc_cpu_mulx_adx;
#endif

/* ---- modulus.c ---------------------------------------------------------------------------- */

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
    size_t skip;       /* BC_MONT: k words of m are all ones at the bottom (0 if none) ... */
    mp_limb_t *mtail;  /* ... and then (m + 1) / 2^(64k), n - k limbs: see ct_secret.c's REDC */
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
static inline size_t scratch_limbs(const bc_mod *M) { return 4 * M->n + 4 + M->w; }
#define SCR_LIMBS(M, scr) ((scr) + 3 * (M)->n + 2)
#define SCR_ELEM(M, scr) ((scr) + 4 * (M)->n + 4)

/* Set up a modulus from big-endian bytes. BC_EINVAL when it is zero. mod_clear in every case. */
BC_HIDDEN int mod_init(bc_mod *M, const uint8_t *mod, size_t mod_len);
BC_HIDDEN void mod_clear(bc_mod *M);
/* r = a * b (times R^-1 for the Montgomery kinds); r may alias a or b. */
BC_HIDDEN void mulmod(const bc_mod *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                      mp_limb_t *scr);
/* 64-bit limbs (n) -> L digits of 52 bits, and back (nl limbs; the value must fit). */
BC_HIDDEN void limbs_to_digits(uint64_t *d, size_t L, const mp_limb_t *x, size_t n);
BC_HIDDEN void digits_to_limbs(mp_limb_t *x, size_t nl, const uint64_t *d, size_t L);
/* A reduced n-limb value, or an mpz below m, -> plain element. */
BC_HIDDEN void elem_from_limbs(const bc_mod *M, mp_limb_t *dst, const mp_limb_t *x);
BC_HIDDEN void elem_from_mpz(const bc_mod *M, mp_limb_t *dst, const mpz_t z, mp_limb_t *limbs);
/* dst (n limbs) = value of big-endian bytes mod m. */
BC_HIDDEN void load_reduced(const bc_mod *M, mp_limb_t *dst, const uint8_t *src, size_t len);
/* dst (plain element) = big-endian bytes mod m. */
BC_HIDDEN void load_plain(const bc_mod *M, mp_limb_t *dst, const uint8_t *src, size_t len,
                          mp_limb_t *scr);
/* Fully reduced n limbs of a plain element, in the scratch space. */
BC_HIDDEN mp_limb_t *plain_limbs(const bc_mod *M, const mp_limb_t *x, mp_limb_t *scr);
BC_HIDDEN int store_plain(const bc_mod *M, uint8_t *out, size_t out_len, const mp_limb_t *x,
                          mp_limb_t *scr);
BC_HIDDEN int store_repr(const bc_mod *M, uint8_t *out, size_t out_len, const mp_limb_t *x,
                         mp_limb_t *scr);

/* plain -> representation, in place. */
static inline void to_repr(const bc_mod *M, mp_limb_t *x, mp_limb_t *scr) {
    if (M->kind != BC_DIV) mulmod(M, x, x, M->r2, scr);
}

/* representation -> plain, in place. */
static inline void from_repr(const bc_mod *M, mp_limb_t *x, mp_limb_t *scr) {
    if (M->kind != BC_DIV) mulmod(M, x, x, M->unit, scr);
}

/* ---- threads.c ---------------------------------------------------------------------------- */

typedef int (*bc_job_fn)(void *ctx, size_t start, size_t end);
/* Run fn over [0, count) split into up to nthreads contiguous chunks; the first failing status. */
BC_HIDDEN int run_jobs(bc_job_fn fn, void *ctx, size_t count, int nthreads);

/* ---- multiexp.c --------------------------------------------------------------------------- */

struct bc_table {
    bc_mod M;
    size_t exp_bits;    /* exponents below 2^exp_bits */
    unsigned window;    /* bits per window */
    size_t nwin;        /* ceil(exp_bits / window) */
    size_t per;         /* entries per window: 2^window - 1 */
    size_t nbytes;      /* bytes held by the entries */
    mp_limb_t *entries; /* entries[(i*per + d-1)*w ..] = base^(d * 2^(window*i)), representation */
};

/* Limbs of an exponent below 2^exp_bits of a table. */
static inline size_t table_exp_limbs(const bc_table *t) {
    return (t->exp_bits + LIMB_BITS - 1) / LIMB_BITS;
}

/* acc (representation) *= prod bases[i]^exps[i] (bases: representation elements at stride w;
 * exponents: ne limbs each), k <= STRAUS_CHUNK for straus_chunk, any k for straus. */
#define STRAUS_CHUNK 128
BC_HIDDEN int straus_chunk(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps,
                           size_t ne, size_t k, mp_limb_t *acc, mp_limb_t *scr);
BC_HIDDEN int straus(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
                     size_t k, mp_limb_t *acc, mp_limb_t *scr);
/*
 * straus that also sets *qr (when qr is not NULL) to 1 iff every base has Jacobi symbol 1 mod m
 * (m odd). With many bases it does not compute the symbol of each: the Pippenger buckets give,
 * for each bit position t of the exponents, the product of the bases whose exponent has bit t
 * set, and the symbol of each such product is tested. When the exponents' low PARITY_BITS bits
 * are independent and uniform, bases that are not all residues pass every test with probability
 * at most 2^-PARITY_BITS; shorter exponents, or few bases, get the symbol of every base.
 */
#define PARITY_BITS 64
BC_HIDDEN int straus_qr(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps,
                        size_t ne, size_t k, mp_limb_t *acc, mp_limb_t *scr, int *qr);
/* outs (k representation elements at stride w) = x^exps[i] for one representation element x:
 * the squarings shared by all k exponents (Yao's method). */
BC_HIDDEN int same_base_pow(const bc_mod *M, const mp_limb_t *x, const mp_limb_t *exps, size_t ne,
                            size_t k, mp_limb_t *outs, mp_limb_t *scr);
/* count packed byte values -> representation elements; count exponents -> limbs (*ne each). */
BC_HIDDEN mp_limb_t *load_bases(const bc_mod *M, const uint8_t *src, size_t len, size_t count,
                                mp_limb_t *scr);
BC_HIDDEN mp_limb_t *load_exps(const uint8_t *src, size_t len, size_t count, size_t *ne);
/* out = base^e mod m through the context's own multiplication (one-base Straus). */
BC_HIDDEN int ctx_powmod(const bc_mod *M, const uint8_t *base, size_t base_len,
                         const mp_limb_t *e, size_t ne, uint8_t *out, size_t out_len,
                         mp_limb_t *b, mp_limb_t *acc, mp_limb_t *scr);

#endif /* BC_INTERNAL_H */
