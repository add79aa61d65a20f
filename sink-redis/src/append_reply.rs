//! Reading the append script's answer (see [`crate::scripts`]): it names only the records
//! it did not add, as `(position from 1, status)` pairs, so every other record of the call
//! was added.

use redis::Value;

/// What the append script did with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendStatus {
    Added,
    /// Its marker was already there: stored before.
    Duplicate,
    /// Redis refused the record's `XADD`; the server's error text.
    Refused(String),
}

/// The status of each of the `records` records of one script call, in order, or `None`
/// when the answer is not of the script's shape (then nothing is known of any record).
pub fn append_statuses(reply: &Value, records: usize) -> Option<Vec<AppendStatus>> {
    let Value::Array(items) = reply else {
        return None;
    };
    if items.len() % 2 != 0 {
        return None;
    }
    let mut statuses = vec![AppendStatus::Added; records];
    for pair in items.chunks_exact(2) {
        let position = match &pair[0] {
            Value::Int(position) => usize::try_from(*position).ok()?,
            _ => return None,
        };
        let text: String = redis::from_redis_value_ref(&pair[1]).ok()?;
        let status = match text.split_at_checked(1) {
            Some(("=", _)) => AppendStatus::Duplicate,
            Some(("!", reason)) => AppendStatus::Refused(reason.to_owned()),
            _ => return None,
        };
        *statuses.get_mut(position.checked_sub(1)?)? = status;
    }
    Some(statuses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Value {
        Value::BulkString(value.as_bytes().to_vec())
    }

    #[test]
    fn records_not_named_were_added() {
        assert_eq!(
            append_statuses(&Value::Array(vec![]), 3),
            Some(vec![AppendStatus::Added; 3])
        );
    }

    #[test]
    fn named_records_are_duplicates_or_refused() {
        let reply = Value::Array(vec![
            Value::Int(1),
            text("=1700000000000-0"),
            Value::Int(3),
            text("!WRONGTYPE Operation against a key"),
        ]);
        assert_eq!(
            append_statuses(&reply, 3),
            Some(vec![
                AppendStatus::Duplicate,
                AppendStatus::Added,
                AppendStatus::Refused("WRONGTYPE Operation against a key".into()),
            ])
        );
    }

    #[test]
    fn an_answer_of_another_shape_says_nothing() {
        assert_eq!(append_statuses(&text("OK"), 1), None);
        assert_eq!(append_statuses(&Value::Array(vec![Value::Int(1)]), 1), None);
        let beyond = Value::Array(vec![Value::Int(4), text("=1-0")]);
        assert_eq!(append_statuses(&beyond, 3), None);
        let zero = Value::Array(vec![Value::Int(0), text("=1-0")]);
        assert_eq!(append_statuses(&zero, 3), None);
        let unknown = Value::Array(vec![Value::Int(1), text("?")]);
        assert_eq!(append_statuses(&unknown, 1), None);
    }
}
