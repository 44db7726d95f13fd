//! Pagination links that keep the list's other query parameters.

use crate::db::Page;

/// What a template needs to draw "1–25 of 140" and previous/next links.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// "10,000+" rather than an exact count.
    pub total_capped: bool,
    pub first: i64,
    pub last: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    /// `base` is the path plus the list's other parameters, e.g. `/facilities?q=mercy`.
    pub fn new<T>(page: &Page<T>, base: &str) -> Self {
        let sep = if base.contains('?') { '&' } else { '?' };
        let href = |p: i64| format!("{base}{sep}page={p}");
        let pages = page.pages();
        let first = if page.total == 0 {
            0
        } else {
            (page.page - 1) * page.per_page + 1
        };
        let last = ((page.page - 1) * page.per_page + page.items.len() as i64).max(0);
        Self {
            page: page.page,
            pages,
            total: page.total,
            total_capped: page.total_capped,
            first,
            last,
            prev_href: (page.page > 1).then(|| href(page.page - 1)),
            next_href: (page.page < pages
                || (page.total_capped && page.items.len() as i64 == page.per_page))
                .then(|| href(page.page + 1)),
        }
    }
}

/// Builds `path?k=v&...` from the non-empty pairs.
pub fn query_base(path: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", super::urlencode(v)))
        })
        .collect();
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}
