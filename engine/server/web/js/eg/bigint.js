// Integers for ElectionGuard 2.0.0 (spec section 5.1): BigInt arithmetic mod p and q, the byte
// encodings b(x, l) and fixed-base exponentiation tables for g and K.
//
// JavaScript BigInt is not constant time: the time of a multiplication or a remainder depends on its
// operands' values, so the time of g^xi and K^(sigma + xi) leaks something of the nonce xi and the vote to
// whoever can time this worker on the voter's device (another tab, a process of the same machine). The
// engine's fixed-width C path (docs/PROTOCOL.md, "Constant time, measured") has no counterpart here; the
// tables below at least use one multiplication per non-zero digit with no secret-dependent squarings.

export function bitLength(x) {
  return x === 0n ? 0 : x.toString(2).length;
}

export function byteLength(x) {
  return Math.ceil(bitLength(x) / 8);
}

export function mod(a, m) {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function modPow(base, exponent, m) {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

export function hexToBigInt(hex) {
  if (typeof hex !== "string" || !/^[0-9A-Fa-f]+$/.test(hex)) {
    throw new Error(`not a hexadecimal number: ${String(hex).slice(0, 20)}`);
  }
  return BigInt("0x" + hex);
}

export function bytesToBigInt(bytes) {
  return bytes.length === 0 ? 0n : BigInt("0x" + bytesToHex(bytes));
}

// b(x, length): big-endian, exactly `length` bytes (spec 5.1.1-5.1.2).
export function bigIntToBytes(x, length) {
  return hexToBytes(bigIntToHex(x, length));
}

// b(x, length) as upper-case hex, 2 * length digits (the record's encoding of elements mod p and q).
export function bigIntToHex(x, length) {
  const hex = x.toString(16).toUpperCase();
  if (x < 0n || hex.length > 2 * length) throw new Error(`${length} bytes cannot hold this integer`);
  return hex.padStart(2 * length, "0");
}

export function bytesToHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out.toUpperCase();
}

export function hexToBytes(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) {
    throw new Error("not an even number of hexadecimal digits");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// base^e mod p for exponents below 2^(4 * digits), from rows of precomputed base^(d * 16^i):
// one multiplication per non-zero hexadecimal digit of e, no squarings.
export class FixedBaseTable {
  constructor(base, p, exponentBits) {
    this.p = p;
    this.digits = Math.ceil(exponentBits / 4);
    this.rows = [];
    let rowBase = mod(base, p);
    for (let i = 0; i < this.digits; i++) {
      const row = [1n, rowBase];
      for (let d = 2; d < 16; d++) row.push((row[d - 1] * rowBase) % p);
      this.rows.push(row);
      rowBase = (row[15] * rowBase) % p;
    }
  }

  pow(exponent) {
    const hex = exponent.toString(16);
    if (exponent < 0n || hex.length > this.digits) throw new Error("exponent out of the table's range");
    let acc = 1n;
    for (let i = 0; i < hex.length; i++) {
      const d = parseInt(hex[hex.length - 1 - i], 16);
      if (d !== 0) acc = (acc * this.rows[i][d]) % this.p;
    }
    return acc;
  }
}
