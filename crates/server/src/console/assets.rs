//! The console's files, compiled into the binary (no CDN: it works offline), and the headers
//! every console page is served with.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The page a signed-in browser gets; its script draws everything else from the API.
pub(super) const SHELL: &str = include_str!("../../console/index.html");
const SCRIPT: &str = include_str!("../../console/app.js");
const STYLE: &str = include_str!("../../console/app.css");

/// Scripts and styles from this origin only; no framing (clickjacking), no inline script.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; \
                      style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
                      form-action 'self'; base-uri 'none'";

/// An HTML page of the console, with its security headers.
pub(super) fn page(html: &str) -> Response {
    with_headers(html.to_owned(), "text/html; charset=utf-8")
}

/// `/console/assets/{file}`.
pub(super) async fn serve(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "app.js" => with_headers(SCRIPT.to_owned(), "text/javascript; charset=utf-8"),
        "app.css" => with_headers(STYLE.to_owned(), "text/css; charset=utf-8"),
        _ => crate::api::error::ApiError::for_status(StatusCode::NOT_FOUND).into_response(),
    }
}

fn with_headers(body: String, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The sign-in page: one labelled field for the key, and the form's double-submit token.
pub(super) fn sign_in_page(form_token: &str, error: Option<&str>) -> String {
    let error = error.map_or_else(String::new, |e| format!(r#"<p class="error" role="alert">{}</p>"#, escape(e)));
    SIGN_IN.replace("{{error}}", &error).replace("{{form_token}}", &escape(form_token))
}

const SIGN_IN: &str = include_str!("../../console/sign-in.html");

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
