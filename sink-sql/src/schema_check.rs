//! Compares a migrated database with [`crate::tables`]: the same tables, the same columns in
//! the same order with the types the dialect stores them as, and the same set of indexed
//! lookup columns. Each sink reads its catalogue (`PRAGMA table_info`, `information_schema`,
//! ...) into [`FoundTable`]s; this says what differs.

use std::collections::BTreeSet;

use crate::{tables::TABLES, Dialect};

/// One table as the database describes it.
#[derive(Debug, Clone, Default)]
pub struct FoundTable {
    pub name: String,
    /// `(name, type)` in the table's order, the type as the database reports it.
    pub columns: Vec<(String, String)>,
    /// The first column of each index (for an expression index, the column it hashes).
    pub index_first_columns: Vec<String>,
}

/// What differs between `found` and the declared tables, one line each; empty when they
/// match. `found` holds the sink's data tables only (not its migration bookkeeping).
pub fn differences(dialect: &Dialect, found: &[FoundTable]) -> Vec<String> {
    let mut differences = Vec::new();
    let declared: BTreeSet<&str> = TABLES.iter().map(|table| table.name).collect();
    let present: BTreeSet<&str> = found.iter().map(|table| table.name.as_str()).collect();
    for missing in declared.difference(&present) {
        differences.push(format!("table {missing} is missing"));
    }
    for extra in present.difference(&declared) {
        differences.push(format!("table {extra} is not declared"));
    }
    for table in TABLES {
        let Some(found) = found.iter().find(|found| found.name == table.name) else {
            continue;
        };
        let expected: Vec<(String, String)> = table
            .columns
            .iter()
            .map(|column| {
                let ty = dialect.column_type(column.ty);
                (column.name.to_owned(), ty.to_owned())
            })
            .collect();
        if found.columns != expected {
            differences.push(format!(
                "{}: columns {:?}, declared {expected:?}",
                table.name, found.columns
            ));
        }
        let indexed: BTreeSet<&str> = found
            .index_first_columns
            .iter()
            .map(String::as_str)
            .collect();
        let lookups: BTreeSet<&str> = table.lookups.iter().copied().collect();
        if indexed != lookups {
            differences.push(format!(
                "{}: indexes lead with {indexed:?}, declared lookups {lookups:?}",
                table.name
            ));
        }
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn as_declared(dialect: &Dialect) -> Vec<FoundTable> {
        TABLES
            .iter()
            .map(|table| FoundTable {
                name: table.name.to_owned(),
                columns: table
                    .columns
                    .iter()
                    .map(|c| (c.name.to_owned(), dialect.column_type(c.ty).to_owned()))
                    .collect(),
                index_first_columns: table.lookups.iter().map(|l| (*l).to_owned()).collect(),
            })
            .collect()
    }

    #[test]
    fn the_declaration_matches_itself_and_a_drift_is_named() {
        let dialect = Dialect::Sqlite;
        let mut found = as_declared(&dialect);
        assert!(differences(&dialect, &found).is_empty());
        found[0].index_first_columns.retain(|c| c != "ingress_id");
        found[1].columns[7].1 = "TEXT".into();
        found.retain(|table| table.name != "fixer_lease");
        let named = differences(&dialect, &found);
        assert_eq!(named.len(), 3, "{named:?}");
        assert!(named[0].contains("fixer_lease is missing"));
        assert!(named[1].starts_with("events: indexes"));
        assert!(named[2].starts_with("stats: columns"));
    }
}
