//! Structured logs with `tracing`: human-readable by default, JSON lines with
//! `LKA_LOG_FORMAT=json`; level from `RUST_LOG` (default `info`); colours only when stderr
//! is a terminal (and `NO_COLOR` is unset). Every line passes through
//! the URL masker on its way to stderr, so a connection string quoted by any crate (a
//! driver's error, a library's warning) leaves with its credentials masked.

use std::io::{self, IsTerminal, Write};

use analytics_core::config::mask_url;
use tracing_subscriber::{fmt::MakeWriter, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let colours = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .with_writer(MaskedStderr);
    if std::env::var("LKA_LOG_FORMAT").is_ok_and(|format| format == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Makes [`MaskedLine`] writers: the formatter hands each a whole event in one write.
struct MaskedStderr;

impl<'a> MakeWriter<'a> for MaskedStderr {
    type Writer = MaskedLine;

    fn make_writer(&'a self) -> MaskedLine {
        MaskedLine
    }
}

/// Writes to stderr with every URL's credentials masked.
struct MaskedLine;

impl Write for MaskedLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        if text.contains("://") {
            io::stderr().write_all(mask_url(&text).as_bytes())?;
        } else {
            io::stderr().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}
