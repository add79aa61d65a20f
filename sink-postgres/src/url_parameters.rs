//! The connection URL's query parameters that sqlx does not know are taken out before sqlx
//! parses it: sqlx logs each unknown parameter *with its value* at WARN, and values such as
//! `sslpassword=...` are secrets. The sink reports them by name only.

/// Parameters sqlx's PostgreSQL URL parser understands (sqlx-postgres `options/parse.rs`).
const KNOWN: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

fn is_known(name: &str) -> bool {
    KNOWN.contains(&name) || (name.starts_with("options[") && name.ends_with(']'))
}

/// The URL keeping only the parameters sqlx knows, and the names of those taken out.
pub(crate) fn known_parameters_only(url: &str) -> (String, Vec<String>) {
    let Some(query_start) = url.find('?') else {
        return (url.to_owned(), Vec::new());
    };
    let (base, query) = (&url[..query_start], &url[query_start + 1..]);
    let (query, fragment) = match query.find('#') {
        Some(at) => query.split_at(at),
        None => (query, ""),
    };
    let mut kept = Vec::new();
    let mut ignored = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        if is_known(name) {
            kept.push(pair);
        } else {
            ignored.push(name.to_owned());
        }
    }
    let url = if kept.is_empty() {
        format!("{base}{fragment}")
    } else {
        format!("{base}?{}{fragment}", kept.join("&"))
    };
    (url, ignored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_parameters_are_taken_out_by_name() {
        let (url, ignored) = known_parameters_only(
            "postgres://h/db?user=u&password=p&sslpassword=s3cret&sslmode=disable&options[search_path]=x",
        );
        assert_eq!(
            url,
            "postgres://h/db?user=u&password=p&sslmode=disable&options[search_path]=x"
        );
        assert_eq!(ignored, ["sslpassword"]);
        let (url, ignored) = known_parameters_only("postgres://h/db?apikey=k");
        assert_eq!(url, "postgres://h/db");
        assert_eq!(ignored, ["apikey"]);
        let (url, ignored) = known_parameters_only("postgres://u:p@h/db");
        assert_eq!(url, "postgres://u:p@h/db");
        assert!(ignored.is_empty());
    }
}
