//! A small tmpfs a fault test mounts for itself (the test runs as root), unmounted when
//! dropped: a file system that really fills up.

use std::{io::Write, path::Path, process::Command};

pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount -o size=...`, e.g. `"5m"`). Where that is not
    /// possible: panics when `CI` is set, else returns `None` after saying why.
    pub fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("temp dir");
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output();
        match output {
            Ok(output) if output.status.success() => Some(Tmpfs { dir }),
            other => {
                let why = match other {
                    Ok(output) => String::from_utf8_lossy(&output.stderr).into_owned(),
                    Err(error) => error.to_string(),
                };
                assert!(
                    std::env::var_os("CI").is_none(),
                    "cannot mount a tmpfs for the full-disk test (it needs root): {why}"
                );
                eprintln!("SKIPPED: cannot mount a tmpfs (needs root): {why}");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `bytes` of zeros to `name` in the tmpfs (stopping early if it fills).
    pub fn write_filler(&self, name: &str, bytes: usize) {
        let mut file = std::fs::File::create(self.path().join(name)).expect("filler file");
        let chunk = vec![0u8; 64 * 1024];
        let mut written = 0;
        while written < bytes {
            let size = chunk.len().min(bytes - written);
            if file.write_all(&chunk[..size]).is_err() {
                return;
            }
            written += size;
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let status = Command::new("umount").arg(self.dir.path()).status();
        if !status.is_ok_and(|s| s.success()) {
            let _ = Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}
