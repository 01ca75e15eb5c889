//! Brand colours: the `#RRGGBB` syntax and the WCAG 2.x contrast rule against the white text the pages draw on them.
//!
//! Both colours are backgrounds behind white text (the primary one behind button labels, the
//! secondary one behind the organization's name in the header band), so a colour is accepted
//! only when white text on it reaches the contrast WCAG 2.x asks of normal text (AA, 4.5:1).

/// The least contrast ratio against white accepted (WCAG 2.x, success criterion 1.4.3, AA).
pub const MIN_CONTRAST: f64 = 4.5;

/// A colour in the reference's syntax `^#[0-9A-Fa-f]{6}$`, lower-cased; `None` otherwise.
pub fn parse(text: &str) -> Option<String> {
    let hex = text.strip_prefix('#')?;
    (hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

/// WCAG 2.x relative luminance of an sRGB colour `#rrggbb` (already [`parse`]d).
fn relative_luminance(colour: &str) -> f64 {
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&colour[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0));
        let c = v / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

/// The contrast ratio of white text on `colour` (already [`parse`]d): `(1 + 0.05) / (L + 0.05)`,
/// from 1 (white) to 21 (black).
pub fn contrast_with_white(colour: &str) -> f64 {
    1.05 / (relative_luminance(colour) + 0.05)
}

/// `text` as a stored colour for `field`, or the message that refuses it: malformed, or too
/// light for white text.
pub fn check(field: &str, text: &str) -> Result<String, String> {
    let Some(colour) = parse(text) else {
        return Err(format!(
            "{field} must be a colour like #1a2b3c (# and six hexadecimal digits)"
        ));
    };
    let ratio = contrast_with_white(&colour);
    if ratio < MIN_CONTRAST {
        // Rounded down, so that a refused colour never reads as 4.5:1.
        let shown = (ratio * 10.0).floor() / 10.0;
        return Err(format!(
            "{field} {colour} has a contrast of {shown:.1}:1 against white text; at least \
             {MIN_CONTRAST}:1 is needed"
        ));
    }
    Ok(colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_syntax_is_the_references() {
        assert_eq!(parse("#1A2b3C").as_deref(), Some("#1a2b3c"));
        for bad in [
            "",
            "#",
            "1a2b3c",
            "#1a2b3",
            "#1a2b3c4",
            "#1a2b3g",
            " #1a2b3c",
            "#1a2b3c ",
            "#fff",
            "#１a2b3c",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn contrast_matches_known_values() {
        assert!((contrast_with_white("#000000") - 21.0).abs() < 1e-9);
        assert!((contrast_with_white("#ffffff") - 1.0).abs() < 1e-9);
        // Reference values from the WCAG contrast checker.
        assert!((contrast_with_white("#767676") - 4.54).abs() < 0.01);
        assert!((contrast_with_white("#777777") - 4.48).abs() < 0.01);
        assert!((contrast_with_white("#0055aa") - 7.29).abs() < 0.01);
    }

    #[test]
    fn light_colours_are_refused_with_the_field_the_colour_and_the_ratio() {
        assert_eq!(check("primaryColor", "#767676"), Ok("#767676".into()));
        assert_eq!(
            check("primaryColor", "#FFCC00"),
            Err(
                "primaryColor #ffcc00 has a contrast of 1.5:1 against white text; at least 4.5:1 is needed"
                    .into()
            )
        );
        let near = check("secondaryColor", "#777777").unwrap_err();
        assert!(near.contains("4.4:1"), "{near}");
        assert!(
            check("secondaryColor", "red")
                .unwrap_err()
                .starts_with("secondaryColor must be")
        );
    }
}
