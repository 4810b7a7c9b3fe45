/*
 * Ballotchain native backend: modular arithmetic on GMP for the ElectionGuard group.
 *
 * Every integer crosses this interface as an unsigned big-endian byte string of a stated
 * length. Every function returns an int status (BC_OK on success, a negative BC_E* code on
 * bad input) and never aborts on bad input. No function keeps global mutable state, so all
 * of them may run concurrently from several threads (the Python binding releases the GIL).
 *
 * The declarations between the CDEF markers are parsed by cffi (native/build_native.py):
 * keep them free of preprocessor directives.
 */
#ifndef BALLOTCHAIN_NATIVE_H
#define BALLOTCHAIN_NATIVE_H

#include <stddef.h>
#include <stdint.h>

/* CDEF BEGIN */
#define BC_OK 0
#define BC_EINVAL -1
#define BC_ENOMEM -2
#define BC_ERANGE -3

#define BC_MAX_WINDOW 16
#define BC_MAX_EXP_BITS 65536
#define BC_MAX_THREADS 256

typedef struct bc_table bc_table;

/* 1 when odd moduli use the AVX-512 IFMA multiplication: the CPU and OS support it and the
 * environment variable BALLOTCHAIN_NATIVE_IFMA does not start with '0' (read when each call
 * or table sets up its modulus). Otherwise GMP's mpn functions do the work. */
int bc_ifma_available(void);

/* Which GMP the module was built against: "system" or "gmpy2" (the copy in the gmpy2 wheel), and
 * the version of the GMP library loaded at run time (GMP's gmp_version). */
const char *bc_gmp_source(void);
const char *bc_gmp_version(void);

/* out = base^exp mod mod (variable time). mod > 0. out_len >= bytes of mod. */
int bc_powmod(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
              const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len);

/* out = base^exp mod mod for a secret exp and a public base, mod odd and > 1. The exponent is
 * read as exp_len bytes (at most BC_MAX_EXP_BITS / 8), padded to 64-bit words, and the sequence
 * of instructions and memory accesses depends on exp_len, the modulus and the base, never on
 * exp's value: fixed windows over all 8 * exp_len bits rounded up to words, a full masked scan
 * of the row of powers per window, no shortcut for exp = 0 (allowed). IFMA or mpn_sec_* with
 * masked reductions, as bc_table_pow_secret. Callers pass every exponent of one kind (e.g. mod q)
 * at the same exp_len. */
int bc_powmod_sec(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                  const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len);

/* bc_powmod_sec that also counts its work, as bc_table_pow_secret_traced does: modular
 * multiplications after the row of powers (*mulmods) and words read by the selections. */
int bc_powmod_sec_traced(const uint8_t *base, size_t base_len, const uint8_t *exp,
                         size_t exp_len, const uint8_t *mod, size_t mod_len, uint8_t *out,
                         size_t out_len, uint64_t *mulmods, uint64_t *words_read);

/* out[i] = bases[i]^exps[i] mod mod for i < count; inputs and outputs packed at fixed
 * strides base_len, exp_len, out_len. nthreads >= 1 splits the work across threads. */
int bc_powmod_many(const uint8_t *bases, size_t base_len, const uint8_t *exps, size_t exp_len,
                   size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len,
                   int nthreads);

/* out[i] = base^exps[i] mod mod for i < count, exponents packed at stride exp_len, outputs at
 * out_len: the squarings shared by all the exponents (Yao's method) for an odd mod > 1, else one
 * GMP exponentiation each. */
int bc_powmod_same_base(const uint8_t *base, size_t base_len, const uint8_t *exps, size_t exp_len,
                        size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out,
                        size_t out_len);

/* out = prod bases[i]^exps[i] mod mod (simultaneous exponentiation, shared squarings). */
int bc_multi_powmod(const uint8_t *bases, size_t base_len, const uint8_t *exps, size_t exp_len,
                    size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len);

/* bc_multi_powmod for an odd mod > 1 that also sets *all_qr to 1 iff every base has Jacobi
 * symbol (x|mod) = 1. With many bases and exponents of 64 bits or more it does not compute each
 * base's symbol but one per bit position of the exponents (of the product of the bases whose
 * exponent has that bit set, from the multi-exponentiation's buckets): when the exponents' low
 * 64 bits are independent and uniformly random, bases that are not all residues pass with
 * probability at most 2^-64. Otherwise (few bases, shorter exponents) each base's symbol. */
int bc_multi_powmod_qr(const uint8_t *bases, size_t base_len, const uint8_t *exps,
                       size_t exp_len, size_t count, const uint8_t *mod, size_t mod_len,
                       uint8_t *out, size_t out_len, int *all_qr);

/* out = prod values[i] mod mod (1 mod mod for count == 0). */
int bc_prod_mod(const uint8_t *values, size_t value_len, size_t count, const uint8_t *mod,
                size_t mod_len, uint8_t *out, size_t out_len);

/* *result = 1 iff every value x has 0 < x < p, Jacobi (x|p) = 1 and
 * (prod x_i^r_i)^q == 1 mod p, where r_i are the caller's random exponents (packed at
 * stride rand_len bytes, rand_len <= 32). p must be odd and > 2. The Jacobi symbols are tested
 * as bc_multi_powmod_qr does: for many values, by parity tests over the bits of the r_i. */
int bc_batch_in_subgroup(const uint8_t *values, size_t value_len, size_t count, const uint8_t *p,
                         size_t p_len, const uint8_t *q, size_t q_len, const uint8_t *rand,
                         size_t rand_len, int *result);

/* Arithmetic mod q of the range proof (spec 2.0.0 eq. 44-48) with the same instructions and
 * memory accesses for every vote and value: us and cs hold count values u_j, c_j below q, packed
 * at len bytes (len <= bytes of q's words), vote < count <= 65536 < q; outputs at out_len bytes.
 * bc_range_exponents: out[j] = u_j + (vote - j) c_j mod q (eq. 44-45).
 * bc_range_responses: out_c[j] = c_j, except out_c[vote] = challenge - sum of the other c_j mod q
 * (eq. 47); out_v[j] = u_j - out_c[j] * nonce mod q (eq. 48). challenge and nonce at len bytes.
 * BC_EINVAL for bad lengths or counts, or (after the work) a value not below q. */
int bc_range_exponents(const uint8_t *us, const uint8_t *cs, size_t len, size_t count,
                       unsigned vote, const uint8_t *q, size_t q_len, uint8_t *out,
                       size_t out_len);
int bc_range_responses(const uint8_t *us, const uint8_t *cs, size_t len, size_t count,
                       unsigned vote, const uint8_t *challenge, const uint8_t *nonce,
                       const uint8_t *q, size_t q_len, uint8_t *out_c, uint8_t *out_v,
                       size_t out_len);

/* A fixed-base table for base mod mod, exponents below 2^exp_bits, windows of `window` bits
 * (1..BC_MAX_WINDOW). *out receives an opaque handle to release with bc_table_free. */
int bc_table_new(const uint8_t *base, size_t base_len, const uint8_t *mod, size_t mod_len,
                 size_t exp_bits, int window, bc_table **out);
void bc_table_free(bc_table *table);
size_t bc_table_nbytes(const bc_table *table);

/* out = base^exp mod mod from the table; exp < 2^exp_bits. Read-only on the table. */
int bc_table_pow(const bc_table *table, const uint8_t *exp, size_t exp_len, uint8_t *out,
                 size_t out_len);

/* out[i] = base^exps[i] mod mod, packed; nthreads >= 1 splits the work across threads. */
int bc_table_pow_many(const bc_table *table, const uint8_t *exps, size_t exp_len, size_t count,
                      uint8_t *out, size_t out_len, int nthreads);

/* out = base^exp mod mod from the table of an odd modulus, for a secret exp < 2^exp_bits, with
 * the same sequence of instructions and memory accesses for every exp of exp_len bytes: every
 * entry of every row is read (digit 0 selects 1) and the wanted one kept with masks, there is
 * one modular multiplication per window whatever the digits, the multiplication has no
 * value-dependent branch or address (IFMA, or mpn_sec_mul + REDC with a masked final
 * subtraction), and neither has the final reduction. Only the error status (exp out of range)
 * depends on exp. BC_EINVAL for a table of an even modulus. */
int bc_table_pow_secret(const bc_table *table, const uint8_t *exp, size_t exp_len, uint8_t *out,
                        size_t out_len);

/* bc_table_pow_secret for count packed exponents; nthreads >= 1 splits the work. */
int bc_table_pow_secret_many(const bc_table *table, const uint8_t *exps, size_t exp_len,
                             size_t count, uint8_t *out, size_t out_len, int nthreads);

/* bc_table_pow_secret that also counts its work: modular multiplications (*mulmods) and words
 * of table entries and of the element 1 read by the selections (*words_read). Both are the same
 * for every exponent of a table; the tests check it. */
int bc_table_pow_secret_traced(const bc_table *table, const uint8_t *exp, size_t exp_len,
                               uint8_t *out, size_t out_len, uint64_t *mulmods,
                               uint64_t *words_read);
/* CDEF END */

#endif /* BALLOTCHAIN_NATIVE_H */
