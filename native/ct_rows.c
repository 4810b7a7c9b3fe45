/*
 * Ballotchain native backend: one row of a product of secret numbers, rp += up * v, for the mpn
 * path of ct_secret.c (its Montgomery reduction) and ct_karatsuba.c (its schoolbook products).
 *
 * On x86-64 CPUs with BMI2 and ADX (detected when the library is loaded, ifma.c) and n a
 * multiple of 4: mulx with two carry chains (adcx, adox), four words per turn of a loop counted
 * by jrcxz, which reads no flag. Elsewhere GMP's mpn_addmul_1. Both run the same instructions
 * and touch the same addresses for every value: the loops run over n, and mulx, adcx and adox
 * take the same time whatever their operands (the same assumption as for the integer multiply).
 */
#include "bc_internal.h"

#ifdef BC_HAVE_IFMA
static mp_limb_t addmul_1_mulx(mp_limb_t *rp, const mp_limb_t *up, size_t n, mp_limb_t v) {
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

mp_limb_t ct_addmul_1(mp_limb_t *rp, const mp_limb_t *up, size_t n, mp_limb_t v) {
#ifdef BC_HAVE_IFMA
    if (ct_rows_fast(n)) return addmul_1_mulx(rp, up, n, v);
#endif
    return mpn_addmul_1(rp, up, (mp_size_t)n, v);
}
