//! [`JsonlWriter`]: the crate's only I/O. Opens the file for appending (creating it and its
//! folder), appends a batch's lines in one write, syncs them when `fsync` is set, and cuts a
//! batch that failed halfway back out of the file, so that its retry follows no partial
//! line. Standard output is written and flushed, never synced or cut.

use std::{
    fs::{File, OpenOptions},
    io::{self, Write},
    path::Path,
    sync::{Arc, Mutex, PoisonError},
};

use analytics_core::SinkError;

use crate::{config::Output, error};

/// Appends batches of lines to one output; one batch at a time.
pub(crate) struct JsonlWriter {
    output: Output,
    state: Arc<Mutex<WriterState>>,
}

/// What the blocking file operations share.
struct WriterState {
    output: Output,
    fsync: bool,
    /// The open file: `None` before the first batch and after a failed one, so that a file
    /// removed or replaced meanwhile is opened (created) again rather than written unseen.
    file: Option<File>,
}

/// A failed file operation: what the writer was doing (`open`, `append to`, `sync`) and why.
type Failure = (&'static str, io::Error);

impl JsonlWriter {
    pub(crate) fn new(output: Output, fsync: bool) -> JsonlWriter {
        let state = WriterState {
            output: output.clone(),
            fsync,
            file: None,
        };
        JsonlWriter {
            output,
            state: Arc::new(Mutex::new(state)),
        }
    }

    /// Opens (creates) the file now, so that a path the service cannot write is reported
    /// before the first batch. Idempotent.
    pub(crate) async fn open(&self) -> Result<(), SinkError> {
        self.run(|state| state.open_file().map(|_| ())).await
    }

    /// Appends `lines` (whole lines) and, with `fsync`, syncs them: when this returns `Ok`
    /// the batch is written; when it fails, none of it stays in the file.
    pub(crate) async fn append(&self, lines: Vec<u8>) -> Result<(), SinkError> {
        self.run(move |state| state.append(&lines)).await
    }

    /// Syncs what was written (flushes standard output), whatever `fsync` says: at shutdown.
    pub(crate) async fn sync(&self) -> Result<(), SinkError> {
        self.run(WriterState::sync).await
    }

    /// Runs `job` on the state in a blocking thread, its failure made a [`SinkError`].
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut WriterState) -> Result<T, Failure> + Send + 'static,
    ) -> Result<T, SinkError> {
        let state = self.state.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            job(&mut state)
        })
        .await;
        match done {
            Ok(Ok(value)) => Ok(value),
            Ok(Err((doing, cause))) => Err(error::sink_error(doing, &self.output, cause)),
            Err(join) => Err(SinkError::unavailable(format!(
                "the write to {} did not finish: {join}",
                self.output.describe()
            ))),
        }
    }
}

impl WriterState {
    /// The open file, opened (created, with its folder) if it is not.
    fn open_file(&mut self) -> Result<Option<&mut File>, Failure> {
        let Output::File(path) = &self.output else {
            return Ok(None);
        };
        if self.file.is_none() {
            let file = open_for_append(path, self.fsync).map_err(|cause| ("open", cause))?;
            self.file = Some(file);
        }
        Ok(self.file.as_mut())
    }

    fn append(&mut self, lines: &[u8]) -> Result<(), Failure> {
        let fsync = self.fsync;
        let Some(file) = self.open_file()? else {
            return write_stdout(lines).map_err(|cause| ("write to", cause));
        };
        let appended = append_to_file(file, lines, fsync);
        if appended.is_err() {
            self.file = None;
        }
        appended.map_err(|cause| ("append to", cause))
    }

    fn sync(&mut self) -> Result<(), Failure> {
        match &self.file {
            Some(file) if is_regular(file) => file.sync_data().map_err(|cause| ("sync", cause)),
            Some(_) => Ok(()),
            None if self.output == Output::Stdout => {
                io::stdout().flush().map_err(|cause| ("flush", cause))
            }
            None => Ok(()),
        }
    }
}

/// Opens `path` for appending, creating it and its folder; with `fsync`, a file it creates
/// is made durable in its folder too.
fn open_for_append(path: &Path, fsync: bool) -> io::Result<File> {
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty());
    if let Some(folder) = folder.filter(|folder| !folder.is_dir()) {
        std::fs::create_dir_all(folder).map_err(|error| match error.kind() {
            // A file stands where a folder of the path should be.
            io::ErrorKind::AlreadyExists => io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a folder", folder.display()),
            ),
            _ => error,
        })?;
    }
    let existed = path.exists();
    let file = OpenOptions::new().append(true).create(true).open(path)?;
    if fsync && !existed {
        File::open(folder.unwrap_or(Path::new(".")))?.sync_all()?;
    }
    Ok(file)
}

/// Appends `lines` in one write and, with `fsync`, syncs them; on failure cuts the file back
/// to its length before the write. Only a regular file is synced or cut (a pipe or a device
/// can be neither).
fn append_to_file(file: &mut File, lines: &[u8], fsync: bool) -> io::Result<()> {
    let metadata = file.metadata()?;
    let regular = metadata.is_file();
    let written = file.write_all(lines).and_then(|()| {
        if fsync && regular {
            file.sync_data()
        } else {
            Ok(())
        }
    });
    if written.is_err() && regular {
        if let Err(error) = file.set_len(metadata.len()) {
            tracing::warn!(error = %error, "cannot cut a failed batch back out of the JSON-lines file: part of it may stay before its retry");
        }
    }
    written
}

fn write_stdout(lines: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(lines)?;
    stdout.flush()
}

fn is_regular(file: &File) -> bool {
    file.metadata().is_ok_and(|metadata| metadata.is_file())
}

#[cfg(test)]
mod tests {
    use analytics_core::RetryClass;

    use super::*;

    #[tokio::test]
    async fn a_full_disk_is_retried_and_the_file_is_reopened_after() {
        let full = Path::new("/dev/full");
        if !full.exists() {
            eprintln!("SKIPPED: no /dev/full on this system");
            return;
        }
        let writer = JsonlWriter::new(Output::File(full.to_owned()), true);
        writer.open().await.expect("/dev/full opens");
        let error = writer
            .append(b"{}\n".to_vec())
            .await
            .expect_err("no space left");
        assert_eq!(error.class(), RetryClass::Retry, "{error}");
        assert!(
            error.to_string().contains("cannot append to /dev/full"),
            "{error}"
        );
        let state = writer.state.lock().expect("not poisoned");
        assert!(state.file.is_none(), "a failed file is reopened next time");
    }

    #[tokio::test]
    async fn batches_are_appended_to_what_the_file_held() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("nested/records.jsonl");
        std::fs::create_dir_all(dir.path().join("nested")).expect("folder");
        std::fs::write(&path, "{\"before\":true}\n").expect("written");
        let writer = JsonlWriter::new(Output::File(path.clone()), false);
        writer
            .append(b"{\"a\":1}\n".to_vec())
            .await
            .expect("appended");
        writer
            .append(b"{\"b\":2}\n".to_vec())
            .await
            .expect("appended");
        writer.sync().await.expect("synced");
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(text, "{\"before\":true}\n{\"a\":1}\n{\"b\":2}\n");
    }
}
