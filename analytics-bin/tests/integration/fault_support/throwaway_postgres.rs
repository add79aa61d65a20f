//! A PostgreSQL server of a test's own — Debian's `initdb` and `pg_ctl`, its own data folder
//! and loopback port, run as the `postgres` user when the test runs as root — that the test
//! may stop and start again. The machine's shared server is never touched.

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::{Path, PathBuf},
    process::Command,
};

use crate::support::free_port;

pub struct ThrowawayPostgres {
    bin: PathBuf,
    /// Holds the data folder; removed on drop.
    _root: tempfile::TempDir,
    data: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl ThrowawayPostgres {
    /// Creates and starts a server. Without Debian's PostgreSQL binaries: panics when `CI`
    /// is set, else returns `None` after saying how to get them.
    pub fn start() -> Option<ThrowawayPostgres> {
        let Some(bin) = debian_bin_dir() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "no /usr/lib/postgresql/*/bin/initdb: in CI scripts/servers/postgres.sh installs Debian's postgresql"
            );
            eprintln!("SKIPPED: no /usr/lib/postgresql/*/bin/initdb; `source scripts/servers/postgres.sh` installs it.");
            return None;
        };
        let as_postgres_user = std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(1)
            == 0;
        let root = tempfile::tempdir().expect("a temporary folder");
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let data = root.path().join("data");
        std::fs::create_dir(&data).expect("data folder");
        if as_postgres_user {
            let status = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&data)
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown postgres {}", data.display());
        }
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        let server = ThrowawayPostgres {
            bin,
            _root: root,
            data,
            port: free_port(),
            as_postgres_user,
        };
        let data_arg = server.data.display().to_string();
        server.run(
            "initdb",
            &[
                "-D",
                &data_arg,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        server.start_again();
        Some(server)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (`pg_ctl stop -m fast`): every connection is closed and refused.
    pub fn stop(&self) {
        let data = self.data.display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &data, "-m", "fast", "-w", "-t", "60", "stop"],
        );
    }

    /// Starts the server (again) on the same port and data, waiting until it accepts.
    pub fn start_again(&self) {
        let data = self.data.display().to_string();
        let log = self.data.join("server.log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            self.port, data
        );
        self.run(
            "pg_ctl",
            &[
                "-D", &data, "-l", &log, "-o", &options, "-w", "-t", "60", "start",
            ],
        );
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program_path = self.bin.join(program);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program_path);
            command
        } else {
            Command::new(&program_path)
        };
        let output = command
            .args(args)
            .current_dir("/")
            .output()
            .unwrap_or_else(|error| panic!("{program} runs: {error}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed: {}\n{}\nserver log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default()
        );
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let program = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        let _ = command
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .current_dir("/")
            .output();
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`.
fn debian_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(Path::new("/usr/lib/postgresql"))
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
