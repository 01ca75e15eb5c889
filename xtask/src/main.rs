//! `cargo xtask`: builds the page's WebAssembly reproducibly into `web/pkg` and checks the committed copy.
//!
//! The server embeds `web/` (the WASM and its JS glue included), so serving the page needs only
//! `cargo run`. This tool is how that copy is made and proved: `wasm` rebuilds it from source,
//! `check-wasm` rebuilds it elsewhere and fails unless every byte equals the committed files.
//! Paths are remapped during the build, so the bytes do not depend on the machine or checkout.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, Result, bail};

const USAGE: &str = "\
Project tasks (run as `cargo xtask TASK`):

  wasm [--out-dir DIR]   build the protocol crate to WebAssembly and its JS glue into DIR
                         (default: web/pkg, the copy the server embeds and the repository holds)
  check-wasm             rebuild into a scratch directory and fail unless the bytes equal web/pkg
  compare DIR1 DIR2      fail unless both directories hold the same files with the same bytes
  target-dir             print the cargo target directory (honours CARGO_TARGET_DIR and config)

The build remaps the workspace and cargo home paths, so the same source gives the same bytes on
any machine; `check-wasm` is what the test suite runs to prove the committed web/pkg.";

/// The crate compiled to WebAssembly, and the file name cargo gives its output.
const WASM_CRATE: &str = "zkshare-crypto";
const WASM_FILE: &str = "zkshare_crypto.wasm";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The modules built from it: (cargo features, the name of the module in web/pkg). The share
/// pages load the first; the request pages load the second, so HPKE costs the share pages
/// nothing. The crate is built once per module, one after the other.
const MODULES: [(&str, &str); 2] = [
    ("wasm", "zkshare_crypto"),
    ("wasm-requests", "zkshare_requests"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("wasm") => {
            let layout = Layout::from_cargo()?;
            let out_dir = match args.get(1).map(String::as_str) {
                None => layout.workspace_root.join("web/pkg"),
                Some("--out-dir") => {
                    PathBuf::from(args.get(2).context("--out-dir needs a directory")?)
                }
                Some(other) => bail!("unknown argument {other:?}\n\n{USAGE}"),
            };
            build_wasm(&layout, &out_dir)?;
            for file in list_files(&out_dir)? {
                let len = std::fs::metadata(out_dir.join(&file))?.len();
                println!("{len:>9}  {}", out_dir.join(&file).display());
            }
            Ok(())
        }
        Some("check-wasm") => {
            let layout = Layout::from_cargo()?;
            let scratch = layout.target_dir.join("xtask").join("pkg-check");
            if scratch.exists() {
                std::fs::remove_dir_all(&scratch)
                    .with_context(|| format!("clearing {}", scratch.display()))?;
            }
            build_wasm(&layout, &scratch)?;
            let committed = layout.workspace_root.join("web/pkg");
            compare_dirs(&committed, &scratch)?;
            println!(
                "web/pkg matches a build from source ({})",
                scratch.display()
            );
            Ok(())
        }
        Some("compare") => match (args.get(1), args.get(2)) {
            (Some(a), Some(b)) => compare_dirs(Path::new(a), Path::new(b)),
            _ => bail!("compare needs two directories\n\n{USAGE}"),
        },
        Some("target-dir") => {
            println!("{}", Layout::from_cargo()?.target_dir.display());
            Ok(())
        }
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}

/// Where the workspace and its build output are, as cargo itself reports them.
struct Layout {
    workspace_root: PathBuf,
    target_dir: PathBuf,
}

impl Layout {
    fn from_cargo() -> Result<Self> {
        let output = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .context("running `cargo metadata`")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("parsing `cargo metadata`")?;
        let path = |key: &str| -> Result<PathBuf> {
            meta[key]
                .as_str()
                .map(PathBuf::from)
                .with_context(|| format!("`cargo metadata` has no {key}"))
        };
        Ok(Self {
            workspace_root: path("workspace_root")?,
            target_dir: path("target_directory")?,
        })
    }
}

/// The cargo that runs this task (set by `cargo run`), or the one on PATH.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Builds every module of [`MODULES`] into `out_dir`.
fn build_wasm(layout: &Layout, out_dir: &Path) -> Result<()> {
    for (features, name) in MODULES {
        build_module(layout, out_dir, features, name)?;
    }
    Ok(())
}

/// Compiles the protocol crate for wasm32 with `features` and remapped paths, then runs the
/// wasm-bindgen step (`--target web`, no TypeScript) into `out_dir` as module `name`.
fn build_module(layout: &Layout, out_dir: &Path, features: &str, name: &str) -> Result<()> {
    let cargo_home = match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            PathBuf::from(std::env::var_os("HOME").context("neither CARGO_HOME nor HOME is set")?)
                .join(".cargo")
        }
    };
    // The only flags of this build: they replace any RUSTFLAGS of the caller's environment, which
    // would otherwise change the bytes. CARGO_ENCODED_RUSTFLAGS takes precedence over RUSTFLAGS.
    let rustflags = [
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!(
            "--remap-path-prefix={}=/zkshare",
            layout.workspace_root.display()
        ),
    ]
    .join("\u{1f}");
    eprintln!(
        "==> cargo build -p {WASM_CRATE} --target {WASM_TARGET} --release --features {features}"
    );
    let status = Command::new(cargo())
        .current_dir(&layout.workspace_root)
        .args([
            "build",
            "-p",
            WASM_CRATE,
            "--target",
            WASM_TARGET,
            "--release",
            "--features",
            features,
        ])
        .env("CARGO_TARGET_DIR", &layout.target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags)
        .env_remove("RUSTFLAGS")
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("building {WASM_CRATE} for {WASM_TARGET} failed");
    }
    let wasm = layout
        .target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(WASM_FILE);

    eprintln!(
        "==> wasm-bindgen {} --target web --no-typescript --remove-name-section --out-name {name} --out-dir {}",
        wasm.display(),
        out_dir.display()
    );
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    // Every option set to what the wasm-bindgen CLI passes for `--target web --no-typescript
    // --remove-name-section`, so this gives the same bytes as that CLI at the same version. The
    // name section only names functions in a stack trace; it is 8 KB of the page's gzip budget.
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    // `reference_types` is deprecated (auto-detected), but the CLI still sets it, overriding the
    // WASM_BINDGEN_EXTERNREF environment variable; so does this, to stay byte-identical.
    #[allow(deprecated)]
    bindgen
        .input_path(&wasm)
        .web(true)?
        .debug(false)
        .demangle(true)
        .keep_lld_exports(false)
        .keep_debug(false)
        .remove_name_section(true)
        .out_name(name)
        .remove_producers_section(false)
        .typescript(false)
        .omit_imports(false)
        .omit_default_module_path(false)
        .split_linked_modules(false)
        .reference_types(false)
        .reset_state_function(false);
    bindgen
        .generate(out_dir)
        .with_context(|| format!("wasm-bindgen into {}", out_dir.display()))?;
    Ok(())
}

/// File names directly inside `dir`, sorted.
fn list_files(dir: &Path) -> Result<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            names.insert(entry.file_name().to_string_lossy().into_owned());
        }
    }
    Ok(names)
}

/// Fails unless both directories hold the same files with the same bytes.
fn compare_dirs(committed: &Path, built: &Path) -> Result<()> {
    let (want, got) = (list_files(committed)?, list_files(built)?);
    let mut problems = Vec::new();
    for name in want.symmetric_difference(&got) {
        let side = if want.contains(name) {
            "only in web/pkg"
        } else {
            "only in the fresh build"
        };
        problems.push(format!("{name}: {side}"));
    }
    for name in want.intersection(&got) {
        let (a, b) = (
            std::fs::read(committed.join(name))?,
            std::fs::read(built.join(name))?,
        );
        if a != b {
            let at = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            problems.push(format!(
                "{name}: differs ({} vs {} bytes, first at offset {at})",
                a.len(),
                b.len()
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "web/pkg is not what the source builds:\n  {}\nRebuild it with `cargo xtask wasm` and commit the result.",
        problems.join("\n  ")
    )
}
