/*
 * Ballotchain native backend: products of secret numbers for the mpn path of ct_secret.c, by
 * Karatsuba's method over schoolbook products: ct_mul_rows (ct_rows.c) where the CPU has
 * mulx and adcx/adox, else GMP's side-channel silent mpn_sec_mul; squares by mpn_sec_sqr.
 *
 * n limbs, n even and at least 2 * CT_KARATSUBA_MIN, are cut in halves a = a0 + B^h a1; then
 *   a b = a0 b0 + B^h (a0 b0 + a1 b1 - (a0 - a1)(b0 - b1)) + B^2h a1 b1
 * with the three half products computed the same way. |a0 - a1| is both differences computed,
 * one kept by a mask made from the borrow; the sign of (a0 - a1)(b0 - b1) chooses, again by a
 * mask, between the sum and the difference that are both computed. GMP's own Karatsuba and
 * Toom-Cook (mpn_mul_n) branch on these signs, which is why they are not used. So the sequence
 * of instructions and addresses depends on n only: every loop runs over lengths, carries go
 * through mpn_add_n / mpn_sub_n (fixed-length loops) and a carry loop of fixed length.
 *
 * For the 64-limb production modulus: two levels, nine 16-limb schoolbook products.
 */
#include "bc_internal.h"

/* Below 2 * CT_KARATSUBA_MIN limbs (or an odd count) the schoolbook product is used. */
#define CT_KARATSUBA_MIN 16

static int ct_karatsuba_splits(size_t n) { return n >= 2 * CT_KARATSUBA_MIN && n % 2 == 0; }

size_t ct_mul_itch(size_t n) {
    size_t base, mul_itch, sqr_itch;
    if (ct_karatsuba_splits(n)) return 4 * n + ct_mul_itch(n / 2);
    mul_itch = (size_t)mpn_sec_mul_itch((mp_size_t)n, (mp_size_t)n);
    sqr_itch = (size_t)mpn_sec_sqr_itch((mp_size_t)n);
    base = mul_itch > sqr_itch ? mul_itch : sqr_itch;
    return base + 1;
}

/* dst = take ? x : y, limb by limb; take is all ones or all zeros. */
static void ct_choose_limbs(mp_limb_t *dst, const mp_limb_t *x, const mp_limb_t *y, size_t n,
                            mp_limb_t take) {
    size_t k;
    for (k = 0; k < n; k++) dst[k] = (x[k] & take) | (y[k] & ~take);
}

/* x (n limbs) += c over all n limbs, whatever the carries. */
static void ct_add_carry(mp_limb_t *x, size_t n, mp_limb_t c) {
    size_t k;
    for (k = 0; k < n; k++) {
        mp_limb_t s = x[k] + c;
        c = s < c;
        x[k] = s;
    }
}

/* d (h limbs) = |x0 - x1| for the halves x0 = x[0..h), x1 = x[h..2h); returns all ones when
 * x0 < x1, else 0. t holds 2h limbs of scratch. */
static mp_limb_t ct_abs_diff(mp_limb_t *d, const mp_limb_t *x, size_t h, mp_limb_t *t) {
    mp_limb_t borrow = mpn_sub_n(t, x, x + h, (mp_size_t)h);
    mp_limb_t neg = ct_opaque((mp_limb_t)0 - borrow);
    mpn_sub_n(t + h, x + h, x, (mp_size_t)h);
    ct_choose_limbs(d, t + h, t, h, neg);
    return neg;
}

/*
 * r (2n limbs) = a * b, or a^2 when b is NULL. tp: ct_mul_itch(n) limbs, laid out as
 * [0, h) |a0 - a1|, [h, 2h) |b0 - b1|, [2h, 2h + n) their product, then n limbs for z0 + z2, n
 * for the other candidate, and the halves' own scratch from 4n on.
 */
static void ct_product(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, size_t n,
                       mp_limb_t *tp) {
    size_t h = n / 2;
    mp_limb_t *da, *db, *mid, *sum, *alt, *rest, neg, c_sum, c_add, b_sub, top, c;
    if (!ct_karatsuba_splits(n)) {
        if (b == NULL) {
            mpn_sec_sqr(r, a, (mp_size_t)n, tp);
        } else if (ct_rows_fast(n)) {
            ct_mul_rows(r, a, b, n);
        } else {
            mpn_sec_mul(r, a, (mp_size_t)n, b, (mp_size_t)n, tp);
        }
        return;
    }
    da = tp;
    db = tp + h;
    mid = tp + 2 * h;
    sum = mid + n;
    alt = sum + n;
    rest = tp + 4 * n;
    neg = ct_abs_diff(da, a, h, mid); /* mid's space is free until the product below */
    if (b == NULL) {
        neg = 0; /* (a0 - a1)^2 >= 0 */
        ct_product(mid, da, NULL, h, rest);
        ct_product(r, a, NULL, h, rest);
        ct_product(r + n, a + h, NULL, h, rest);
    } else {
        neg ^= ct_abs_diff(db, b, h, mid);
        ct_product(mid, da, db, h, rest);
        ct_product(r, a, b, h, rest);
        ct_product(r + n, a + h, b + h, h, rest);
    }
    /* middle = z0 + z2 - (a0 - a1)(b0 - b1): z0 + z2 + mid when the product is negative, else
     * z0 + z2 - mid; both computed, one kept. The middle is below B^n * 2, so its top is 0 or 1. */
    c_sum = mpn_add_n(sum, r, r + n, (mp_size_t)n);
    c_add = mpn_add_n(alt, sum, mid, (mp_size_t)n);
    b_sub = mpn_sub_n(sum, sum, mid, (mp_size_t)n);
    ct_choose_limbs(sum, alt, sum, n, neg);
    top = (neg & (c_sum + c_add)) | (~neg & (c_sum - b_sub));
    c = mpn_add_n(r + h, r + h, sum, (mp_size_t)n);
    ct_add_carry(r + h + n, h, c + top);
}

void ct_mul(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, size_t n, mp_limb_t *tp) {
    ct_product(r, a, b, n, tp);
}

void ct_sqr(mp_limb_t *r, const mp_limb_t *a, size_t n, mp_limb_t *tp) {
    ct_product(r, a, NULL, n, tp);
}
