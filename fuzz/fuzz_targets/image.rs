//! Fuzzes the branding uploads (`server/src/branding/image.rs`): any bytes, declared as PNG or JPEG, for the logo or the favicon. Never a panic; what is accepted is a whole image of its declared kind within the role's limits, and accepting the re-encoded file again gives the same kind and size.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkshare_server::branding::image::{
    ImageKind, ImageRole, MAX_STORED_BYTES, process, sniff,
};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let declared = ["image/png", "image/jpeg", "image/gif", "text/html"][usize::from(choice & 3)];
    let role = if choice & 4 == 0 {
        ImageRole::Logo
    } else {
        ImageRole::Favicon
    };
    let Ok(clean) = process(declared, bytes, role) else {
        return;
    };
    assert_eq!(Some(clean.kind), sniff(bytes), "the bytes decide the kind");
    assert_eq!(ImageKind::from_media_type(declared), Some(clean.kind));
    assert!(clean.width <= role.max_side() && clean.height <= role.max_side());
    assert!(clean.bytes.len() <= MAX_STORED_BYTES);
    let again = process(clean.kind.media_type(), &clean.bytes, role)
        .expect("a re-encoded image is accepted again");
    assert_eq!(
        (again.kind, again.width, again.height),
        (clean.kind, clean.width, clean.height)
    );
});
