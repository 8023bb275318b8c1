//! The Mini App's pages under `/app/`: the customer's booking page and the
//! staff grid (`/app/staff/`), plain files compiled into the
//! binary (no Node.js to build or run), served with a Content-Security-
//! Policy that allows nothing from another host and no inline script.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const INDEX: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/style.css");
const STAFF: &str = include_str!("../assets/staff.html");
const STAFF_JS: &str = include_str!("../assets/staff.js");
const TELEGRAM_JS: &str = include_str!("../assets/telegram.js");

/// The pages' policy: their own scripts, styles and API only; framed only
/// by Telegram's web client (the apps embed it in a web view).
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors https://web.telegram.org";

/// Every asset, by path, with its content type: for the size check.
pub const ASSETS: [(&str, &str, &str); 6] = [
    ("/app/", "text/html; charset=utf-8", INDEX),
    ("/app/app.js", "text/javascript; charset=utf-8", APP_JS),
    ("/app/style.css", "text/css; charset=utf-8", STYLE),
    ("/app/staff/", "text/html; charset=utf-8", STAFF),
    ("/app/staff.js", "text/javascript; charset=utf-8", STAFF_JS),
    (
        "/app/telegram.js",
        "text/javascript; charset=utf-8",
        TELEGRAM_JS,
    ),
];

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Small and compiled in: revalidate, so a new release shows at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The pages' routes.
pub fn pages_router() -> Router {
    ASSETS
        .into_iter()
        .fold(Router::new(), |router, (path, content_type, body)| {
            router.route(path, get(move || async move { asset(content_type, body) }))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_stay_under_the_size_budget_even_before_compression() {
        // The budget is 100 KB gzipped; the plain size bounds it.
        let total: usize = ASSETS.iter().map(|(_, _, body)| body.len()).sum();
        assert!(total < 100 * 1024, "{total} bytes");
    }

    #[test]
    fn nothing_is_loaded_from_another_host_or_inline() {
        for (path, _, body) in ASSETS {
            assert!(!body.contains("http://"), "{path}");
            // Telegram's web client is named only as the frame the page
            // talks to (postMessage's target), never loaded from.
            assert_eq!(
                body.matches("https://").count(),
                body.matches("https://web.telegram.org").count(),
                "{path}"
            );
            assert!(!body.contains("<script>"), "{path}: no inline script");
            assert!(!body.contains("import("), "{path}: no dynamic import");
        }
        assert!(PAGE_POLICY.contains("default-src 'none'"));
        assert!(!PAGE_POLICY.contains("unsafe"));
    }
}
