/*
 * Ballotchain native backend: the rows of products of secret numbers, rp += up * v, for the mpn
 * path: ct_secret.c's Montgomery reduction (ct_redc_rows) and ct_karatsuba.c's schoolbook
 * products (ct_mul_rows). The loops over the rows are here, so that the row inlines into them.
 *
 * On x86-64 CPUs with BMI2 and ADX (detected when the library is loaded, ifma.c) and n a
 * multiple of 4: mulx with two carry chains (adcx, adox), four words per turn of a loop counted
 * by jrcxz, which reads no flag. Elsewhere GMP's mpn_addmul_1. Both run the same instructions
 * and touch the same addresses for every value: the loops run over n, and mulx, adcx and adox
 * take the same time whatever their operands (the same assumption as for the integer multiply).
 */
#include "bc_internal.h"

#ifdef BC_HAVE_IFMA
static inline mp_limb_t addmul_1_mulx(mp_limb_t *rp, const mp_limb_t *up, size_t n, mp_limb_t v) {
    mp_limb_t carry, lo0, lo1, hi0, hi1, zero;
    size_t turns = n / 4;
    /* word j: rp[j] + lo(up[j] v) + hi(up[j-1] v) + the two chains' carries; CF carries the
     * sums of product halves, OF the sums with rp, both into word j + 1. */
    __asm__(
        "xor %k[carry], %k[carry]\n\t" /* carry = 0, CF = OF = 0 */
        "1:\n\t"
        "mulx (%[up]), %[lo0], %[hi0]\n\t"
        "adcx %[carry], %[lo0]\n\t"
        "adox (%[rp]), %[lo0]\n\t"
        "mov %[lo0], (%[rp])\n\t"
        "mulx 8(%[up]), %[lo1], %[hi1]\n\t"
        "adcx %[hi0], %[lo1]\n\t"
        "adox 8(%[rp]), %[lo1]\n\t"
        "mov %[lo1], 8(%[rp])\n\t"
        "mulx 16(%[up]), %[lo0], %[hi0]\n\t"
        "adcx %[hi1], %[lo0]\n\t"
        "adox 16(%[rp]), %[lo0]\n\t"
        "mov %[lo0], 16(%[rp])\n\t"
        "mulx 24(%[up]), %[lo1], %[carry]\n\t"
        "adcx %[hi0], %[lo1]\n\t"
        "adox 24(%[rp]), %[lo1]\n\t"
        "mov %[lo1], 24(%[rp])\n\t"
        "lea 32(%[up]), %[up]\n\t"
        "lea 32(%[rp]), %[rp]\n\t"
        "lea -1(%[turns]), %[turns]\n\t"
        "jrcxz 2f\n\t"
        "jmp 1b\n\t"
        "2:\n\t"
        "mov $0, %k[zero]\n\t" /* mov keeps the flags */
        "adcx %[zero], %[carry]\n\t"
        "adox %[zero], %[carry]\n\t" /* below 2^64: rp + up v < 2^(64 (n + 1)) */
        : [carry] "=&r"(carry), [lo0] "=&r"(lo0), [lo1] "=&r"(lo1), [hi0] "=&r"(hi0),
          [hi1] "=&r"(hi1), [zero] "=&r"(zero), [up] "+r"(up), [rp] "+r"(rp), [turns] "+c"(turns)
        : "d"(v)
        : "cc", "memory");
    return carry;
}
#endif

int ct_rows_fast(size_t n) {
#ifdef BC_HAVE_IFMA
    return bc_cpu_mulx_adx && n > 0 && n % 4 == 0;
#else
    (void)n;
    return 0;
#endif
}

void ct_mul_rows(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, size_t n) {
    size_t i;
    memset(r, 0, n * LIMB_BYTES);
#ifdef BC_HAVE_IFMA
    if (ct_rows_fast(n)) {
        for (i = 0; i < n; i++) r[n + i] = addmul_1_mulx(r + i, a, n, b[i]);
        return;
    }
#endif
    for (i = 0; i < n; i++) r[n + i] = mpn_addmul_1(r + i, a, (mp_size_t)n, b[i]);
}

void ct_redc_rows(mp_limb_t *T, size_t n, const mp_limb_t *mrow, size_t len, size_t off,
                  mp_limb_t minv, const void *next, size_t next_bytes) {
    const char *pf = (const char *)next;
    size_t lines = next == NULL ? 0 : (next_bytes + CT_LINE - 1) / CT_LINE;
    size_t per_row = (lines + n - 1) / n, line = 0, i, j;
#ifdef BC_HAVE_IFMA
    if (ct_rows_fast(len)) {
        for (i = 0; i < n; i++) {
            for (j = 0; j < per_row && line < lines; j++, line++) {
                __builtin_prefetch(pf + line * CT_LINE, 0, 2);
            }
            T[i] = addmul_1_mulx(T + i + off, mrow, len, T[i] * minv);
        }
        return;
    }
#endif
    for (i = 0; i < n; i++) {
        for (j = 0; j < per_row && line < lines; j++, line++) {
            __builtin_prefetch(pf + line * CT_LINE, 0, 2);
        }
        T[i] = mpn_addmul_1(T + i + off, mrow, (mp_size_t)len, T[i] * minv);
    }
}
