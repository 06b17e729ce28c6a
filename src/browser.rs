//! Printing an HTML document to PDF through a headless Chromium found on `PATH`
//! (`chromium`, `chromium-browser` or `google-chrome`). The browser runs with a fresh
//! profile in a private temporary directory, without sandbox, GPU, network services or
//! updates, and is stopped if it does not finish in time; nothing of it is left behind.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::BreachError;

/// The names looked for on `PATH`, in order.
pub const BROWSERS: &[&str] = &["chromium", "chromium-browser", "google-chrome"];

/// How long the browser may take to print one report.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The first of [`BROWSERS`] found as an executable file on `path` (the value of `PATH`).
pub fn find(path: Option<&OsStr>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dirs: Vec<PathBuf> = path.map(|p| std::env::split_paths(p).collect())?;
    BROWSERS.iter().find_map(|name| {
        dirs.iter().map(|d| d.join(name)).find(|c| {
            std::fs::metadata(c).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// The error when no browser is found: the package to install and the HTML alternative.
pub fn missing() -> anyhow::Error {
    BreachError::MissingProgram(format!(
        "no headless Chromium found on PATH (looked for {}); install it (on Debian and Ubuntu: `apt-get install chromium`), or export HTML with `--format html` and print it from a browser",
        BROWSERS.join(", ")
    ))
    .into()
}

/// Prints `html` to PDF with the browser at `browser`; returns the PDF's bytes.
pub fn print_pdf(browser: &Path, html: &str) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::Builder::new().prefix("breach-pdf-").tempdir()?;
    let page = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&page, html)?;
    let mut print_to = std::ffi::OsString::from("--print-to-pdf=");
    print_to.push(&pdf);
    let mut profile = std::ffi::OsString::from("--user-data-dir=");
    profile.push(dir.path().join("profile"));
    let mut url = std::ffi::OsString::from("file://");
    url.push(&page);
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--no-pdf-header-footer",
        ])
        .arg(&profile)
        .arg(&print_to)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", browser.display()))?;
    // Read stderr on its own thread so a chatty browser cannot fill the pipe and stall.
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_string(&mut text);
        }
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(anyhow::anyhow!(
                "{} did not finish printing the PDF within {} seconds; it was stopped",
                browser.display(),
                TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = reader.join().unwrap_or_default();
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    if !status.success() || !bytes.starts_with(b"%PDF-") {
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        return Err(anyhow::anyhow!(
            "{} did not print the PDF ({status}){}",
            browser.display(),
            if tail.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
                )
            }
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_is_found_on_the_path_in_order_and_must_be_executable() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().expect("temp dir");
        let b = tempfile::tempdir().expect("temp dir");
        let make = |dir: &Path, name: &str, mode: u32| {
            let p = dir.join(name);
            std::fs::write(&p, "#!/bin/sh\n").expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
            p
        };
        let path = std::env::join_paths([a.path(), b.path()]).expect("a PATH");
        assert_eq!(find(Some(&path)), None);
        make(a.path(), "google-chrome", 0o755);
        make(b.path(), "chromium", 0o644);
        assert_eq!(find(Some(&path)), Some(a.path().join("google-chrome")));
        let chromium = make(b.path(), "chromium", 0o755);
        assert_eq!(find(Some(&path)), Some(chromium));
        assert_eq!(find(None), None);
    }

    #[test]
    fn the_missing_browser_error_names_the_package_and_the_html_alternative() {
        let e = missing();
        assert_eq!(
            crate::error::status_of(&e),
            crate::error::ExitStatus::MissingProgram
        );
        let text = e.to_string();
        assert!(text.contains("apt-get install chromium"), "{text}");
        assert!(text.contains("--format html"), "{text}");
    }
}
