//! Durable per-sink cursors: the sequence number of the next record a sink has not written,
//! in `cursors/<sink>`, replaced atomically (write, fsync, rename).

use std::{
    collections::HashMap,
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

pub(crate) struct Cursors {
    dir: PathBuf,
    positions: HashMap<String, u64>,
}

impl Cursors {
    /// Loads every cursor file in `dir/cursors`.
    pub(crate) fn load(dir: &Path) -> io::Result<Cursors> {
        let dir = dir.join("cursors");
        fs::create_dir_all(&dir)?;
        let mut positions = HashMap::new();
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.ends_with(".tmp") {
                continue;
            }
            let text = fs::read_to_string(&path)?;
            match text.trim().parse::<u64>() {
                Ok(position) => {
                    positions.insert(name.to_owned(), position);
                }
                Err(_) => {
                    tracing::error!(cursor = %path.display(), "unreadable cursor file ignored")
                }
            }
        }
        Ok(Cursors { dir, positions })
    }

    pub(crate) fn get(&self, sink: &str) -> Option<u64> {
        self.positions.get(sink).copied()
    }

    /// The highest cursor of any sink (0 with none).
    pub(crate) fn max(&self) -> u64 {
        self.positions.values().copied().max().unwrap_or(0)
    }

    /// The lowest cursor of any sink, if any is saved.
    pub(crate) fn min(&self) -> Option<u64> {
        self.positions.values().copied().min()
    }

    /// Stores a sink's cursor durably.
    pub(crate) fn set(&mut self, sink: &str, position: u64) -> io::Result<()> {
        let path = self.dir.join(sink);
        let temporary = self.dir.join(format!("{sink}.tmp"));
        let mut file = fs::File::create(&temporary)?;
        file.write_all(position.to_string().as_bytes())?;
        file.sync_data()?;
        fs::rename(&temporary, &path)?;
        self.positions.insert(sink.to_owned(), position);
        Ok(())
    }
}
