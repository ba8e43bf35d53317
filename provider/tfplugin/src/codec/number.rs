//! Exact decimal arithmetic for [`Number`]: parsing decimal text, deciding
//! whether a number fits `i64` or `f64` exactly, and rendering canonical text.
//!
//! Terraform keeps numbers as 512-bit big floats parsed from decimal text, so
//! `0.1` in a configuration is *not* the `f64` nearest to 0.1. Whenever a
//! number is not exactly an `i64` or an `f64` we keep its decimal text, which
//! is what go-cty's msgpack encoding does as well.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::value::Number;

/// Longest run of zeros we write out in plain notation before switching to
/// scientific notation (both forms parse back to the same number).
const MAX_PLAIN_ZEROS: i64 = 64;
/// Largest decimal exponent we accept; beyond this no real configuration goes.
const MAX_EXPONENT: i64 = 1_000_000;

/// A decimal number `±digits × 10^exponent`, normalised: `digits` has no
/// leading or trailing zeros (zero is the empty digit string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn new(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Self {
        let leading = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Self {
                negative: false,
                digits,
                exponent: 0,
            };
        }
        Self {
            negative,
            digits,
            exponent,
        }
    }

    /// Parses JSON-style or go-style decimal text: `-12.5e3`, `+7`, `.5`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut negative = false;
        if let Some(sign @ (b'+' | b'-')) = bytes.first() {
            negative = *sign == b'-';
            pos = 1;
        }
        let mut digits = Vec::new();
        let mut exponent: i64 = 0;
        let mut seen_digit = false;
        while let Some(b) = bytes.get(pos).filter(|b| b.is_ascii_digit()) {
            digits.push(b - b'0');
            seen_digit = true;
            pos += 1;
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            while let Some(b) = bytes.get(pos).filter(|b| b.is_ascii_digit()) {
                digits.push(b - b'0');
                exponent -= 1;
                seen_digit = true;
                pos += 1;
            }
        }
        if !seen_digit {
            return None;
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            let mut exp_negative = false;
            if let Some(sign @ (b'+' | b'-')) = bytes.get(pos) {
                exp_negative = *sign == b'-';
                pos += 1;
            }
            let start = pos;
            let mut value: i64 = 0;
            while let Some(b) = bytes.get(pos).filter(|b| b.is_ascii_digit()) {
                value = value.saturating_mul(10).saturating_add(i64::from(b - b'0'));
                pos += 1;
            }
            if pos == start || value > MAX_EXPONENT {
                return None;
            }
            exponent += if exp_negative { -value } else { value };
        }
        if pos != bytes.len() {
            return None;
        }
        let decimal = Self::new(negative, digits, exponent);
        (decimal.exponent.abs() <= 2 * MAX_EXPONENT).then_some(decimal)
    }

    /// The exact decimal value of a finite `f64`.
    pub(crate) fn from_f64(value: f64) -> Self {
        let bits = value.to_bits();
        let negative = bits >> 63 == 1;
        let biased = i64::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
        let fraction = bits & ((1 << 52) - 1);
        let (mantissa, exp2) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        let mut big = BigUint::from_u64(mantissa);
        let mut exp10 = 0;
        if exp2 >= 0 {
            for _ in 0..exp2 {
                big.mul_small(2);
            }
        } else {
            // m / 2^k == m * 5^k / 10^k
            for _ in 0..-exp2 {
                big.mul_small(5);
            }
            exp10 = exp2;
        }
        Self::new(negative, big.to_digits(), exp10)
    }

    /// The value as an `i64`, when it is an integer in range.
    fn to_i64(&self) -> Option<i64> {
        if self.exponent < 0 {
            return None;
        }
        let exponent = usize::try_from(self.exponent).ok()?;
        if self.digits.len() + exponent > 19 {
            return None;
        }
        let mut magnitude: i128 = 0;
        for digit in self
            .digits
            .iter()
            .copied()
            .chain(std::iter::repeat_n(0, exponent))
        {
            magnitude = magnitude * 10 + i128::from(digit);
        }
        i64::try_from(if self.negative { -magnitude } else { magnitude }).ok()
    }

    /// The value as an `f64`, when that `f64` is exactly this number.
    fn to_exact_f64(&self) -> Option<f64> {
        // An f64 has at most 767 significant decimal digits and lies within
        // 10^-1074 .. 10^309; anything outside cannot be exact.
        if self.digits.len() > 770 || self.exponent < -1200 || self.exponent > 400 {
            return None;
        }
        let nearest: f64 = self.to_scientific().parse().ok()?;
        (nearest.is_finite() && Self::from_f64(nearest) == *self).then_some(nearest)
    }

    /// Nearest `f64` (infinite when out of range).
    pub(crate) fn to_f64_lossy(&self) -> f64 {
        self.to_scientific().parse().unwrap_or(f64::NAN)
    }

    fn to_scientific(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_owned();
        }
        let mut out = String::with_capacity(self.digits.len() + 24);
        if self.negative {
            out.push('-');
        }
        out.extend(self.digits.iter().map(|d| char::from(b'0' + d)));
        out.push('e');
        out.push_str(&self.exponent.to_string());
        out
    }

    /// Plain decimal text (`0.001`, `1500`) unless that would need more than
    /// [`MAX_PLAIN_ZEROS`] padding zeros; then `1.5e+300`.
    pub(crate) fn to_text(&self) -> String {
        if self.digits.is_empty() {
            return "0".to_owned();
        }
        let digit_count = i64::try_from(self.digits.len()).unwrap_or(i64::MAX);
        let point = digit_count + self.exponent; // digits before the decimal point
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        let digit_chars = self.digits.iter().map(|d| char::from(b'0' + d));
        if self.exponent >= 0 && self.exponent <= MAX_PLAIN_ZEROS {
            out.extend(digit_chars);
            out.extend(std::iter::repeat_n(
                '0',
                usize::try_from(self.exponent).unwrap_or(0),
            ));
        } else if self.exponent < 0 && point > 0 {
            let point = usize::try_from(point).unwrap_or(0);
            for (index, digit) in digit_chars.enumerate() {
                if index == point {
                    out.push('.');
                }
                out.push(digit);
            }
        } else if point <= 0 && -point <= MAX_PLAIN_ZEROS {
            out.push_str("0.");
            out.extend(std::iter::repeat_n(
                '0',
                usize::try_from(-point).unwrap_or(0),
            ));
            out.extend(digit_chars);
        } else {
            let mut chars = digit_chars;
            if let Some(first) = chars.next() {
                out.push(first);
            }
            let rest: String = chars.collect();
            if !rest.is_empty() {
                out.push('.');
                out.push_str(&rest);
            }
            let exp = point - 1;
            out.push('e');
            out.push(if exp < 0 { '-' } else { '+' });
            out.push_str(&exp.abs().to_string());
        }
        out
    }

    /// The canonical [`Number`] for this value.
    pub(crate) fn to_number(&self) -> Number {
        if let Some(int) = self.to_i64() {
            Number::Int(int)
        } else if let Some(float) = self.to_exact_f64() {
            Number::Float(float)
        } else {
            Number::Big(self.to_text())
        }
    }
}

/// Just enough unsigned big-integer arithmetic for exact `f64` expansion:
/// little-endian limbs in base 10^9.
struct BigUint(Vec<u32>);

const LIMB_BASE: u64 = 1_000_000_000;

impl BigUint {
    fn from_u64(mut value: u64) -> Self {
        let mut limbs = Vec::new();
        while value > 0 {
            limbs.push(u32::try_from(value % LIMB_BASE).unwrap_or(0));
            value /= LIMB_BASE;
        }
        Self(limbs)
    }

    fn mul_small(&mut self, factor: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = u32::try_from(product % LIMB_BASE).unwrap_or(0);
            carry = product / LIMB_BASE;
        }
        while carry > 0 {
            self.0.push(u32::try_from(carry % LIMB_BASE).unwrap_or(0));
            carry /= LIMB_BASE;
        }
    }

    fn to_digits(&self) -> Vec<u8> {
        let mut digits = Vec::with_capacity(self.0.len() * 9);
        for (index, limb) in self.0.iter().rev().enumerate() {
            let text = if index == 0 {
                limb.to_string()
            } else {
                format!("{limb:09}")
            };
            digits.extend(text.bytes().map(|b| b - b'0'));
        }
        digits
    }
}

/// The text was not a decimal number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseNumberError;

impl fmt::Display for ParseNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a decimal number")
    }
}

impl std::error::Error for ParseNumberError {}

impl FromStr for Number {
    type Err = ParseNumberError;

    /// Parses decimal text exactly (`"0.1"` stays one tenth), plus go's
    /// spellings of infinity (`"Inf"`, `"-Inf"`, `"+Inf"`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "inf" | "+inf" | "infinity" | "+infinity" => return Ok(Number::Float(f64::INFINITY)),
            "-inf" | "-infinity" => return Ok(Number::Float(f64::NEG_INFINITY)),
            _ => {}
        }
        Decimal::parse(text)
            .map(|decimal| decimal.to_number())
            .ok_or(ParseNumberError)
    }
}

impl Number {
    /// The canonical form: `Int` when the value is an integer in `i64`
    /// range, else `Float` when an `f64` holds it exactly, else `Big` with
    /// normalised decimal text. Equal numbers have equal canonical forms.
    /// An invalid `Big` text is returned unchanged.
    pub fn canonical(&self) -> Number {
        match self {
            Number::Int(int) => Number::Int(*int),
            Number::Float(float) => {
                if float.fract() == 0.0
                    && *float >= -9.223_372_036_854_776e18
                    && *float < 9.223_372_036_854_776e18
                {
                    // In range and integral, so the cast is exact.
                    #[allow(clippy::cast_possible_truncation)]
                    Number::Int(*float as i64)
                } else {
                    Number::Float(*float)
                }
            }
            Number::Big(text) => text.parse().unwrap_or_else(|_| Number::Big(text.clone())),
        }
    }

    /// Whether the number is well-formed: not NaN, and `Big` holds decimal text.
    pub fn is_valid(&self) -> bool {
        match self {
            Number::Int(_) => true,
            Number::Float(float) => !float.is_nan(),
            Number::Big(text) => text.parse::<Number>().is_ok(),
        }
    }

    /// The value as `i64`, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.canonical() {
            Number::Int(int) => Some(int),
            _ => None,
        }
    }

    /// The nearest `f64` (lossy for large integers and long decimals).
    pub fn as_f64(&self) -> f64 {
        match self {
            // Deliberately lossy: this accessor is documented as nearest-f64.
            #[allow(clippy::cast_precision_loss)]
            Number::Int(int) => *int as f64,
            Number::Float(float) => *float,
            Number::Big(text) => Decimal::parse(text).map_or(f64::NAN, |d| d.to_f64_lossy()),
        }
    }

    /// Whether the value is a whole number (of any size).
    pub fn is_integer(&self) -> bool {
        match self.canonical() {
            Number::Int(_) => true,
            Number::Float(float) => float.is_finite() && float.fract() == 0.0,
            Number::Big(text) => Decimal::parse(&text).is_some_and(|d| d.exponent >= 0),
        }
    }

    /// Exact decimal text: `42`, `0.1`, `1e+400`; a `Float` is written with
    /// every digit of its binary value (`0.5`, but `f64` 0.1 becomes
    /// `0.1000000000000000055511151231257827021181583404541015625`), so the
    /// text always parses back to the same number. Infinities are `Infinity`
    /// and `-Infinity`.
    pub fn to_decimal_string(&self) -> String {
        match self.canonical() {
            Number::Int(int) => int.to_string(),
            Number::Float(float) if float.is_nan() => "NaN".to_owned(),
            Number::Float(float) if float.is_infinite() => {
                if float > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
            }
            Number::Float(float) => Decimal::from_f64(float).to_text(),
            Number::Big(text) => text,
        }
    }

    /// A total order consistent with equality, used to sort set elements.
    /// `Int` and `Float` values order numerically; `Big` values come after
    /// them, ordered by text.
    pub fn total_cmp(&self, other: &Number) -> Ordering {
        match (self.canonical(), other.canonical()) {
            (Number::Int(a), Number::Int(b)) => a.cmp(&b),
            (Number::Float(a), Number::Float(b)) => a.total_cmp(&b),
            (Number::Int(a), Number::Float(b)) => cmp_int_float(a, b),
            (Number::Float(a), Number::Int(b)) => cmp_int_float(b, a).reverse(),
            (Number::Big(a), Number::Big(b)) => a.cmp(&b),
            (Number::Big(_), _) => Ordering::Greater,
            (_, Number::Big(_)) => Ordering::Less,
        }
    }
}

fn cmp_int_float(int: i64, float: f64) -> Ordering {
    const TWO_POW_63: f64 = 9.223_372_036_854_776e18;
    if float.is_nan() || float >= TWO_POW_63 {
        return Ordering::Less;
    }
    if float < -TWO_POW_63 {
        return Ordering::Greater;
    }
    let floor = float.floor();
    // In range and integral, so the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let floor_int = floor as i64;
    match int.cmp(&floor_int) {
        Ordering::Equal if float > floor => Ordering::Less,
        ordering => ordering,
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

impl Eq for Number {}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

impl From<i64> for Number {
    fn from(value: i64) -> Self {
        Number::Int(value)
    }
}

impl From<i32> for Number {
    fn from(value: i32) -> Self {
        Number::Int(value.into())
    }
}

impl From<u32> for Number {
    fn from(value: u32) -> Self {
        Number::Int(value.into())
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Self {
        match i64::try_from(value) {
            Ok(int) => Number::Int(int),
            Err(_) => Decimal::new(
                false,
                value.to_string().bytes().map(|b| b - b'0').collect(),
                0,
            )
            .to_number(),
        }
    }
}

impl From<f64> for Number {
    /// The exact binary value of the `f64` (integral values become `Int`).
    /// For decimal intent such as one tenth, parse text instead:
    /// `"0.1".parse::<Number>()`.
    fn from(value: f64) -> Self {
        Number::Float(value).canonical()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!("1".parse::<Number>(), Ok(Number::Int(1)));
        assert!(matches!("1.0".parse::<Number>(), Ok(Number::Int(1))));
        assert!(matches!("1e3".parse::<Number>(), Ok(Number::Int(1000))));
        assert!(matches!("0.5".parse::<Number>(), Ok(Number::Float(f)) if f == 0.5));
        assert!(matches!("0.1".parse::<Number>(), Ok(Number::Big(ref t)) if t == "0.1"));
        assert!(matches!("-0.10".parse::<Number>(), Ok(Number::Big(ref t)) if t == "-0.1"));
        assert!(
            matches!("9223372036854775808".parse::<Number>(), Ok(Number::Float(f)) if f == 9.223_372_036_854_776e18)
        );
        assert!(
            matches!("9223372036854775809".parse::<Number>(), Ok(Number::Big(ref t)) if t == "9223372036854775809")
        );
        assert!(matches!("1e400".parse::<Number>(), Ok(Number::Big(ref t)) if t == "1e+400"));
        assert!(matches!("-0".parse::<Number>(), Ok(Number::Int(0))));
        assert!(".5".parse::<Number>().is_ok());
        for bad in ["", "-", "1e", "1.2.3", "abc", "0x10", "1e99999999999"] {
            assert!(bad.parse::<Number>().is_err(), "{bad}");
        }
    }

    #[test]
    fn equality_across_variants() {
        assert_eq!(Number::Int(1), Number::Float(1.0));
        assert_eq!(Number::Big("1.50".into()), Number::Float(1.5));
        assert_ne!(Number::Float(0.1), Number::Big("0.1".into()));
        assert_ne!(
            Number::Int(i64::MAX),
            Number::Float(9.223_372_036_854_776e18)
        );
        assert!(Number::Int(1) < Number::Float(1.5));
        assert!(Number::Float(-1.5) < Number::Int(-1));
    }

    #[test]
    fn exact_decimal_text() {
        assert_eq!(Number::Float(0.5).to_decimal_string(), "0.5");
        assert_eq!(
            Number::Float(0.1).to_decimal_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(Number::Int(-42).to_decimal_string(), "-42");
        assert_eq!(
            Number::Float(1e300).to_decimal_string().parse::<Number>(),
            Ok(Number::Float(1e300))
        );
        assert_eq!(
            Number::Float(5e-324).to_decimal_string().parse::<Number>(),
            Ok(Number::Float(5e-324))
        );
        assert_eq!(Number::Big("1e-100".into()).to_decimal_string(), "1e-100");
        assert_eq!(
            Number::Big("0.000123".into()).to_decimal_string(),
            "0.000123"
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(
            Number::from(u64::MAX).to_decimal_string(),
            "18446744073709551615"
        );
        assert_eq!(Number::from(3.0).as_i64(), Some(3));
        assert_eq!(Number::Big("12".into()).as_i64(), Some(12));
        assert_eq!(Number::Float(2.5).as_i64(), None);
        assert!((Number::Big("0.1".into()).as_f64() - 0.1).abs() < f64::EPSILON);
        assert!(Number::Big("1e400".into()).is_integer());
        assert!(!Number::Big("0.1".into()).is_integer());
        assert!(!Number::Float(f64::NAN).is_valid());
        assert!(!Number::Big("x".into()).is_valid());
    }
}
