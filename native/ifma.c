/*
 * Ballotchain native backend: AVX-512 IFMA Montgomery multiplication (x86-64, chosen at run time;
 * BALLOTCHAIN_NATIVE_IFMA=0 turns it off), and the detection of the CPU features used (IFMA, and
 * AVX2 for ct_secret.c's row scans and BMI2 with ADX for ct_rows.c, on the mpn path).
 */
#include "bc_internal.h"

#ifdef BC_HAVE_IFMA
#include <cpuid.h>
#endif

/*
 * Numbers are held as L = 8*V digits of 52 bits, one per 64-bit word, and multiplied with
 * "almost Montgomery" multiplication in radix 2^52: r = a*b / 2^(52L) mod m, with inputs and
 * output below 2m (R' = 2^(52L) > 4m). Each of the L rounds adds the low and high 52-bit halves
 * of a*b_i and m*y into 64-bit lanes, which cannot overflow for L <= 80 (each round adds less
 * than 2^55 to a lane); carries are propagated once at the end. The accumulator, a and m stay
 * in 3V <= 30 vector registers, so V is a compile-time constant of each specialised function.
 */
#ifdef BC_HAVE_IFMA
/* Set once when the library is loaded, read-only afterwards. */
static int bc_cpu_ifma = 0;
int bc_cpu_avx2 = 0;
int bc_cpu_mulx_adx = 0;

__attribute__((constructor)) static void bc_detect_cpu(void) {
    unsigned a, b, c, d, b7, lo, hi;
    if (__get_cpuid_max(0, NULL) < 7) return;
    __cpuid_count(7, 0, a, b7, c, d);
    bc_cpu_mulx_adx = (b7 & (1u << 8)) != 0 && (b7 & (1u << 19)) != 0; /* BMI2, ADX */
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return; /* OSXSAVE */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0x6u) != 0x6u) return; /* the OS saves SSE and AVX state */
    bc_cpu_avx2 = (b7 & (1u << 5)) != 0;
    if (!(b7 & (1u << 16)) || !(b7 & (1u << 21))) return; /* AVX512F, AVX512IFMA */
    if ((lo & 0xE6u) != 0xE6u) return; /* the OS saves all AVX-512 state too */
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
bc_amm_fn amm_for(unsigned vecs) {
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
