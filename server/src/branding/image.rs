//! Uploaded logos and favicons: sniffed, checked whole (no bytes after the image's end), measured from the header, decoded under limits and re-encoded, so that only pixels are stored.
//!
//! The order matters. The magic bytes decide the type, and the declared type must agree. The
//! file's structure is walked (PNG chunks up to `IEND`, JPEG segments up to `EOI`) and anything
//! after the end is refused: a PNG with an HTML page appended is a polyglot, and it is refused,
//! not trimmed. The dimensions come from the header, before any pixel is decoded, and must be
//! within [`ImageRole::max_side`]. The decoder then runs under [`image::Limits`] (the same sides,
//! and [`MAX_DECODE_BYTES`] of memory), so a small file that inflates to a huge bitmap is refused
//! before its buffer is allocated. An EXIF orientation is applied to the pixels (so a photo
//! still stands the right way up). Last, the pixels are encoded again in the same format: EXIF,
//! text chunks, ICC profiles and every other byte the uploader chose are gone (and a file that
//! grew past [`MAX_STORED_BYTES`] doing so is refused).
//!
//! All of this is CPU work: callers run [`process`] on the blocking pool.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader, Limits};

/// Largest accepted upload: 1 MiB (the reference's limit).
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

/// Most memory one decode may take: 24 MiB. A 2048 × 2048 logo in 8-bit RGBA (16 MiB) fits; the
/// same in 16-bit RGBA (32 MiB) does not, nor anything larger.
pub const MAX_DECODE_BYTES: u64 = 24 * 1024 * 1024;

/// Largest re-encoded file stored: 4 MiB. Re-encoding may grow a file (a palette PNG comes back
/// as RGB, a JPEG at quality 90); past this, the upload is refused rather than stored.
pub const MAX_STORED_BYTES: usize = 4 * 1024 * 1024;

/// What an image is for, which sets its largest size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageRole {
    /// The organization's logo, shown in the header band of its pages.
    Logo,
    /// The icon browsers show in the tab.
    Favicon,
}

impl ImageRole {
    /// The longest side accepted: 2048 px for a logo (several times what a header band shows,
    /// on any screen), 512 px for a favicon (the largest icon size browsers and platforms ask for).
    pub fn max_side(self) -> u32 {
        match self {
            ImageRole::Logo => 2048,
            ImageRole::Favicon => 512,
        }
    }

    /// Its name in paths and messages.
    pub fn name(self) -> &'static str {
        match self {
            ImageRole::Logo => "logo",
            ImageRole::Favicon => "favicon",
        }
    }
}

/// The two accepted formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
}

impl ImageKind {
    /// The media type served.
    pub fn media_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }

    /// The kind a declared media type names (`image/jpg` is a common spelling of JPEG).
    pub fn from_media_type(declared: &str) -> Option<ImageKind> {
        let essence = declared.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "image/png" => Some(ImageKind::Png),
            "image/jpeg" | "image/jpg" => Some(ImageKind::Jpeg),
            _ => None,
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            ImageKind::Png => ImageFormat::Png,
            ImageKind::Jpeg => ImageFormat::Jpeg,
        }
    }
}

/// Why an upload is refused; each message is the API's.
#[derive(Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Over [`MAX_IMAGE_BYTES`] (413).
    TooLarge,
    /// The declared type is not PNG or JPEG.
    UnsupportedDeclaredType(String),
    /// The bytes are not a PNG or a JPEG.
    NotPngOrJpeg,
    /// The declared type and the bytes disagree.
    TypeMismatch {
        /// What the upload said.
        declared: ImageKind,
        /// What the bytes are.
        sniffed: ImageKind,
    },
    /// The structure is broken (a chunk or segment runs past the end, no end marker).
    Malformed,
    /// Bytes follow the image's end marker.
    TrailingData,
    /// The header's dimensions are over the role's limit.
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The role's limit.
        max: u32,
    },
    /// Decoding would take more than [`MAX_DECODE_BYTES`].
    DecodeLimit,
    /// The re-encoded file is over [`MAX_STORED_BYTES`].
    ReencodedTooLarge,
    /// The decoder or encoder failed on the pixels.
    Undecodable,
}

impl ImageError {
    /// The message of the API's error body.
    pub fn message(&self, role: ImageRole) -> String {
        let what = role.name();
        match self {
            ImageError::TooLarge => format!(
                "The {what} is too large: at most 1 MiB ({MAX_IMAGE_BYTES} bytes) is accepted"
            ),
            ImageError::UnsupportedDeclaredType(t) => {
                format!("The {what} must be sent as image/png or image/jpeg, not {t:?}")
            }
            ImageError::NotPngOrJpeg => format!("The {what} must be a PNG or JPEG image"),
            ImageError::TypeMismatch { declared, sniffed } => format!(
                "The {what} was sent as {} but its content is {}",
                declared.media_type(),
                sniffed.media_type()
            ),
            ImageError::Malformed => format!("The {what} is not a well-formed image"),
            ImageError::TrailingData => format!(
                "The {what} has data after the end of the image: only the image itself is accepted"
            ),
            ImageError::TooManyPixels { width, height, max } => {
                format!("The {what} is {width}×{height} pixels: at most {max}×{max} is accepted")
            }
            ImageError::DecodeLimit => format!(
                "The {what} would take too much memory to decode: use fewer pixels or 8 bits per channel"
            ),
            ImageError::ReencodedTooLarge => format!(
                "The {what} is too large once re-encoded: use fewer pixels or fewer colours"
            ),
            ImageError::Undecodable => format!("The {what} could not be decoded"),
        }
    }
}

/// An accepted image: its kind, the re-encoded bytes and its size.
#[derive(Debug)]
pub struct CleanImage {
    /// PNG or JPEG, as uploaded.
    pub kind: ImageKind,
    /// The re-encoded file.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The kind the magic bytes say: PNG `89 50 4E 47 0D 0A 1A 0A`, JPEG `FF D8 FF`.
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else {
        None
    }
}

/// The length of the PNG in `bytes`: its signature and chunks up to and including `IEND`.
fn png_end(bytes: &[u8]) -> Result<usize, ImageError> {
    let mut at = 8;
    let mut first = true;
    loop {
        let header = bytes.get(at..at + 8).ok_or(ImageError::Malformed)?;
        let len = u32::from_be_bytes(header[..4].try_into().expect("4 bytes")) as usize;
        let kind = &header[4..8];
        if first && kind != b"IHDR" {
            return Err(ImageError::Malformed);
        }
        first = false;
        let next = at
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .filter(|n| *n <= bytes.len())
            .ok_or(ImageError::Malformed)?;
        if kind == b"IEND" {
            return Ok(next);
        }
        at = next;
    }
}

/// The length of the JPEG in `bytes`: its segments and entropy-coded data up to and including
/// `EOI` (`FF D9`).
fn jpeg_end(bytes: &[u8]) -> Result<usize, ImageError> {
    let byte = |i: usize| bytes.get(i).copied().ok_or(ImageError::Malformed);
    let mut at = 2;
    loop {
        if byte(at)? != 0xFF {
            return Err(ImageError::Malformed);
        }
        // Fill bytes: any number of FF before a marker.
        while byte(at)? == 0xFF {
            at += 1;
        }
        let marker = byte(at)?;
        at += 1;
        match marker {
            0xD9 => return Ok(at),
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 => return Err(ImageError::Malformed),
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([byte(at)?, byte(at + 1)?]));
        if len < 2 {
            return Err(ImageError::Malformed);
        }
        at += len;
        if at > bytes.len() {
            return Err(ImageError::Malformed);
        }
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a stuffed zero or a restart.
            loop {
                if byte(at)? == 0xFF {
                    let next = byte(at + 1)?;
                    if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                        at += 2;
                        continue;
                    }
                    break;
                }
                at += 1;
            }
        }
    }
}

/// Checks an upload declared as `declared` for `role` and re-encodes it; see the module's
/// documentation for the order of the checks.
pub fn process(declared: &str, bytes: &[u8], role: ImageRole) -> Result<CleanImage, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    let declared_kind = ImageKind::from_media_type(declared)
        .ok_or_else(|| ImageError::UnsupportedDeclaredType(declared.chars().take(64).collect()))?;
    let kind = sniff(bytes).ok_or(ImageError::NotPngOrJpeg)?;
    if kind != declared_kind {
        return Err(ImageError::TypeMismatch {
            declared: declared_kind,
            sniffed: kind,
        });
    }
    let end = match kind {
        ImageKind::Png => png_end(bytes)?,
        ImageKind::Jpeg => jpeg_end(bytes)?,
    };
    if end != bytes.len() {
        return Err(ImageError::TrailingData);
    }

    let max = role.max_side();
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), kind.format())
        .into_dimensions()
        .map_err(|_| ImageError::Malformed)?;
    if width == 0 || height == 0 {
        return Err(ImageError::Malformed);
    }
    if width > max || height > max {
        return Err(ImageError::TooManyPixels { width, height, max });
    }

    let mut limits = Limits::default();
    limits.max_image_width = Some(max);
    limits.max_image_height = Some(max);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let refused = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => ImageError::DecodeLimit,
        _ => ImageError::Undecodable,
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(refused)?;
    // The bitmap counts against the limit before it is allocated.
    limits.reserve(decoder.total_bytes()).map_err(refused)?;
    // The one piece of metadata that changes how the pixels look: applied, then dropped with
    // the rest.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(refused)?;
    if (pixels.width(), pixels.height()) != (width, height) {
        return Err(ImageError::Malformed);
    }
    pixels.apply_orientation(orientation);
    let (width, height) = (pixels.width(), pixels.height());
    let bytes = encode(pixels, kind)?;
    if bytes.len() > MAX_STORED_BYTES {
        return Err(ImageError::ReencodedTooLarge);
    }
    Ok(CleanImage {
        kind,
        bytes,
        width,
        height,
    })
}

/// The pixels alone, in `kind`'s format: no metadata of any kind is written.
fn encode(pixels: DynamicImage, kind: ImageKind) -> Result<Vec<u8>, ImageError> {
    let mut out = Cursor::new(Vec::new());
    match kind {
        ImageKind::Png => pixels
            .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
            .map_err(|_| ImageError::Undecodable)?,
        ImageKind::Jpeg => {
            // JPEG has no alpha and no 16-bit samples: grey stays grey, the rest is RGB.
            let pixels = match pixels {
                DynamicImage::ImageLuma8(_) => pixels,
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            pixels
                .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                    &mut out, 90,
                ))
                .map_err(|_| ImageError::Undecodable)?
        }
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::new_rgb8(width, height)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::new_rgb8(width, height)
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn structure_walks_find_the_end() {
        let p = png(3, 2);
        assert_eq!(png_end(&p), Ok(p.len()));
        assert_eq!(png_end(&p[..p.len() - 1]), Err(ImageError::Malformed));
        let j = jpeg(3, 2);
        assert_eq!(jpeg_end(&j), Ok(j.len()));
        assert_eq!(jpeg_end(&j[..j.len() - 1]), Err(ImageError::Malformed));
    }

    #[test]
    fn good_images_come_back_re_encoded_with_their_size() {
        for (declared, bytes, kind) in [
            ("image/png", png(30, 20), ImageKind::Png),
            ("image/jpeg", jpeg(30, 20), ImageKind::Jpeg),
        ] {
            let clean = process(declared, &bytes, ImageRole::Logo).unwrap();
            assert_eq!(clean.kind, kind);
            assert_eq!((clean.width, clean.height), (30, 20));
            assert_eq!(sniff(&clean.bytes), Some(kind));
        }
    }

    #[test]
    fn refusals() {
        let p = png(4, 4);
        let mut tail = p.clone();
        tail.extend_from_slice(b"<html><script>alert(1)</script></html>");
        assert_eq!(
            process("image/png", &tail, ImageRole::Logo).unwrap_err(),
            ImageError::TrailingData
        );
        assert!(matches!(
            process("image/jpeg", &p, ImageRole::Logo),
            Err(ImageError::TypeMismatch { .. })
        ));
        assert!(matches!(
            process("image/gif", &p, ImageRole::Logo),
            Err(ImageError::UnsupportedDeclaredType(_))
        ));
        assert_eq!(
            process("image/png", b"GIF89a....", ImageRole::Logo).unwrap_err(),
            ImageError::NotPngOrJpeg
        );
        assert!(matches!(
            process("image/png", &png(600, 10), ImageRole::Favicon),
            Err(ImageError::TooManyPixels { max: 512, .. })
        ));
        let too_large: Vec<u8> = std::iter::repeat_n(0u8, MAX_IMAGE_BYTES + 1).collect();
        assert_eq!(
            process("image/png", &too_large, ImageRole::Logo).unwrap_err(),
            ImageError::TooLarge
        );
    }
}
