//! The dashboard's static files (analytics-bin/dashboard/: HTML, CSS, ES modules, the
//! vendored uPlot), embedded in the binary at compile time with `include_bytes!`: the
//! service needs no files beside it and no Node build.

use axum::{
    extract::Path,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

/// One embedded file, served at `/assets/<path>` (`index.html` at `/`).
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $content_type:literal) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/dashboard/", $path)),
        }
    };
}

/// Every file of analytics-bin/dashboard/ (a test checks that none is missing).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("js/main.js", "text/javascript; charset=utf-8"),
    asset!("js/api.js", "text/javascript; charset=utf-8"),
    asset!("js/dom.js", "text/javascript; charset=utf-8"),
    asset!("js/time.js", "text/javascript; charset=utf-8"),
    asset!("js/sign_in.js", "text/javascript; charset=utf-8"),
    asset!("js/shell.js", "text/javascript; charset=utf-8"),
    asset!("js/views.js", "text/javascript; charset=utf-8"),
    asset!("js/chart.js", "text/javascript; charset=utf-8"),
    asset!("js/format.js", "text/javascript; charset=utf-8"),
    asset!("js/route.js", "text/javascript; charset=utf-8"),
    asset!("js/range.js", "text/javascript; charset=utf-8"),
    asset!("js/table.js", "text/javascript; charset=utf-8"),
    asset!("js/view_state.js", "text/javascript; charset=utf-8"),
    asset!("js/overview.js", "text/javascript; charset=utf-8"),
    asset!("js/sessions.js", "text/javascript; charset=utf-8"),
    asset!("js/session.js", "text/javascript; charset=utf-8"),
    asset!("js/timeline.js", "text/javascript; charset=utf-8"),
    asset!("js/tracks.js", "text/javascript; charset=utf-8"),
    asset!("js/events.js", "text/javascript; charset=utf-8"),
    asset!("js/participant.js", "text/javascript; charset=utf-8"),
    asset!(
        "vendor/uplot/uPlot.esm.js",
        "text/javascript; charset=utf-8"
    ),
    asset!("vendor/uplot/uPlot.min.css", "text/css; charset=utf-8"),
    asset!("vendor/uplot/LICENSE", "text/plain; charset=utf-8"),
];

fn serve(asset: &Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            // The files change with the binary: the browser asks again each time.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        asset.body,
    )
        .into_response()
}

/// `GET /`: the page shell.
pub async fn index() -> Response {
    match ASSETS.iter().find(|asset| asset.path == "index.html") {
        Some(asset) => serve(asset),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `GET /assets/{*path}`: one embedded file, or 404.
pub async fn file(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.path == path) {
        Some(asset) => serve(asset),
        None => (StatusCode::NOT_FOUND, "no such dashboard file\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::ASSETS;

    fn files_under(dir: &Path, root: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("dashboard folder readable") {
            let path: PathBuf = entry.expect("entry").path();
            if path.is_dir() {
                files_under(&path, root, found);
            } else if let Ok(relative) = path.strip_prefix(root) {
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }

    #[test]
    fn every_file_of_the_dashboard_folder_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboard");
        let mut found = Vec::new();
        files_under(&root, &root, &mut found);
        let missing: Vec<&String> = found
            .iter()
            .filter(|file| !ASSETS.iter().any(|asset| asset.path == file.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "add to ASSETS in assets.rs: {missing:?}"
        );
    }
}
