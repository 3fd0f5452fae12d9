//! Checks that an EC public key's point lies on its curve, when the key set is parsed.
//!
//! ring checks the point again on every verification; checking at parse time lets a bad key be
//! skipped with a reason instead of failing every token as "invalid signature". This runs once
//! per key load, so a simple bit-serial modular reduction is plenty fast.

/// A 384-bit unsigned integer, little-endian 64-bit limbs (P-256 values fit too).
type U384 = [u64; 6];

/// The short-Weierstrass curves with `a = -3` that JWS uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NistCurve {
    P256,
    P384,
}

impl NistCurve {
    /// The byte length of one coordinate.
    pub(crate) fn coordinate_len(self) -> usize {
        match self {
            NistCurve::P256 => 32,
            NistCurve::P384 => 48,
        }
    }

    fn prime(self) -> U384 {
        match self {
            NistCurve::P256 => from_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
            NistCurve::P384 => from_hex(
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
            ),
        }
    }

    fn b(self) -> U384 {
        match self {
            NistCurve::P256 => from_hex("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
            NistCurve::P384 => from_hex(
                "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
            ),
        }
    }

    /// Whether `(x, y)`, big-endian coordinates of the exact length, is a point of the curve.
    pub(crate) fn contains(self, x: &[u8], y: &[u8]) -> bool {
        let len = self.coordinate_len();
        if x.len() != len || y.len() != len {
            return false;
        }
        let p = self.prime();
        let (x, y) = (from_be_bytes(x), from_be_bytes(y));
        if !less_than(&x, &p) || !less_than(&y, &p) {
            return false;
        }
        // y^2 == x^3 - 3x + b (mod p)
        let lhs = mul_mod(&y, &y, &p);
        let x3 = mul_mod(&mul_mod(&x, &x, &p), &x, &p);
        let three_x = add_mod(&add_mod(&x, &x, &p), &x, &p);
        let rhs = add_mod(&sub_mod(&x3, &three_x, &p), &self.b(), &p);
        lhs == rhs
    }
}

fn from_hex(hex: &str) -> U384 {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
        .collect();
    from_be_bytes(&bytes)
}

fn from_be_bytes(bytes: &[u8]) -> U384 {
    let mut out = [0u64; 6];
    for (i, b) in bytes.iter().rev().enumerate().take(48) {
        out[i / 8] |= u64::from(*b) << ((i % 8) * 8);
    }
    out
}

fn less_than(a: &U384, b: &U384) -> bool {
    for i in (0..6).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `a - b` with wrap-around, and whether it borrowed.
fn sub(a: &U384, b: &U384) -> (U384, bool) {
    let mut out = [0u64; 6];
    let mut borrow = false;
    for i in 0..6 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        out[i] = d2;
        borrow = b1 || b2;
    }
    (out, borrow)
}

/// `a + b` with wrap-around, and whether it carried.
fn add(a: &U384, b: &U384) -> (U384, bool) {
    let mut out = [0u64; 6];
    let mut carry = false;
    for i in 0..6 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        out[i] = s2;
        carry = c1 || c2;
    }
    (out, carry)
}

fn add_mod(a: &U384, b: &U384, p: &U384) -> U384 {
    let (s, carry) = add(a, b);
    if carry || !less_than(&s, p) {
        sub(&s, p).0
    } else {
        s
    }
}

fn sub_mod(a: &U384, b: &U384, p: &U384) -> U384 {
    let (d, borrow) = sub(a, b);
    if borrow {
        add(&d, p).0
    } else {
        d
    }
}

fn mul_mod(a: &U384, b: &U384, p: &U384) -> U384 {
    // Schoolbook 768-bit product, then reduce one bit at a time from the top.
    let mut wide = [0u64; 12];
    for i in 0..6 {
        let mut carry = 0u128;
        for j in 0..6 {
            let t = u128::from(a[i]) * u128::from(b[j]) + u128::from(wide[i + j]) + carry;
            wide[i + j] = t as u64;
            carry = t >> 64;
        }
        wide[i + 6] = carry as u64;
    }
    let mut r = [0u64; 6];
    for bit in (0..768).rev() {
        let top = r[5] >> 63;
        for i in (1..6).rev() {
            r[i] = (r[i] << 1) | (r[i - 1] >> 63);
        }
        r[0] = (r[0] << 1) | ((wide[bit / 64] >> (bit % 64)) & 1);
        if top == 1 || !less_than(&r, p) {
            r = sub(&r, p).0;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    // The generator points of both curves.
    const P256_GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const P256_GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    const P384_GX: &str = "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7";
    const P384_GY: &str = "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f";

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn generators_are_on_their_curves() {
        assert!(NistCurve::P256.contains(&bytes(P256_GX), &bytes(P256_GY)));
        assert!(NistCurve::P384.contains(&bytes(P384_GX), &bytes(P384_GY)));
    }

    #[test]
    fn off_curve_points_are_refused() {
        let mut y = bytes(P256_GY);
        y[31] ^= 1;
        assert!(!NistCurve::P256.contains(&bytes(P256_GX), &y));
        // Wrong curve, wrong length, coordinates not below p.
        assert!(!NistCurve::P384.contains(&bytes(P256_GX), &bytes(P256_GY)));
        assert!(!NistCurve::P256.contains(&bytes(P256_GX)[1..], &bytes(P256_GY)));
        assert!(!NistCurve::P256.contains(&[0xff; 32], &bytes(P256_GY)));
        assert!(!NistCurve::P256.contains(&[0; 32], &[0; 32]));
    }
}
