//! `zkshare-server print-asset-hashes` prints the asset manifest, and the older `--print-asset-hashes` flag prints the same.

use std::process::Command;

fn run(arg: &str) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_zkshare-server"))
        .arg(arg)
        .env_remove("ZKSHARE_WEB_DIR")
        .output()
        .expect("run zkshare-server");
    assert!(out.status.success(), "{arg}: {out:?}");
    out.stdout
}

#[test]
fn the_subcommand_and_the_older_flag_print_the_same_manifest() {
    let subcommand = run("print-asset-hashes");
    let manifest: serde_json::Value = serde_json::from_slice(&subcommand).expect("JSON");
    assert!(
        manifest.as_object().is_some_and(|m| !m.is_empty())
            || manifest.as_array().is_some_and(|a| !a.is_empty()),
        "{manifest}"
    );
    assert_eq!(run("--print-asset-hashes"), subcommand);
}
