//! Exact decimal arithmetic for the built-in tools: `0.1 + 0.2` is `0.3`, not `0.30000000000000004`.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

/// Reads a decimal number (`12`, `-0.25`, `1.5e3`) exactly.
pub(crate) fn parse_decimal(text: &str) -> Option<BigRational> {
    let text = text.trim();
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())
        || exponent.unsigned_abs() > 1000
    {
        return None;
    }
    let numerator: BigInt = format!("{whole}{fraction}").parse().ok()?;
    let scale = exponent - fraction.len() as i32;
    let ten = BigInt::from(10);
    let mut value = BigRational::from_integer(numerator);
    if scale >= 0 {
        value *= BigRational::from_integer(num_traits::pow(ten, scale as usize));
    } else {
        value /= BigRational::from_integer(num_traits::pow(ten, (-scale) as usize));
    }
    Some(if negative { -value } else { value })
}

/// Writes a number exactly when it has a finite decimal expansion (`0.3`, `-12.5`), and
/// otherwise as a fraction with a 20-digit decimal approximation (`1/3 ≈ 0.33333333333333333333`).
pub(crate) fn format_exact(value: &BigRational) -> String {
    match finite_decimal(value) {
        Some(text) => text,
        None => format!("{}/{} ≈ {}", value.numer(), value.denom(), approximate(value, 20)),
    }
}

fn finite_decimal(value: &BigRational) -> Option<String> {
    // A fraction in lowest terms is a finite decimal when its denominator is 2^a·5^b.
    let mut d = value.denom().clone();
    let (two, five) = (BigInt::from(2), BigInt::from(5));
    let mut places = 0usize;
    let (mut twos, mut fives) = (0usize, 0usize);
    while (&d % &two).is_zero() {
        d /= &two;
        twos += 1;
    }
    while (&d % &five).is_zero() {
        d /= &five;
        fives += 1;
    }
    if !d.is_one() {
        return None;
    }
    places += twos.max(fives);
    Some(approximate(value, places))
}

/// `value` rounded toward zero to `places` decimal places, trailing zeros removed.
fn approximate(value: &BigRational, places: usize) -> String {
    let negative = value.is_negative();
    let scaled =
        (value.abs() * BigRational::from_integer(num_traits::pow(BigInt::from(10), places))).to_integer();
    let digits = scaled.to_string();
    let digits = format!("{digits:0>width$}", width = places + 1);
    let (whole, fraction) = digits.split_at(digits.len() - places);
    let fraction = fraction.trim_end_matches('0');
    let sign = if negative && (whole != "0" || !fraction.is_empty()) { "-" } else { "" };
    if fraction.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> BigRational {
        parse_decimal(text).unwrap()
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(format_exact(&(r("0.1") + r("0.2"))), "0.3");
        assert_eq!(format_exact(&(r("1.5e3") * r("-2"))), "-3000");
        assert_eq!(format_exact(&(r("1") / r("8"))), "0.125");
        assert_eq!(format_exact(&(r("1") / r("3"))), "1/3 ≈ 0.33333333333333333333");
        assert_eq!(format_exact(&(r("-2") / r("3"))), "-2/3 ≈ -0.66666666666666666666");
        assert!(
            parse_decimal("1.2.3").is_none() && parse_decimal("").is_none() && parse_decimal("abc").is_none()
        );
    }
}
