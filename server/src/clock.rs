//! The clock and the API's timestamp format: Unix milliseconds in, RFC 3339 out.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as Unix milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-22T20:00:00.000Z` (proleptic Gregorian
/// calendar; times outside the years 0000–9999 print as the epoch).
pub fn format_timestamp(ms: i64) -> String {
    const EPOCH: &str = "1970-01-01T00:00:00.000Z";
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Days since 1970-01-01 to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date
    // Algorithms", days_from_civil's inverse), in eras of 400 years starting on 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return EPOCH.to_string();
    }
    let fields: [(i64, usize); 7] = [
        (year, 4),
        (month, 2),
        (day, 2),
        (in_day / 3_600_000, 2),
        (in_day / 60_000 % 60, 2),
        (in_day / 1_000 % 60, 2),
        (in_day % 1_000, 3),
    ];
    let mut out = String::with_capacity(EPOCH.len());
    for ((value, width), separator) in fields.into_iter().zip(["-", "-", "T", ":", ":", ".", "Z"]) {
        let mut digits = [b'0'; 4];
        let mut v = value;
        for slot in digits[..width].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        digits[..width]
            .iter()
            .for_each(|&d| out.push(char::from(d)));
        out.push_str(separator);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(1_795_377_600_123),
            "2026-11-22T20:00:00.123Z"
        );
        assert_eq!(
            format_timestamp(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_timestamp(253_402_300_799_999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            format_timestamp(253_402_300_800_000),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(format_timestamp(i64::MIN), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp(i64::MAX), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn timestamps_agree_with_the_time_crate() {
        use rand::RngExt as _;
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let reference = |ms: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .unwrap()
                .format(&fmt)
                .unwrap()
        };
        let mut rng = rand::rng();
        // Every day boundary from 1900 to 2200, and random instants from year 0 to 9999.
        let day = 86_400_000i64;
        for d in (-25_567..84_000).step_by(7) {
            for ms in [d * day, d * day - 1, d * day + 43_200_123] {
                assert_eq!(format_timestamp(ms), reference(ms), "{ms}");
            }
        }
        for _ in 0..100_000 {
            let ms = rng.random_range(-62_167_219_200_000..253_402_300_800_000i64);
            assert_eq!(format_timestamp(ms), reference(ms), "{ms}");
        }
    }
}
