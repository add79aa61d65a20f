//! JSON values written straight into a byte buffer, exactly as serde_json writes them
//! (its own string escaping and number formatters), without building a `Value`.

use std::{
    fmt::{self, Write},
    str::FromStr,
};

use serde_json::ser::{CompactFormatter, Formatter};

/// A string, quoted and escaped. (One that serde_json leaves as it is, as most are, is
/// copied whole.)
pub(crate) fn write_str(out: &mut Vec<u8>, value: &str) {
    if value
        .bytes()
        .all(|byte| byte >= 0x20 && byte != b'"' && byte != b'\\')
    {
        out.reserve(value.len() + 2);
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
    }
}

pub(crate) fn write_i64(out: &mut Vec<u8>, value: i64) {
    let _ = CompactFormatter.write_i64(out, value);
}

/// A number, as an integer while it fits in an i64 (as serde_json reads it back).
pub(crate) fn write_u64(out: &mut Vec<u8>, value: u64) {
    match i64::try_from(value) {
        Ok(value) => write_i64(out, value),
        Err(_) => write_f64(out, value as f64),
    }
}

/// A float as serde_json writes a `Number` (a non-finite one, which has none, as null).
pub(crate) fn write_f64(out: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        let _ = CompactFormatter.write_f64(out, value);
    } else {
        out.extend_from_slice(b"null");
    }
}

/// A float32 as Go's JSON round trip writes it: its shortest decimal form read as a
/// float64 (4.3, not 4.300000190734863).
pub(crate) fn write_f32(out: &mut Vec<u8>, value: f32) {
    write_f64(out, f32_as_f64(value));
}

/// The float64 nearest to `value`'s shortest decimal form as Rust displays it.
///
/// zmij (serde_json's float formatter) finds the same shortest digits, except when the
/// float32 lies exactly halfway between two of them: zmij then rounds to even, Rust's
/// `Display` up. Only a float32 that is a decimal of at most 10 significant digits can lie
/// halfway; those few are displayed by Rust (into a buffer on the stack).
pub(crate) fn f32_as_f64(value: f32) -> f64 {
    let exact = f64::from(value);
    if !value.is_finite() {
        return exact;
    }
    let mut digits = zmij::Buffer::new();
    let shortest = f64::from_str(digits.format_finite(value)).unwrap_or(exact);
    if shortest == exact || !is_short_decimal(value) {
        return shortest;
    }
    let mut text = DisplayBuffer::default();
    match write!(text, "{value}") {
        Ok(()) => f64::from_str(text.as_str()).unwrap_or(exact),
        Err(_) => f64::from_str(&value.to_string()).unwrap_or(exact),
    }
}

/// Whether a finite float32's exact value has at most 10 significant decimal digits.
fn is_short_decimal(value: f32) -> bool {
    let bits = value.to_bits() & 0x7fff_ffff;
    let (exponent, fraction) = (bits >> 23, bits & 0x7f_ffff);
    let (mut mantissa, mut power) = if exponent == 0 {
        (fraction, -149)
    } else {
        (fraction | 0x80_0000, exponent as i32 - 150)
    };
    if mantissa == 0 {
        return true;
    }
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    power += zeros as i32;
    // value = mantissa × 2^power, mantissa odd.
    let digits = if power < 0 {
        // mantissa × 5^-power over 10^-power: as many digits as that odd product, which
        // has more than 10 from 5^15 on.
        if power < -14 {
            return false;
        }
        u128::from(mantissa) * 5u128.pow(power.unsigned_abs())
    } else {
        // An integer below 2^128: its digits without its trailing zeros.
        let mut whole = u128::from(mantissa) << power;
        while whole % 10 == 0 {
            whole /= 10;
        }
        whole
    };
    digits < 10_000_000_000
}

/// Room for any finite float32's `Display` form (at most 48 bytes).
struct DisplayBuffer {
    bytes: [u8; 64],
    len: usize,
}

impl Default for DisplayBuffer {
    fn default() -> DisplayBuffer {
        DisplayBuffer {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl DisplayBuffer {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl fmt::Write for DisplayBuffer {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let end = self.len + text.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).expect("utf-8")
    }

    /// The float32's `Display` form read as a float64, written by serde_json.
    fn displayed(value: f32) -> String {
        let wide = f64::from_str(&value.to_string()).unwrap_or(f64::from(value));
        match serde_json::Number::from_f64(wide) {
            Some(number) => number.to_string(),
            None => "null".to_owned(),
        }
    }

    #[test]
    fn a_float32_is_written_as_its_display_form_read_as_a_float64_even_on_ties() {
        let special = [
            0.0,
            -0.0,
            4.3,
            0.1,
            1.0 / 3.0,
            16_777_216.0,
            1e-45,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
            // Exactly halfway between two shortest forms: Display rounds up.
            f32::from_bits(0x4a53_394d),
            0.000_244_140_63,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        let mut state = 0x2545_f491_u32;
        let random = (0..200_000).map(|_| {
            // xorshift32: every exponent and mantissa, deterministic.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            f32::from_bits(state)
        });
        for value in special.into_iter().chain(random) {
            assert_eq!(
                text(|out| write_f32(out, value)),
                displayed(value),
                "{value:?} ({:#x})",
                value.to_bits()
            );
        }
    }

    #[test]
    fn numbers_and_strings_are_written_as_serde_json_writes_them() {
        for value in [0i64, -1, 42, i64::MIN, i64::MAX] {
            assert_eq!(text(|out| write_i64(out, value)), value.to_string());
        }
        assert_eq!(
            text(|out| write_u64(out, u64::MAX)),
            serde_json::to_string(&(u64::MAX as f64)).expect("number")
        );
        assert_eq!(text(|out| write_u64(out, 7)), "7");
        for value in [0.5f64, 1e300, -2.25, 1e-7] {
            assert_eq!(
                text(|out| write_f64(out, value)),
                serde_json::to_string(&value).expect("number")
            );
        }
        assert_eq!(text(|out| write_f64(out, f64::NAN)), "null");
        let tricky = "quote \" backslash \\ newline \n tab \t nul \u{0} é ☃ </script>";
        assert_eq!(
            text(|out| write_str(out, tricky)),
            serde_json::to_string(tricky).expect("string")
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let alphabet = [
            'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é', '☃', '😀',
        ];
        let mut state = 0x1234_5679_u32;
        for _ in 0..20_000 {
            let mut value = String::new();
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                value.push(alphabet[state as usize % alphabet.len()]);
            }
            state = state.wrapping_add(1);
            assert_eq!(
                text(|out| write_str(out, &value)),
                serde_json::to_string(&value).expect("string"),
                "{value:?}"
            );
        }
    }
}
