//! Money is integer minor units (cents). Amounts arrive as JSON numbers or strings in major
//! units and are parsed from their decimal text, never through a float, so `0.1 + 0.2` cannot
//! happen and a third decimal is refused rather than rounded.

/// Why an amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number at all (`"abc"`, `true`, `null`).
    NotANumber,
    /// Zero or negative.
    NotPositive,
    /// More than two decimals.
    TooPrecise,
    /// Beyond what a ledger can hold.
    TooLarge,
}

impl AmountError {
    pub fn message(self) -> &'static str {
        match self {
            Self::NotANumber => "must be a number",
            Self::NotPositive => "must be greater than 0",
            Self::TooPrecise => "must have at most two decimals",
            Self::TooLarge => "is too large",
        }
    }
}

/// The largest amount one entry may carry: 10^13 cents (100 billion in major units), far
/// below `i64::MAX`, so sums of many entries cannot overflow.
pub const MAX_CENTS: i64 = 10_000_000_000_000;

/// Cents from a JSON value: a number (`12.5`) or a numeric string (`"12.50"`).
pub fn parse_amount(value: &serde_json::Value) -> Result<i64, AmountError> {
    let text = match value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_owned(),
        _ => return Err(AmountError::NotANumber),
    };
    let cents = parse_decimal(&text)?;
    if cents <= 0 {
        return Err(AmountError::NotPositive);
    }
    Ok(cents)
}

/// Cents from decimal text: optional sign, digits, optional `.` and up to two digits, or an
/// exponent form as serde_json prints large or small floats (`1e3`, `1.5e-2`).
pub fn parse_decimal(text: &str) -> Result<i64, AmountError> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (
            &text[..i],
            text[i + 1..]
                .parse::<i32>()
                .map_err(|_| AmountError::NotANumber)?,
        ),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(AmountError::NotANumber);
    }
    // All digits as one integer, scaled by 10^(exponent - frac digits + 2) to cents.
    let all: String = format!("{int_part}{frac_part}");
    let all = all.trim_start_matches('0');
    // In i64: an exponent near i32::MIN or i32::MAX must not overflow (it is refused below).
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| AmountError::NotANumber)?;
    let scale = i64::from(exponent) - frac_len + 2;
    if all.is_empty() {
        return Ok(0);
    }
    if scale < 0 {
        let cut = usize::try_from(scale.unsigned_abs()).unwrap_or(usize::MAX);
        if cut > all.len() {
            return Err(AmountError::TooPrecise);
        }
        let (kept, dropped) = all.split_at(all.len() - cut);
        if dropped.bytes().any(|b| b != b'0') {
            return Err(AmountError::TooPrecise);
        }
        return finish(kept, 0, negative);
    }
    finish(
        all,
        u32::try_from(scale).map_err(|_| AmountError::TooLarge)?,
        negative,
    )
}

fn finish(digits: &str, zeros: u32, negative: bool) -> Result<i64, AmountError> {
    if digits.is_empty() {
        return Ok(0);
    }
    if digits.len() as u64 + u64::from(zeros) > 15 {
        return Err(AmountError::TooLarge);
    }
    let base: i64 = digits.parse().map_err(|_| AmountError::TooLarge)?;
    let value = base
        .checked_mul(10i64.pow(zeros))
        .filter(|v| *v <= MAX_CENTS)
        .ok_or(AmountError::TooLarge)?;
    Ok(if negative { -value } else { value })
}

/// Major units as a float, for surfaces that render amounts as numbers (seed 002).
pub fn major(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// `1234.50` style text, for messages (`$1234.50`).
pub fn format(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_decimal_text_exactly() {
        assert_eq!(parse_amount(&json!(12.5)), Ok(1250));
        assert_eq!(parse_amount(&json!("12.50")), Ok(1250));
        assert_eq!(parse_amount(&json!(0.1)), Ok(10));
        assert_eq!(parse_amount(&json!(4000)), Ok(400_000));
        assert_eq!(parse_amount(&json!(1e3)), Ok(100_000));
        assert_eq!(parse_amount(&json!("1.5e1")), Ok(1500));
        assert_eq!(parse_amount(&json!("0.01")), Ok(1));
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        assert_eq!(parse_amount(&json!(0)), Err(AmountError::NotPositive));
        assert_eq!(parse_amount(&json!(-5)), Err(AmountError::NotPositive));
        assert_eq!(parse_amount(&json!("-0.01")), Err(AmountError::NotPositive));
        assert_eq!(parse_amount(&json!(10.005)), Err(AmountError::TooPrecise));
        assert_eq!(parse_amount(&json!("0.001")), Err(AmountError::TooPrecise));
        assert_eq!(parse_amount(&json!("abc")), Err(AmountError::NotANumber));
        assert_eq!(parse_amount(&json!("")), Err(AmountError::NotANumber));
        assert_eq!(parse_amount(&json!("1.2.3")), Err(AmountError::NotANumber));
        assert_eq!(parse_amount(&json!(null)), Err(AmountError::NotANumber));
        assert_eq!(parse_amount(&json!(true)), Err(AmountError::NotANumber));
        assert_eq!(parse_amount(&json!(1e300)), Err(AmountError::TooLarge));
        assert_eq!(
            parse_amount(&json!("99999999999999999999999")),
            Err(AmountError::TooLarge)
        );
        assert_eq!(parse_amount(&json!(u64::MAX)), Err(AmountError::TooLarge));
    }

    #[test]
    fn formats_for_people_and_seed_002() {
        assert_eq!(format(500_000), "5000.00");
        assert_eq!(format(-1), "-0.01");
        assert_eq!(major(250_050), 2500.5);
    }

    #[test]
    fn extreme_exponents_are_refused_not_overflowed() {
        let cases = [
            ("1.5e-2147483648", AmountError::TooPrecise),
            ("1e-2147483648", AmountError::TooPrecise),
            ("-7.25e-2147483648", AmountError::TooPrecise),
            ("1e2147483647", AmountError::TooLarge),
            ("9.99e2147483647", AmountError::TooLarge),
            ("1e4294967296", AmountError::NotANumber),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_decimal(text), Err(expected), "{text}");
        }
        assert_eq!(parse_decimal("0e-2147483648"), Ok(0));
        assert_eq!(parse_decimal("1.50e0"), Ok(150));
        assert_eq!(parse_decimal("1e13"), Err(AmountError::TooLarge));
    }
}
