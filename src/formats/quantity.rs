//! Kubernetes resource quantities (`20Gi`, `500m`, `1.5e3`), parsed exactly.
//!
//! Written here rather than taken from `kube_quantity`: that crate parses the number through an
//! `f64` (so `0.1` and large values are approximations) and its arithmetic panics on overflow,
//! which under `panic = "abort"` would trap the module. The grammar is Kubernetes' own
//! (`k8s.io/apimachinery/pkg/api/resource`): a signed decimal number followed by a binary SI
//! suffix, a decimal SI suffix or a decimal exponent.

use std::fmt;

/// A parsed quantity. The value is held as an exact count of nano-units (10^-9), the finest
/// precision Kubernetes keeps; finer fractions round up, as Kubernetes does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity {
    nanos: i128,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityError {
    Empty,
    Syntax,
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::Empty => "must not be empty",
            QuantityError::Syntax => {
                "must be a Kubernetes quantity such as 20Gi, 500m or 1.5 (number, then an optional suffix Ki Mi Gi Ti Pi Ei n u m k M G T P E)"
            }
            QuantityError::TooLarge => "is too large (or has too many digits) to be a quantity",
        })
    }
}

/// The largest decimal exponent worth trying: 10^39 already overflows i128 nano-units.
const MAX_DECIMAL_SHIFT: i64 = 40;

impl Quantity {
    pub fn parse(input: &str) -> Result<Quantity, QuantityError> {
        if input.is_empty() {
            return Err(QuantityError::Empty);
        }
        let bytes = input.as_bytes();
        let mut pos = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                pos += 1;
                true
            }
            Some(b'+') => {
                pos += 1;
                false
            }
            _ => false,
        };

        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &input[int_start..pos];
        let mut frac_digits = "";
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &input[frac_start..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(QuantityError::Syntax);
        }

        let (decimal_exp, binary_exp) = parse_suffix(&input[pos..])?;

        // value = digits × 10^(decimal_exp - fraction length) × 2^binary_exp, in nano-units.
        let frac_digits = frac_digits.trim_end_matches('0');
        let int_digits = int_digits.trim_start_matches('0');
        let mut mantissa: u128 = 0;
        for digit in int_digits.bytes().chain(frac_digits.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(digit - b'0')))
                .ok_or(QuantityError::TooLarge)?;
        }
        let shift = decimal_exp + 9 - frac_digits.len() as i64;
        let magnitude = scale(mantissa, shift, binary_exp)?;
        let nanos = i128::try_from(magnitude).map_err(|_| QuantityError::TooLarge)?;
        Ok(Quantity {
            nanos: if negative { -nanos } else { nanos },
        })
    }

    pub fn is_positive(&self) -> bool {
        self.nanos > 0
    }

    pub fn is_negative(&self) -> bool {
        self.nanos < 0
    }
}

/// Multiplies by 2^binary_exp and 10^shift; a negative shift divides, rounding up.
fn scale(mantissa: u128, shift: i64, binary_exp: u32) -> Result<u128, QuantityError> {
    if mantissa == 0 {
        return Ok(0);
    }
    let mut value = mantissa
        .checked_mul(1u128 << binary_exp)
        .ok_or(QuantityError::TooLarge)?;
    if shift >= 0 {
        if shift > MAX_DECIMAL_SHIFT {
            return Err(QuantityError::TooLarge);
        }
        for _ in 0..shift {
            value = value.checked_mul(10).ok_or(QuantityError::TooLarge)?;
        }
        Ok(value)
    } else {
        // Anything below one nano-unit rounds up to one, as Kubernetes rounds up to its precision.
        if -shift > MAX_DECIMAL_SHIFT {
            return Ok(1);
        }
        let divisor = 10u128.pow((-shift) as u32);
        Ok(value.div_ceil(divisor))
    }
}

/// Returns (decimal exponent, binary exponent) of a suffix.
fn parse_suffix(suffix: &str) -> Result<(i64, u32), QuantityError> {
    let pair = match suffix {
        "" => (0, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        _ => return parse_exponent(suffix).map(|exp| (exp, 0)),
    };
    Ok(pair)
}

/// `e3`, `E-2`, `e+10`: a decimal exponent.
fn parse_exponent(suffix: &str) -> Result<i64, QuantityError> {
    let rest = suffix
        .strip_prefix('e')
        .or_else(|| suffix.strip_prefix('E'))
        .ok_or(QuantityError::Syntax)?;
    let (negative, digits) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QuantityError::Syntax);
    }
    let digits = digits.trim_start_matches('0');
    // Exponents beyond a few digits are out of any range we can hold; saturate instead of parsing.
    let magnitude: i64 = if digits.len() > 6 {
        1_000_000
    } else {
        digits.parse().unwrap_or(0)
    };
    Ok(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).expect(s)
    }

    #[rstest]
    #[case("1Gi", "1024Mi")]
    #[case("1", "1000m")]
    #[case("1k", "1000")]
    #[case("1.5Gi", "1536Mi")]
    #[case("1e3", "1k")]
    #[case("1E3", "1000")]
    #[case("0.5", "500m")]
    #[case(".5", "500m")]
    #[case("2.", "2")]
    #[case("+3", "3")]
    #[case("1000n", "1u")]
    #[case("0", "0Gi")]
    #[case("1Ei", "1152921504606846976")]
    #[case("0010.500", "10.5")]
    fn equal_values(#[case] a: &str, #[case] b: &str) {
        assert_eq!(q(a), q(b));
    }

    #[rstest]
    #[case("500m", "1")]
    #[case("1Gi", "1.1Gi")]
    #[case("1G", "1Gi")]
    #[case("-1", "0")]
    #[case("999Mi", "1Gi")]
    fn ordered_values(#[case] smaller: &str, #[case] larger: &str) {
        assert!(q(smaller) < q(larger), "{smaller} < {larger}");
    }

    #[rstest]
    #[case("", QuantityError::Empty)]
    #[case("Gi", QuantityError::Syntax)]
    #[case("1GB", QuantityError::Syntax)]
    #[case("1 Gi", QuantityError::Syntax)]
    #[case("1.2.3", QuantityError::Syntax)]
    #[case("abc", QuantityError::Syntax)]
    #[case("1e", QuantityError::Syntax)]
    #[case("1e3Gi", QuantityError::Syntax)]
    #[case("--1", QuantityError::Syntax)]
    #[case("1gi", QuantityError::Syntax)]
    #[case("1e1000Gi", QuantityError::Syntax)]
    #[case("1e1000", QuantityError::TooLarge)]
    #[case("999999999999999999999Ei", QuantityError::TooLarge)]
    #[case(
        "99999999999999999999999999999999999999999999",
        QuantityError::TooLarge
    )]
    fn invalid_quantities(#[case] input: &str, #[case] expected: QuantityError) {
        assert_eq!(Quantity::parse(input), Err(expected));
    }

    /// Around the edge of what 128 bits of nano-units hold (about 1.7e29 units): every value past
    /// it is "too large", never a wrapped number that could compare as small.
    #[rstest]
    #[case("170141183460469231731687303715.884105728")]
    #[case("-170141183460469231731687303715.884105728")]
    #[case("340282366920938463463374607431768211455")]
    #[case("1e38")]
    #[case("1e39")]
    #[case("1e40")]
    #[case("1e41")]
    #[case("9.99e39")]
    #[case("147573952589676412928Ei")]
    #[case("1000000000000000000000Pi")]
    fn past_128_bits_is_too_large(#[case] input: &str) {
        assert_eq!(
            Quantity::parse(input),
            Err(QuantityError::TooLarge),
            "{input}"
        );
    }

    #[test]
    fn the_largest_quantity_held_is_exact_and_ordered() {
        let largest = q("170141183460469231731687303715.884105727");
        assert!(largest > q("1e29"));
        assert!(q("-170141183460469231731687303715.884105727") < q("-1e29"));
        assert!(q("147573952589Ei") > q("1Ei"));
    }

    #[test]
    fn fractions_below_a_nano_round_up_like_kubernetes() {
        assert_eq!(q("0.1n"), q("1n"));
        assert_eq!(q("1e-1000"), q("1n"));
        assert!(q("1e-1000").is_positive());
    }

    #[test]
    fn sign_is_kept() {
        assert!(q("-1Gi").is_negative());
        assert!(!q("0").is_positive());
        assert!(q("1m").is_positive());
    }
}
