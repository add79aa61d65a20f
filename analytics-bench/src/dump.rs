//! `--dump-records FILE`: writes every converted record of the dataset (one JSON line
//! each, columns and document), so that an optimisation of the conversion can be checked
//! to store byte-for-byte what it stored before.

use std::{fs::File, io::BufWriter, io::Write, path::Path};

use crate::dataset::Dataset;

pub fn write(dataset: &Dataset, path: &Path) -> Result<(), String> {
    let file = File::create(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let mut out = BufWriter::new(file);
    for record in &dataset.records {
        let mut columns = record.clone();
        // The conversion time differs from run to run; everything else must not.
        columns.expire_at_ms = 0;
        let document = std::mem::take(&mut columns.document_json);
        writeln!(out, "{columns:?}\t{document}")
            .map_err(|error| format!("{}: {error}", path.display()))?;
    }
    out.flush()
        .map_err(|error| format!("{}: {error}", path.display()))
}
