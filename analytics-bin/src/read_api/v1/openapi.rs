//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of the read API (`/v1/` and the
//! Cloud-compatible endpoints) and of `POST /v1/client/stats`, kept beside the code in
//! `openapi.json` and served as it is, without credentials.

use axum::http::header;
use axum::response::IntoResponse;

/// The document, as committed.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`.
pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::OPENAPI_JSON;

    fn document() -> Value {
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json is JSON")
    }

    fn served_paths() -> BTreeSet<String> {
        let v1 = super::super::routes().into_iter().map(|(path, _)| path);
        let cloud = super::super::super::cloud_routes()
            .into_iter()
            .map(|(path, _)| path);
        v1.chain(cloud)
            .chain([crate::client_stats::PATH])
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_document_is_openapi_3_1() {
        let document = document();
        assert_eq!(document["openapi"], "3.1.0");
        assert!(document["info"]["title"].is_string());
        assert!(document["info"]["version"].is_string());
    }

    #[test]
    fn every_served_route_is_documented_and_nothing_else() {
        let document = document();
        let documented: BTreeSet<String> = document["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .cloned()
            .collect();
        assert_eq!(documented, served_paths());
        for (path, item) in document["paths"].as_object().expect("paths") {
            let method = if path == crate::client_stats::PATH {
                "post"
            } else {
                "get"
            };
            assert!(item[method].is_object(), "{path} documents its {method}");
        }
    }

    #[test]
    fn every_reference_resolves() {
        let document = document();
        let mut pending = vec![&document];
        while let Some(value) = pending.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        let pointer = target.strip_prefix('#').expect("a local $ref");
                        assert!(document.pointer(pointer).is_some(), "{target} resolves");
                    }
                    pending.extend(map.values());
                }
                Value::Array(items) => pending.extend(items),
                _ => {}
            }
        }
    }

    #[test]
    fn every_path_parameter_is_declared() {
        let document = document();
        for (path, item) in document["paths"].as_object().expect("paths") {
            let declared: BTreeSet<String> = item["get"]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|parameter| {
                    let parameter = match parameter.get("$ref").and_then(Value::as_str) {
                        Some(target) => document.pointer(&target[1..])?,
                        None => parameter,
                    };
                    (parameter["in"] == "path").then(|| parameter["name"].as_str())?
                })
                .map(str::to_owned)
                .collect();
            let in_path: BTreeSet<String> = path
                .split('/')
                .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_owned)
                .collect();
            assert_eq!(declared, in_path, "{path}");
        }
    }
}
